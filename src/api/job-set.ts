/**
 * The sorted sets of jobs (Sidekiq's `JobSet`, `SortedEntry`, `ScheduledSet`, `RetrySet`,
 * `DeadSet`): member = the job's exact JSON, score = epoch seconds (run at / next retry / death).
 *
 * 1. Reading: size, pages (by score; the dead set newest first), `fetch(score, jid)`, `findJob`
 *    (ZSCAN `*jid*`), `scan(text)`.
 * 2. Acting on one entry, always by its stored string: delete (ZREM), retry now / add to queue
 *    and kill (Lua: move only if ZREM removed it; see move-to-queues.lua), reschedule.
 * 3. Bulk: clear, retryAll, killAll, in batches that each run as one script.
 */

import { scoreText } from "../core/clock";
import { deadCommands, deadTrimArgs } from "../core/dead-set";
import { moveToDead, moveToQueues } from "../redis/scripts/index.gen";
import type { RedisReply } from "../redis/types";
import {
  type ApiContext,
  type ApiOptions,
  globEscape,
  replyArray,
  replyNumber,
  replyString,
  replyStrings,
  toContext,
} from "./context";
import { JobRecord } from "./job-record";
import { type Page, pageWindow } from "./queue";
import { requeuedPayload } from "./requeue";

/** Jobs per script call in bulk actions: bounded so one call never blocks Redis for long. */
const BATCH = 100;

export class SortedEntry extends JobRecord {
  constructor(
    value: string,
    /** The score as Redis printed it (exact, so ZRANGEBYSCORE finds it again). */
    readonly rawScore: string,
    readonly parent: JobSet,
  ) {
    super(value);
  }

  get score(): number {
    return Number(this.rawScore);
  }
  /** When the entry is due (scheduled, retry) or died (dead). */
  get at(): Date {
    return new Date(this.score * 1000);
  }
  /** Sidekiq's web key `"<score>-<jid>"`. */
  get key(): string {
    return `${this.rawScore}-${this.jid}`;
  }

  delete(): Promise<boolean> {
    return this.parent.deleteValues([this.value]).then((n) => n === 1);
  }
  /** Pushes the job onto its queue now, one retry given back (Sidekiq's `SortedEntry#retry`). */
  retry(): Promise<boolean> {
    return this.parent.retryValues([this.value]).then((n) => n === 1);
  }
  /** Pushes the job onto its queue now, unchanged but for `enqueued_at`. */
  addToQueue(): Promise<boolean> {
    return this.parent.addValuesToQueue([this.value]).then((n) => n === 1);
  }
  /** Moves the job, unchanged, to the dead set. */
  kill(): Promise<boolean> {
    return this.parent.killValues([this.value]).then((n) => n === 1);
  }
  /** Moves the entry to a new time, keeping its bytes (ZADD XX of the same member). */
  async reschedule(at: Date | number): Promise<boolean> {
    const seconds = at instanceof Date ? at.getTime() / 1000 : at;
    const reply = await this.parent.ctx.redis.call([
      "zadd",
      this.parent.key,
      "XX",
      "CH",
      scoreText(seconds),
      this.value,
    ]);
    return replyNumber(reply) === 1;
  }
}

export class JobSet {
  readonly ctx: ApiContext;
  readonly key: string;

  constructor(
    /** `schedule`, `retry` or `dead` (without namespace). */
    readonly name: "schedule" | "retry" | "dead",
    options: ApiOptions | ApiContext,
  ) {
    this.ctx = toContext(options);
    this.key = this.ctx.keys[name];
  }

  async size(): Promise<number> {
    return replyNumber(await this.ctx.redis.call(["zcard", this.key]));
  }

  /** One page by score: soonest first, or latest first with `reverse` (the dead set's order). */
  async page(
    page = 1,
    count = 25,
    options: { reverse?: boolean } = {},
  ): Promise<Page<SortedEntry>> {
    const { page: current, start, end } = pageWindow(page, count);
    const [total, items] = await this.ctx.redis.multi([
      ["zcard", this.key],
      [options.reverse ? "zrevrange" : "zrange", this.key, start, end, "WITHSCORES"],
    ]);
    return { page: current, total: replyNumber(total), items: this.#entries(items) };
  }

  /** Every entry, soonest first, read in pages. */
  async *entries(): AsyncGenerator<SortedEntry> {
    for (let start = 0; ; start += BATCH) {
      const reply = await this.ctx.redis.call([
        "zrange",
        this.key,
        start,
        start + BATCH - 1,
        "WITHSCORES",
      ]);
      const entries = this.#entries(reply);
      yield* entries;
      if (entries.length < BATCH) return;
    }
  }

  /** The entries at exactly `score`, only the one with `jid` if given (Sidekiq's `fetch`). */
  async fetch(score: string | number, jid?: string): Promise<SortedEntry[]> {
    const s = typeof score === "number" ? scoreText(score) : score;
    const reply = await this.ctx.redis.call(["zrangebyscore", this.key, s, s, "WITHSCORES"]);
    const entries = this.#entries(reply);
    return jid === undefined ? entries : entries.filter((e) => e.jid === jid);
  }

  /** The entry for a web key `"<score>-<jid>"`, if it is still there. */
  async fetchByKey(key: string): Promise<SortedEntry | undefined> {
    const dash = key.indexOf("-");
    if (dash <= 0) return undefined;
    const score = key.slice(0, dash);
    if (!Number.isFinite(Number(score))) return undefined;
    return (await this.fetch(score, key.slice(dash + 1)))[0];
  }

  /** Entries whose JSON contains `text` (ZSCAN MATCH `*text*`), at most `limit`. */
  async scan(text: string, limit = 1000): Promise<SortedEntry[]> {
    const found: SortedEntry[] = [];
    const match = `*${globEscape(text)}*`;
    let cursor = "0";
    do {
      const reply = replyArray(
        await this.ctx.redis.call(["zscan", this.key, cursor, "MATCH", match, "COUNT", 1000]),
      );
      cursor = replyString(reply[0]) ?? "0";
      found.push(...this.#entries(reply[1]));
    } while (cursor !== "0" && found.length < limit);
    return found.slice(0, limit);
  }

  async findJob(jid: string): Promise<SortedEntry | undefined> {
    if (jid === "") return undefined;
    return (await this.scan(jid)).find((e) => e.jid === jid);
  }

  /** Removes these exact members; resolves to how many were there. */
  async deleteValues(values: readonly string[]): Promise<number> {
    if (values.length === 0) return 0;
    return replyNumber(await this.ctx.redis.call(["zrem", this.key, ...values]));
  }

  /** "Retry now": each job to its queue with `retry_count` - 1; returns how many moved. */
  retryValues(values: readonly string[]): Promise<number> {
    return this.#moveToQueues(values, true, true);
  }

  /** "Add to queue": each job to its queue as it is (fresh `enqueued_at`). */
  addValuesToQueue(values: readonly string[]): Promise<number> {
    return this.#moveToQueues(values, false, true);
  }

  /** Moves these exact members to the dead set (trimmed as Sidekiq trims it). */
  async killValues(values: readonly string[], nowMs: number = Date.now()): Promise<number> {
    if (values.length === 0) return 0;
    const reply = await this.ctx.redis.evalScript(
      moveToDead,
      [this.key, this.ctx.keys.dead],
      [...deadTrimArgs(nowMs), ...values],
    );
    return replyNumber(reply);
  }

  /** Deletes the whole set (Sidekiq's `clear`). */
  async clear(): Promise<void> {
    await this.ctx.redis.call(["unlink", this.key]);
  }

  /** Retries every entry, soonest first; returns how many moved. */
  retryAll(): Promise<number> {
    return this.#eachBatch((values) => this.#moveToQueues(values, true, false));
  }

  /** Kills every entry; returns how many moved. */
  killAll(): Promise<number> {
    return this.#eachBatch((values) => this.killValues(values));
  }

  /**
   * Runs `action` on batches from the low end until the set is empty. Bounded by the size at the
   * start, so a set that keeps filling (new failures) cannot keep it running forever. Entries an
   * action cannot move (a payload that is not JSON) stay put and are stepped over.
   */
  async #eachBatch(action: (values: string[]) => Promise<number>): Promise<number> {
    const rounds = Math.ceil((await this.size()) / BATCH) + 1;
    let total = 0;
    let skip = 0;
    for (let i = 0; i < rounds; i++) {
      const values = replyStrings(
        await this.ctx.redis.call(["zrange", this.key, skip, skip + BATCH - 1]),
      );
      if (values.length === 0) break;
      const moved = await action(values);
      total += moved;
      skip += values.length - moved;
    }
    return total;
  }

  /** `strict`: throw if no value can be moved (one entry's action); else skip those (bulk). */
  async #moveToQueues(
    values: readonly string[],
    decrement: boolean,
    strict: boolean,
  ): Promise<number> {
    if (values.length === 0) return 0;
    const now = Date.now();
    const keys = [this.key, this.ctx.keys.queues];
    const args: string[] = [];
    let firstError: unknown;
    for (const value of values) {
      try {
        const { queue, payload } = requeuedPayload(value, now, { decrementRetryCount: decrement });
        keys.push(this.ctx.keys.queue(queue));
        args.push(value, queue, payload);
      } catch (err) {
        // A JobPayloadError: the entry cannot go to a queue; it stays where it is.
        firstError ??= err;
      }
    }
    if (keys.length === 2) {
      if (strict && firstError) throw firstError;
      return 0;
    }
    return replyNumber(await this.ctx.redis.evalScript(moveToQueues, keys, args));
  }

  #entries(reply: RedisReply | undefined): SortedEntry[] {
    const flat = replyStrings(reply);
    const out: SortedEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      out.push(new SortedEntry(flat[i]!, flat[i + 1]!, this));
    }
    return out;
  }
}

/** `schedule`: jobs pushed with `at`, scored by when they run. */
export class ScheduledSet extends JobSet {
  constructor(options: ApiOptions | ApiContext) {
    super("schedule", options);
  }
}

/** `retry`: failed jobs, scored by their next attempt. */
export class RetrySet extends JobSet {
  constructor(options: ApiOptions | ApiContext) {
    super("retry", options);
  }
}

/** `dead` (the morgue): jobs out of retries, scored by when they died; shown newest first. */
export class DeadSet extends JobSet {
  constructor(options: ApiOptions | ApiContext) {
    super("dead", options);
  }

  /** Adds a payload (exact string) to the dead set, trimmed as Sidekiq trims it. */
  async kill(value: string, nowMs: number = Date.now()): Promise<void> {
    await this.ctx.redis.multi(deadCommands(this.ctx.keys, value, nowMs));
  }

  override killAll(): Promise<number> {
    return Promise.resolve(0);
  }
}
