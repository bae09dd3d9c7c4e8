/**
 * One job as stored (Sidekiq's `JobRecord`): the exact string Redis holds, which every action
 * uses to address the job, and read-only views of its fields. The string is parsed once for
 * reading and never re-serialised; a payload that is not JSON still has a record (its `item` is
 * empty) so it can be seen and deleted.
 */
import { decodeBacktrace } from "../core/backtrace";
import { timestampToMs } from "../core/clock";
import { ENVELOPE_PREFIX, encryptMode } from "../core/encryption";
import { RawJsonObject } from "../core/raw-json";

/** ActiveJob's wrapper classes, whose real arguments sit inside `args[0].arguments`. */
const ACTIVE_JOB_WRAPPERS = new Set([
  "ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper",
  "Sidekiq::ActiveJob::Wrapper",
]);

export class JobRecord {
  /** The exact stored string. */
  readonly value: string;
  /** The parsed payload; `{}` when the string is not a JSON object. */
  readonly item: Record<string, unknown>;
  /** Why the payload could not be parsed, if it could not. */
  readonly parseError: string | undefined;

  constructor(value: string) {
    this.value = value;
    let item: Record<string, unknown> = {};
    let parseError: string | undefined;
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        item = parsed as Record<string, unknown>;
      } else parseError = "payload is not a JSON object";
    } catch (err) {
      parseError = (err as Error).message;
    }
    this.item = item;
    this.parseError = parseError;
  }

  get jid(): string {
    return typeof this.item.jid === "string" ? this.item.jid : "";
  }
  get klass(): string {
    return typeof this.item.class === "string" ? this.item.class : "";
  }
  /** What UIs show: ActiveJob's `wrapped`, `display_class`, or `class`. */
  get displayClass(): string {
    const { display_class, wrapped } = this.item;
    if (typeof display_class === "string") return display_class;
    if (typeof wrapped === "string" && ACTIVE_JOB_WRAPPERS.has(this.klass)) return wrapped;
    return this.klass || "(unknown)";
  }
  get queue(): string {
    return typeof this.item.queue === "string" ? this.item.queue : "default";
  }
  get args(): unknown[] {
    return Array.isArray(this.item.args) ? this.item.args : [];
  }
  /** `args` as written, byte for byte (large integers and `3.0` survive). */
  get rawArgs(): string {
    try {
      return RawJsonObject.parse(this.value).getRaw("args") ?? "[]";
    } catch {
      return "[]";
    }
  }
  /** The arguments a user wrote: ActiveJob's inner `arguments` when wrapped, else `args`. */
  get displayArgs(): unknown[] {
    const first = this.args[0] as Record<string, unknown> | undefined;
    if (ACTIVE_JOB_WRAPPERS.has(this.klass) && first && Array.isArray(first.arguments)) {
      return first.arguments;
    }
    return this.args;
  }
  /**
   * The key id when the job's arguments are encrypted (an `encrypt` job carrying an edgekiq
   * envelope): the API and dashboard then show ciphertext, marked as such; else undefined.
   */
  get encryptionKey(): string | undefined {
    if (!encryptMode(this.item.encrypt)) return undefined;
    const sealed = this.args.find(
      (a): a is string => typeof a === "string" && a.startsWith(ENVELOPE_PREFIX),
    );
    return sealed?.slice(ENVELOPE_PREFIX.length).split(":")[0];
  }
  get tags(): string[] {
    return Array.isArray(this.item.tags) ? this.item.tags.map(String) : [];
  }
  /** The `retry` option as written: true, false or a number. */
  get retryOption(): unknown {
    return this.item.retry;
  }
  get retryCount(): number | undefined {
    return typeof this.item.retry_count === "number" ? this.item.retry_count : undefined;
  }
  get errorClass(): string | undefined {
    return typeof this.item.error_class === "string" ? this.item.error_class : undefined;
  }
  get errorMessage(): string | undefined {
    return typeof this.item.error_message === "string" ? this.item.error_message : undefined;
  }
  get createdAt(): Date | undefined {
    return toDate(this.item.created_at);
  }
  get enqueuedAt(): Date | undefined {
    return toDate(this.item.enqueued_at);
  }
  get failedAt(): Date | undefined {
    return toDate(this.item.failed_at);
  }
  get retriedAt(): Date | undefined {
    return toDate(this.item.retried_at);
  }
  /** Seconds since the job entered its queue (0 when unknown). */
  latency(nowMs: number = Date.now()): number {
    const ms = timestampToMs(this.item.enqueued_at) ?? timestampToMs(this.item.created_at);
    return ms === undefined ? 0 : Math.max(0, (nowMs - ms) / 1000);
  }
  /** The stored backtrace lines, decoded from Sidekiq's base64+zlib form. */
  errorBacktrace(): Promise<string[] | undefined> {
    return decodeBacktrace(this.item.error_backtrace);
  }
}

function toDate(value: unknown): Date | undefined {
  const ms = timestampToMs(value);
  return ms === undefined ? undefined : new Date(ms);
}
