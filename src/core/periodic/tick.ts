/**
 * What the worker's ticker and `cronTick` share: the periodic keys, the job a tick pushes, and
 * the arguments of one call of `periodic-tick-5.lua` (the marker and the push in one atomic step).
 * Edge-safe. Keys live here, not on `Keys`, so an edge app that does not use periodic jobs carries
 * none of this.
 */

import type { RedisArg, RedisReply } from "../../redis/types";
import { type TimestampUnit, toTimestamp } from "../clock";
import { ConfigError } from "../errors";
import { newJid } from "../job";
import { dumpJob } from "../json";
import type { Keys } from "../keys";
import { isPeriodicEntry, type PeriodicEntry } from "./entry";

/** Runs kept per entry (the API's "last N runs"). */
export const PERIODIC_RUNS_KEPT = 50;
/**
 * A new entry (no marker yet) pushes its latest tick only if that tick is at most this old; an
 * older one is only recorded, so a daily 02:30 entry deployed at noon waits for tomorrow.
 */
export const NEW_ENTRY_GRACE_MS = 60_000;

/** The registry: name -> until when (epoch ms) some process or edge tick declares the entry. */
export function periodicRegistryKey(keys: Keys): string {
  return `${keys.prefix}edgekiq:periodic`;
}
/** An entry's state hash: `last` (marker, ms), `paused` ("1"), `def` (its definition, JSON). */
export function periodicStateKey(keys: Keys, name: string): string {
  return `${keys.prefix}edgekiq:periodic:${name}`;
}
/** An entry's newest runs, newest first: `{"at":tick ms,"jid":…,"enqueued_at":ms}`. */
export function periodicRunsKey(keys: Keys, name: string): string {
  return `${keys.prefix}edgekiq:periodic-runs:${name}`;
}

/** The definition stored in the registry, for the API, the dashboard and the CLI. */
export interface PeriodicDefinition {
  cron: string;
  tz: string | null;
  class: string;
  queue: string;
  args: unknown[];
  /** The payload's Sidekiq options (retry, queue, tags…), as a tick writes them. */
  options: Record<string, unknown>;
  missed: string;
  maxMissed: number;
}

export function periodicDefinition(entry: PeriodicEntry): string {
  const def: PeriodicDefinition = {
    cron: entry.cron,
    tz: entry.tz ?? null,
    class: entry.class,
    queue: entry.queue,
    args: [...entry.args],
    options: { ...entry.jobOptions },
    missed: entry.missed,
    maxMissed: entry.maxMissed,
  };
  return JSON.stringify(def);
}

/** The payload one tick pushes: what `Client#push` writes for the same class, args and options. */
export function periodicJob(
  entry: Pick<PeriodicEntry, "class" | "args" | "jobOptions">,
  nowMs: number,
  timestamps: TimestampUnit,
): { jid: string; json: string } {
  const jid = newJid();
  const stamp = toTimestamp(nowMs, timestamps);
  const job = {
    ...entry.jobOptions,
    class: entry.class,
    args: entry.args,
    jid,
    created_at: stamp,
    enqueued_at: stamp,
  };
  return { jid, json: dumpJob(job) };
}

export interface TickCallOptions {
  nowMs: number;
  timestamps: TimestampUnit;
  /** Declare the entry in the registry until this time (epoch ms); omit to declare nothing. */
  declareUntil?: number;
}

/** KEYS and ARGV of one `periodicTick` call (layout: src/redis/scripts/periodic-tick-5.lua). */
export function tickCall(
  keys: Keys,
  entry: PeriodicEntry,
  ticks: readonly number[],
  o: TickCallOptions,
): { keys: string[]; args: RedisArg[] } {
  const declare = o.declareUntil !== undefined;
  const args: RedisArg[] = [
    entry.name,
    entry.queue,
    o.nowMs - NEW_ENTRY_GRACE_MS,
    PERIODIC_RUNS_KEPT,
    declare ? periodicDefinition(entry) : "",
    declare ? Math.round(o.declareUntil!) : "",
    Math.round(o.nowMs),
  ];
  for (const tick of ticks) {
    const { jid, json } = periodicJob(entry, o.nowMs, o.timestamps);
    args.push(tick, jid, json);
  }
  return {
    keys: [
      keys.queues,
      keys.queue(entry.queue),
      periodicStateKey(keys, entry.name),
      periodicRunsKey(keys, entry.name),
      periodicRegistryKey(keys),
    ],
    args,
  };
}

export interface TickOutcome {
  /** Jobs this call pushed (0 when another process had the tick, or the entry is paused). */
  pushed: number;
  /** The entry's marker after the call: the newest tick enqueued (epoch ms). */
  last: number | undefined;
  paused: boolean;
}

export function tickOutcome(reply: RedisReply): TickOutcome {
  const [pushed, last, paused] = reply as number[];
  return {
    pushed: Number(pushed),
    last: Number(last) >= 0 ? Number(last) : undefined,
    paused: Number(paused) === 1,
  };
}

/**
 * Checks a periodic table: every item an entry made by `periodic(...)`, no two with one name
 * (they would share one marker). Throws a ConfigError naming the problem.
 */
export function checkTable(entries: unknown, where: string): PeriodicEntry[] {
  if (!Array.isArray(entries)) {
    throw new ConfigError(`${where}: periodic must be an array of periodic(...) entries`);
  }
  const seen = new Set<string>();
  for (const e of entries) {
    if (!isPeriodicEntry(e)) {
      throw new ConfigError(`${where}: periodic entries must be made with periodic(...)`);
    }
    if (seen.has(e.name))
      throw new ConfigError(`${where}: two periodic entries are named "${e.name}"`);
    seen.add(e.name);
  }
  return entries as PeriodicEntry[];
}

const checkedArgs = new WeakMap<PeriodicEntry, Promise<unknown>>();

/**
 * Runs the job definition's schema over the entry's args once (schemas may be async, so this
 * cannot happen in `periodic()`); rejects with its JobValidationError on every later call.
 */
export function checkEntryArgs(entry: PeriodicEntry): Promise<unknown> {
  let check = checkedArgs.get(entry);
  if (!check) {
    check = entry.definition ? entry.definition.validate([...entry.args]) : Promise.resolve();
    checkedArgs.set(entry, check);
  }
  return check;
}
