/**
 * Fleet-wide job events (BullMQ's QueueEvents): with `new Worker({ events: true })` every job's
 * outcome (completed, failed, then retried or died) and every `ctx.progress` is appended to the
 * stream `edgekiq:events`, which any process can follow with `subscribeEvents`. The stream is
 * capped (`XADD MAXLEN ~ N`, default 10,000 entries), so a slow or absent listener never grows
 * Redis without bound: a listener further behind than N entries misses the oldest.
 *
 * Off by default: a worker without `events` adds nothing per job. Events are notifications, not
 * the record of truth: they are written one round trip after the job's own write (one pipeline
 * per batch of events), so a crash between the two can drop an event but never a job.
 */
import { ConfigError } from "../core/errors";
import { Keys } from "../core/keys";
import type { IoredisLike } from "../redis/tcp";
import type { BlockingRedisClient, RedisClient, RedisCommand, RedisReply } from "../redis/types";
import { connect } from "./options";

/** Entries the stream keeps unless told otherwise. */
export const EVENTS_MAX_LEN = 10_000;

export type JobEventName = "completed" | "failed" | "retried" | "died" | "progress";

export interface JobEvent {
  /** The stream entry id (`<ms>-<seq>`), to resume from. */
  id: string;
  event: JobEventName;
  jid: string;
  class: string;
  queue: string;
  /** failed, retried, died: the error. */
  error_class?: string;
  error_message?: string;
  /** progress: the JSON value given to `ctx.progress`. */
  value?: unknown;
}

/** The stream's bound for the worker's `events` option; undefined when events are off. */
export function eventsMaxLen(
  option: boolean | { maxLen?: number } | undefined,
): number | undefined {
  if (!option) return undefined;
  const n = option === true ? EVENTS_MAX_LEN : (option.maxLen ?? EVENTS_MAX_LEN);
  if (!(Number.isInteger(n) && n > 0)) {
    throw new ConfigError(`Worker: events.maxLen must be a positive integer, got ${String(n)}`);
  }
  return n;
}

export function eventsKey(keys: Keys): string {
  return `${keys.prefix}edgekiq:events`;
}

/** Collects events and appends them in one pipeline per round trip, one in flight at a time. */
export class EventLog {
  #pending: RedisCommand[] = [];
  #flushing: Promise<void> | undefined;
  readonly #key: string;

  constructor(
    private readonly redis: Pick<RedisClient, "pipeline">,
    keys: Keys,
    private readonly maxLen: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.#key = eventsKey(keys);
  }

  add(event: JobEventName, fields: Record<string, string>): void {
    const args: string[] = ["event", event];
    for (const [k, v] of Object.entries(fields)) args.push(k, v);
    this.#pending.push(["xadd", this.#key, "maxlen", "~", this.maxLen, "*", ...args]);
    if (!this.#flushing) this.#flushing = this.#run();
  }

  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #run(): Promise<void> {
    await Promise.resolve();
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        await this.redis.pipeline(batch);
      } catch (err) {
        // Notifications only: reported and dropped, never retried into an ever-growing backlog.
        this.onError(err);
      }
    }
    this.#flushing = undefined;
  }
}

export interface SubscribeOptions {
  /** An ioredis instance (a duplicated connection does the blocking reads) or a BlockingRedisClient. */
  redis: IoredisLike | BlockingRedisClient;
  /** Sidekiq 6 redis-namespace prefix, if the fleet uses one. */
  namespace?: string;
  /** Where to start: "$" (default: only events from now on), "0" (the whole kept history) or an id. */
  from?: string;
  onEvent(event: JobEvent): void | Promise<void>;
  /** Seconds each XREAD blocks (default 2), i.e. how soon `close()` takes effect. */
  blockSeconds?: number;
}

/**
 * Follows the event stream from any process (XREAD BLOCK on a connection of its own), calling
 * `onEvent` for each event in order. Resolves `close()` once the loop has stopped.
 */
export function subscribeEvents(options: SubscribeOptions): { close(): Promise<void> } {
  const { onEvent } = options;
  const { redis, owned } = connect(options.redis);
  const key = eventsKey(new Keys(options.namespace));
  const block = Math.round((options.blockSeconds ?? 2) * 1000);
  let last = options.from ?? "$";
  let open = true;
  const lane = `events:${Math.random().toString(36).slice(2)}`;
  const loop = (async () => {
    while (open) {
      let reply: RedisReply;
      try {
        reply = await redis.blocking(
          ["xread", "count", 1000, "block", block, "streams", key, last],
          lane,
        );
      } catch (err) {
        if (!open) return;
        throw err;
      }
      if (!Array.isArray(reply)) continue;
      for (const stream of reply) {
        const entries = (stream as RedisReply[])[1] as RedisReply[];
        for (const entry of entries) {
          const [id, flat] = entry as [string, RedisReply[]];
          last = String(id);
          await onEvent(toEvent(last, flat));
        }
      }
    }
  })();
  return {
    async close() {
      open = false;
      // Our own adapter: closing it ends a blocked read at once (the given connection stays open).
      if (owned) await redis.close();
      await loop.catch(() => undefined);
    },
  };
}

function toEvent(id: string, flat: RedisReply[]): JobEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[String(flat[i])] = String(flat[i + 1]);
  const event: JobEvent = {
    id,
    event: f.event as JobEventName,
    jid: f.jid ?? "",
    class: f.class ?? "",
    queue: f.queue ?? "",
  };
  if (f.error_class !== undefined) event.error_class = f.error_class;
  if (f.error_message !== undefined) event.error_message = f.error_message;
  if (f.value !== undefined) event.value = JSON.parse(f.value);
  return event;
}
