/**
 * Unique jobs: `unique: { for, until?, by? }` on a definition or a push. The lock key is
 * `edgekiq:unique:<SHA-256 of class, queue and the canonical JSON of the args (or of by(args))>`;
 * taking it and pushing the job is one Lua call (one request over REST), see push-unique.lua.
 *
 * The writer is handed to the client (`new Client({ unique: uniqueJobs })`) instead of being part
 * of it, so an edge app that never pushes a unique job ships none of this. The payload carries
 * `edgekiq_unique: { digest, until }` in place of `unique`, so the worker knows which lock to
 * release and when (worker/unique-release.ts); the lock's value is the jid, so only the job that
 * took it releases it, and it expires after `for` seconds (plus the wait of a scheduled job)
 * whatever happens to the worker.
 */
import { pushUnique } from "../redis/scripts/index.gen";
import type { RedisArg } from "../redis/types";
import { digestHex } from "./bytes";
import type { Client, PreparedJob, UniqueWriter } from "./client";
import { scoreText } from "./clock";
import { ConfigError } from "./errors";
import { dumpJob } from "./json";
import type { Keys } from "./keys";

export interface UniqueOptions {
  /** Seconds the lock lives at most (from push, or from the run time of a scheduled job). */
  for: number;
  /** Release the lock when the job starts, or (default, as Sidekiq Enterprise) when it succeeds. */
  until?: "start" | "success";
  /** What makes two jobs the same: by default all their args. */
  by?: (args: unknown[]) => unknown;
}

/** What a unique job carries in its payload for the worker. */
export interface UniqueMark {
  digest: string;
  until: "start" | "success";
}

/** The lock key of a digest. */
export function uniqueKey(keys: Keys, digest: string): string {
  return `${keys.prefix}edgekiq:unique:${digest}`;
}

/** How many pushes were refused as duplicates, ever. */
export function uniqueDuplicatesKey(keys: Keys): string {
  return `${keys.prefix}edgekiq:unique:duplicates`;
}

/** JSON with object keys sorted at every depth, so `{a,b}` and `{b,a}` lock the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    const members = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The lock digest of a job: SHA-256 hex (Web Crypto, so it runs on the edge). */
export function uniqueDigest(className: string, queue: string, args: unknown): Promise<string> {
  return digestHex("SHA-256", canonicalJson([className, queue, args]));
}

function checkOptions(className: string, u: UniqueOptions): void {
  const where = `Job "${className}": unique`;
  if (typeof u !== "object" || u === null) {
    throw new ConfigError(`${where} must be { for: seconds, until?, by? }`);
  }
  if (!Number.isInteger(u.for) || u.for <= 0) {
    throw new ConfigError(`${where}.for must be a positive whole number of seconds, got ${u.for}`);
  }
  if (u.until !== undefined && u.until !== "start" && u.until !== "success") {
    throw new ConfigError(`${where}.until must be "start" or "success", got ${String(u.until)}`);
  }
  if (u.by !== undefined && typeof u.by !== "function") {
    throw new ConfigError(`${where}.by must be a function of the args`);
  }
}

/**
 * The writer to pass as `new Client({ unique: uniqueJobs })`: one script call for the batch, each
 * job's lock taken and the job pushed atomically; a job whose lock is held is marked `duplicate`
 * (its push resolves to null) and counted in `edgekiq:unique:duplicates`.
 */
export const uniqueJobs: UniqueWriter = async (client: Client, batch: PreparedJob[]) => {
  const { keys } = client;
  const scriptKeys: string[] = [keys.queues, keys.schedule, uniqueDuplicatesKey(keys)];
  const args: RedisArg[] = [];
  const nowSeconds = Date.now() / 1000;
  for (const p of batch) {
    const { job, score } = p;
    const u = job.unique as UniqueOptions | undefined;
    let lock = "";
    const queueKey = keys.queue(job.queue);
    let lockKey = queueKey;
    if (u) {
      checkOptions(job.class, u);
      const until = u.until ?? "success";
      const plain = p.plainArgs ?? job.args;
      const digest = await uniqueDigest(job.class, job.queue, u.by ? u.by(plain) : plain);
      delete job.unique;
      job.edgekiq_unique = { digest, until } satisfies UniqueMark;
      lockKey = uniqueKey(keys, digest);
      const wait = score === undefined ? 0 : Math.max(0, Math.ceil(score - nowSeconds));
      lock = `${u.for + wait}:${job.jid}`;
    }
    scriptKeys.push(lockKey, queueKey);
    args.push(job.queue, score === undefined ? "" : scoreText(score), dumpJob(job), lock);
  }
  const reply = (await client.redis.evalScript(pushUnique, scriptKeys, args)) as number[];
  batch.forEach((p, i) => {
    if (Number(reply[i]) === 0) p.duplicate = true;
  });
};
