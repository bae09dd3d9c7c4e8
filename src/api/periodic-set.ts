/**
 * `PeriodicSet` (issue 15): the periodic entries the fleet declares (workers while they run,
 * `cronTick` on each call), with their last and next runs, and the controls the dashboard and
 * the CLI use: pause and unpause (fleet-wide at once: every tick reads the flag in the same atomic
 * call that would push), enqueue now, and the newest runs with their jids.
 *
 * Reads the registry (`edgekiq:periodic`, name -> declared until, ms), the entries' state hashes
 * and run logs (core/periodic/tick.ts). An entry no process has declared lately is not listed.
 */
import { nextTick, type PeriodicEntry, periodic } from "../core/periodic/entry";
import {
  PERIODIC_RUNS_KEPT,
  type PeriodicDefinition,
  periodicJob,
  periodicRegistryKey,
  periodicRunsKey,
  periodicStateKey,
} from "../core/periodic/tick";
import {
  type ApiContext,
  type ApiOptions,
  replyHash,
  replyNumber,
  replyStrings,
  toContext,
} from "./context";

export interface PeriodicRun {
  /** The tick's scheduled time (epoch ms); for "enqueue now", the time of the click. */
  at: number;
  jid: string;
  /** When the job was pushed (epoch ms). */
  enqueuedAt: number;
  /** Pushed by "enqueue now", not by a tick. */
  manual: boolean;
}

/** A declared entry: its stored definition (cron, tz — null for UTC —, job, options) and state. */
export interface PeriodicInfo extends PeriodicDefinition {
  name: string;
  paused: boolean;
  /** The newest tick enqueued (epoch ms), undefined before the first. */
  lastTick: number | undefined;
  /** The next tick after now (epoch ms), computed from the cron in its zone. */
  nextTick: number | undefined;
  /** Until when some process or edge tick declares the entry (epoch ms). */
  declaredUntil: number;
}

export class PeriodicSet {
  readonly #ctx: ApiContext;

  constructor(options: ApiOptions | ApiContext) {
    this.#ctx = toContext(options);
  }

  /** Every declared entry, by name. One read of the registry, then one pipeline. */
  async list(nowMs = Date.now()): Promise<PeriodicInfo[]> {
    const { redis, keys } = this.#ctx;
    const flat = replyStrings(
      await redis.call([
        "zrange",
        periodicRegistryKey(keys),
        `(${nowMs}`,
        "+inf",
        "byscore",
        "withscores",
      ]),
    );
    const names: [string, number][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) names.push([flat[i]!, Number(flat[i + 1])]);
    if (names.length === 0) return [];
    const hashes = await redis.pipeline(
      names.map(([name]) => ["hgetall", periodicStateKey(keys, name)]),
    );
    const out: PeriodicInfo[] = [];
    names.forEach(([name, until], i) => {
      const info = toInfo(name, until, replyHash(hashes[i]), nowMs);
      if (info) out.push(info);
    });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** One declared entry, or undefined. */
  async get(name: string, nowMs = Date.now()): Promise<PeriodicInfo | undefined> {
    const { redis, keys } = this.#ctx;
    const [score, hash] = await redis.pipeline([
      ["zscore", periodicRegistryKey(keys), name],
      ["hgetall", periodicStateKey(keys, name)],
    ]);
    if (score === null || score === undefined || replyNumber(score) <= nowMs) return undefined;
    return toInfo(name, replyNumber(score), replyHash(hash), nowMs);
  }

  /** Pauses a declared entry: its ticks pass (the marker moves on) and push nothing. */
  async pause(name: string): Promise<boolean> {
    return this.#setPaused(name, true);
  }

  /** Unpauses: the next tick after now runs (ticks passed while paused are not made up). */
  async unpause(name: string): Promise<boolean> {
    return this.#setPaused(name, false);
  }

  /** False if no such entry was ever declared (a pause of a mistyped name must not look done). */
  async #setPaused(name: string, paused: boolean): Promise<boolean> {
    const key = periodicStateKey(this.#ctx.keys, name);
    if (replyNumber(await this.#ctx.redis.call(["hexists", key, "def"])) !== 1) return false;
    await this.#ctx.redis.call(paused ? ["hset", key, "paused", "1"] : ["hdel", key, "paused"]);
    return true;
  }

  /**
   * Pushes the entry's job now, outside its schedule (paused or not), and logs it as a manual
   * run. Resolves to the jid, or undefined if no such entry is declared.
   */
  async enqueueNow(name: string, nowMs = Date.now()): Promise<string | undefined> {
    const info = await this.get(name, nowMs);
    if (!info) return undefined;
    const { redis, keys } = this.#ctx;
    const { jid, json } = periodicJob(
      { class: info.class, args: info.args, jobOptions: { ...info.options, queue: info.queue } },
      nowMs,
      "seconds",
    );
    const run = JSON.stringify({ at: nowMs, jid, enqueued_at: nowMs, manual: true });
    const runs = periodicRunsKey(keys, name);
    await redis.multi([
      ["sadd", keys.queues, info.queue],
      ["lpush", keys.queue(info.queue), json],
      ["lpush", runs, run],
      ["ltrim", runs, 0, PERIODIC_RUNS_KEPT - 1],
    ]);
    return jid;
  }

  /** The newest `count` runs of an entry, newest first. */
  async runs(name: string, count = 10): Promise<PeriodicRun[]> {
    const raw = replyStrings(
      await this.#ctx.redis.call([
        "lrange",
        periodicRunsKey(this.#ctx.keys, name),
        0,
        Math.max(0, Math.min(count, PERIODIC_RUNS_KEPT) - 1),
      ]),
    );
    const out: PeriodicRun[] = [];
    for (const line of raw) {
      try {
        const r = JSON.parse(line) as Record<string, unknown>;
        out.push({
          at: Number(r.at),
          jid: String(r.jid),
          enqueuedAt: Number(r.enqueued_at),
          manual: r.manual === true,
        });
      } catch {
        // A line no edgekiq wrote: skip it rather than fail the page.
      }
    }
    return out;
  }
}

/** An entry's info from its state hash; undefined if its definition is missing or unreadable. */
function toInfo(
  name: string,
  until: number,
  hash: Map<string, string>,
  nowMs: number,
): PeriodicInfo | undefined {
  let def: PeriodicDefinition;
  try {
    def = JSON.parse(hash.get("def") ?? "") as PeriodicDefinition;
  } catch {
    return undefined;
  }
  const last = hash.has("last") ? Number(hash.get("last")) : undefined;
  return {
    name,
    cron: String(def.cron),
    tz: def.tz ?? null,
    class: String(def.class),
    queue: String(def.queue),
    args: Array.isArray(def.args) ? def.args : [],
    options: def.options && typeof def.options === "object" ? def.options : {},
    missed: String(def.missed),
    maxMissed: Number(def.maxMissed),
    paused: hash.get("paused") === "1",
    lastTick: last !== undefined && Number.isFinite(last) ? last : undefined,
    nextTick: nextOf(name, def, nowMs),
    declaredUntil: until,
  };
}

/** The next tick from a stored definition (written by any version; a bad one has none). */
function nextOf(name: string, def: PeriodicDefinition, nowMs: number): number | undefined {
  let entry: PeriodicEntry;
  try {
    entry = periodic(name, def.cron, def.class || "x", [], { tz: def.tz ?? undefined });
  } catch {
    return undefined;
  }
  return nextTick(entry, nowMs);
}
