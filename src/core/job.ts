/**
 * The job model: Sidekiq's payload fields with their exact wire names (wire spec §2.2), jids,
 * strict-args checking (§2.4) and reading payloads written by anyone (Ruby 6.4/7.x/8.x or us).
 */
import { toHex } from "./bytes";
import { JobArgumentError, JobPayloadError } from "./errors";

/** Sidekiq's `retry` option: true = the default 25, false = none, N = N retries. */
export type RetryOption = boolean | number;

/** A JSON-native value: what Sidekiq's strict args allow. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A Sidekiq job hash. Field names are the wire names; unknown extras are kept as they are. */
export interface JobPayload {
  class: string;
  args: unknown[];
  jid: string;
  queue: string;
  retry?: RetryOption;
  /** Epoch seconds (float) or, in Sidekiq 8 mode, epoch ms (integer). */
  created_at?: number;
  enqueued_at?: number;
  at?: number;
  tags?: string[];
  retry_queue?: string;
  backtrace?: boolean | number;
  dead?: boolean;
  retry_count?: number;
  error_class?: string;
  error_message?: string;
  error_backtrace?: string;
  failed_at?: number;
  retried_at?: number;
  wrapped?: string;
  display_class?: string;
  [extra: string]: unknown;
}

/** Random bytes drawn 4 KiB at a time: one Web Crypto call serves 341 jids (bulk pushes). */
const pool = new Uint8Array(4092);
let poolOffset = pool.length;

/** 24 lowercase hex chars from Web Crypto, like Ruby's `SecureRandom.hex(12)`. */
export function newJid(): string {
  if (poolOffset + 12 > pool.length) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const jid = toHex(pool, poolOffset, poolOffset + 12);
  poolOffset += 12;
  return jid;
}

/**
 * Throws `JobArgumentError` unless `args` holds only JSON-native values, naming the job class and
 * the path of the first bad value (`args[1].when`). Sidekiq 7's `verify_json`, stricter than
 * `JSON.stringify`, which would silently drop `undefined` or turn a Date into a string.
 */
export function assertJsonArgs(jobClass: string, args: unknown): void {
  if (!Array.isArray(args)) {
    throw new JobArgumentError(
      `Job "${jobClass}": args must be an Array, got ${describe(args)}`,
      jobClass,
      "args",
    );
  }
  const bad = findNonJson(args, "args", new Set());
  if (bad) {
    throw new JobArgumentError(
      `Job "${jobClass}": ${bad.path} is ${bad.what}; job arguments must be JSON-native ` +
        "(string, number, boolean, null, arrays and plain objects with string keys)",
      jobClass,
      bad.path,
    );
  }
}

function findNonJson(
  value: unknown,
  path: string,
  seen: Set<object>,
): { path: string; what: string } | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : { path, what: String(value) };
    case "object": {
      if (value === null) return undefined;
      if (seen.has(value)) return { path, what: "a circular reference" };
      seen.add(value);
      try {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            if (!(i in value)) return { path: `${path}[${i}]`, what: "a hole in a sparse array" };
            const bad = findNonJson(value[i], `${path}[${i}]`, seen);
            if (bad) return bad;
          }
          return undefined;
        }
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) return { path, what: describe(value) };
        if (Object.getOwnPropertySymbols(value).length > 0) {
          return { path, what: "an object with symbol keys" };
        }
        for (const [k, v] of Object.entries(value)) {
          const bad = findNonJson(v, `${path}${propertyPath(k)}`, seen);
          if (bad) return bad;
        }
        return undefined;
      } finally {
        seen.delete(value);
      }
    }
    default:
      return { path, what: describe(value) };
  }
}

function propertyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "bigint") return `a bigint (${value}n)`;
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name ? `a ${name}` : "an object with a custom prototype";
  }
  return `a ${typeof value}`;
}

/**
 * Reads a payload string written by any Sidekiq generation. Throws `JobPayloadError` with a message
 * that says what is wrong (not JSON, not an object, no class, args not an array).
 */
export function parseJob(json: string): JobPayload {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new JobPayloadError(`Invalid JSON for job: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new JobPayloadError(
      `Invalid job payload: expected a JSON object, got ${Array.isArray(value) ? "an array" : describe(value)}`,
    );
  }
  const job = value as Record<string, unknown>;
  if (typeof job.class !== "string" || job.class === "") {
    throw new JobPayloadError(
      `Invalid job payload: "class" must be a non-empty string, got ${describe(job.class)}`,
    );
  }
  if (!Array.isArray(job.args)) {
    throw new JobPayloadError(
      `Invalid job payload for "${job.class}": "args" must be an array, got ${describe(job.args)}`,
    );
  }
  if (typeof job.jid !== "string") {
    throw new JobPayloadError(`Invalid job payload for "${job.class}": "jid" must be a string`);
  }
  return job as JobPayload;
}

/** The class name shown in logs and UIs: ActiveJob's `wrapped`, or `display_class`, or `class`. */
export function displayClass(job: Pick<JobPayload, "class" | "wrapped" | "display_class">): string {
  if (typeof job.display_class === "string") return job.display_class;
  if (typeof job.wrapped === "string") return job.wrapped;
  return job.class;
}
