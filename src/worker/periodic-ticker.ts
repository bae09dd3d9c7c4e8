/**
 * The worker's periodic ticker (issue 15). Every process that declares periodic entries ticks
 * them: there is no leader to elect or lose. Each entry's tick is one call of
 * `periodic-tick-5.lua` (the marker and the push, atomic), so however many processes send the
 * same tick, one job lands; a process killed before its call changed nothing and the others'
 * calls enqueue the tick; one killed after it has done all of it.
 *
 * 1. At start it reads every entry's marker in one pipeline and sends only the entries with a
 *    tick due since (catching up after downtime: the latest missed tick, or up to `maxMissed` of
 *    them for `missed: "all"`), so starting with 1,000 entries costs one round trip of reads.
 * 2. Then the ticker sleeps until the earliest next tick of any entry and sends only the entries
 *    that are due: a wake costs O(due entries), nothing when no entry is due, and nothing at all
 *    on the fetch/ack path (the ticker shares only the worker's timers and Redis connection).
 * 3. Every `declareEvery` seconds it declares its entries in the registry (what the API and the
 *    dashboard list); entries no process declares any more leave it (periodic-declare-1.lua).
 * 4. It stops at quiet, like the scheduled-set poller.
 */
import type { TimestampUnit } from "../core/clock";
import type { Keys } from "../core/keys";
import { dueTicks, nextTick, type PeriodicEntry } from "../core/periodic/entry";
import {
  checkEntryArgs,
  NEW_ENTRY_GRACE_MS,
  periodicDefinition,
  periodicRegistryKey,
  periodicRunsKey,
  periodicStateKey,
  tickCall,
  tickOutcome,
} from "../core/periodic/tick";
import { periodicDeclare, periodicTick } from "../redis/scripts/index.gen";
import type { RedisArg, RedisClient } from "../redis/types";
import type { Report } from "./exception-handler";
import type { Logger } from "./logger";
import type { Timers } from "./timers";

/** The longest sleep between wakes, so a clock that jumps is noticed within a minute. */
const MAX_SLEEP_MS = 60_000;
/** Pause before trying again after Redis refused or failed a tick. */
const RETRY_MS = 1_000;
/** How long an entry no process declares keeps its marker and runs (a slow redeploy). */
const REMOVED_RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface PeriodicTickerDeps {
  redis: RedisClient;
  keys: Keys;
  entries: readonly PeriodicEntry[];
  timestamps: TimestampUnit;
  timers: Pick<Timers, "after" | "every">;
  /** Seconds between declarations of the entries in the registry. */
  declareEvery: number;
  /** True while the worker runs (not quiet, not stopping). */
  running(): boolean;
  logger: Logger;
  report: Report;
}

export class PeriodicTicker {
  /** Each entry's marker as this process last saw it (undefined: not known yet). */
  readonly #last = new Map<string, number | undefined>();
  /** Each entry's next tick (epoch ms); entries without one are due at the next wake. */
  readonly #next = new Map<string, number>();
  #loaded = false;
  /** Names and definitions as the declare script takes them, built once. */
  #definitions: string[] | undefined;

  constructor(private readonly d: PeriodicTickerDeps) {}

  start(): void {
    const d = this.d;
    d.timers.after(0, () => this.#wake());
    d.timers.after(0, () => this.#declare());
    d.timers.every(d.declareEvery, () => (d.running() ? this.#declare() : undefined));
  }

  async #wake(): Promise<void> {
    const d = this.d;
    if (!d.running()) return;
    const now = Date.now();
    let failed = false;
    if (!this.#loaded) {
      try {
        await this.#load(now);
        this.#loaded = true;
      } catch (err) {
        failed = true;
        d.report(err, { context: "Error reading periodic markers" });
      }
    }
    const due = this.#loaded ? d.entries.filter((e) => (this.#next.get(e.name) ?? 0) <= now) : [];
    await Promise.all(
      due.map(async (entry) => {
        try {
          await this.#tick(entry, now);
          const next = nextTick(entry, now);
          if (next === undefined) this.#next.set(entry.name, Number.POSITIVE_INFINITY);
          else this.#next.set(entry.name, next);
        } catch (err) {
          failed = true;
          d.report(err, { context: `Error ticking periodic entry "${entry.name}"` });
        }
      }),
    );
    if (!d.running()) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const e of d.entries) earliest = Math.min(earliest, this.#next.get(e.name) ?? 0);
    const wait = Math.min(MAX_SLEEP_MS, Math.max(0, earliest - Date.now()));
    d.timers.after((failed ? Math.max(wait, RETRY_MS) : wait) / 1000, () => this.#wake());
  }

  /**
   * Reads every entry's marker and sets when each is next due: at once if a tick passed since its
   * marker (or, for a new entry, if its latest tick is recent enough to run), else at its next tick.
   */
  async #load(now: number): Promise<void> {
    const d = this.d;
    const replies = await d.redis.pipeline(
      d.entries.map((e) => ["hget", periodicStateKey(d.keys, e.name), "last"]),
    );
    d.entries.forEach((entry, i) => {
      const reply = replies[i];
      const marker = reply === null || reply === undefined ? Number.NaN : Number(reply);
      let due: number | undefined;
      if (Number.isFinite(marker)) {
        this.#last.set(entry.name, marker);
        due = nextTick(entry, marker);
      } else {
        const latest = dueTicks(entry, now).at(-1);
        due =
          latest !== undefined && latest > now - NEW_ENTRY_GRACE_MS ? latest : nextTick(entry, now);
      }
      this.#next.set(entry.name, due ?? Number.POSITIVE_INFINITY);
    });
  }

  /** Sends one entry its due ticks; afterwards knows the entry's marker. */
  async #tick(entry: PeriodicEntry, now: number): Promise<void> {
    const d = this.d;
    await checkEntryArgs(entry);
    const since = this.#last.get(entry.name);
    const ticks = dueTicks(entry, now, since);
    if (ticks.length === 0 && since !== undefined) return;
    const call = tickCall(d.keys, entry, ticks, { nowMs: now, timestamps: d.timestamps });
    const outcome = tickOutcome(await d.redis.evalScript(periodicTick, call.keys, call.args));
    this.#last.set(entry.name, outcome.last);
    if (outcome.pushed > 0) {
      d.logger.debug("Enqueued periodic job", {
        periodic: entry.name,
        count: outcome.pushed,
        tick: outcome.last,
      });
    }
  }

  async #declare(): Promise<void> {
    const d = this.d;
    const now = Date.now();
    const args: RedisArg[] = [
      now,
      now + Math.max(60_000, 3 * d.declareEvery * 1000),
      periodicStateKey(d.keys, ""),
      periodicRunsKey(d.keys, ""),
      REMOVED_RETENTION_MS,
    ];
    this.#definitions ??= d.entries.flatMap((e) => [e.name, periodicDefinition(e)]);
    args.push(...this.#definitions);
    try {
      await d.redis.evalScript(periodicDeclare, [periodicRegistryKey(d.keys)], args);
    } catch (err) {
      d.report(err, { context: "Error declaring periodic entries" });
    }
  }
}
