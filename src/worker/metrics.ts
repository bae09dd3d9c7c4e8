/**
 * Sidekiq 7's job metrics (`Sidekiq::Metrics::ExecutionTracker`, wire spec §1.5), so a Metrics
 * tab sees our jobs: per class, runs (`p`), failures (`f`), total ms of successful runs (`ms`)
 * and a 26-bucket histogram of successful runs' times. Counted here per job, written with each
 * heartbeat into the minute of the beat (`j|YYYYMMDD|H:M`, `<Class>-DD-HH:M`, both kept 8 h).
 *
 * The hot path allocates nothing: one record per class, found by a Map lookup and bumped in
 * place. Records outlive a flush with their numbers zeroed (a Map whose keys come and go churns
 * its table and drags its contents into the old generation, see slots.ts); a class that ran
 * nothing during a whole flush interval is dropped, so the Map only holds classes seen lately.
 *
 * Unlike Sidekiq, where an unknown class fails before the metrics middleware runs, every job that
 * parsed is counted here, an unknown class included (as a run and a failure): the Metrics tab then
 * shows the failures the Retries tab is filling up with.
 */
import {
  HISTOGRAM_BOUNDS_MS,
  histogramKey,
  type Keys,
  METRICS_TTL_SECONDS,
  metricsKey,
} from "../core/keys";
import type { RedisArg, RedisCommand } from "../redis/types";

/** One class's numbers since the last flush. */
export interface ClassMetrics {
  readonly className: string;
  /** Runs, successful or not (`<Class>|p`). */
  processed: number;
  /** Failed runs (`<Class>|f`). */
  failed: number;
  /** Total whole milliseconds of the successful runs (`<Class>|ms`). */
  ms: number;
  /** Successful runs per histogram bucket, one count per bound of HISTOGRAM_BOUNDS_MS. */
  readonly histogram: number[];
}

export class MetricsTracker {
  readonly #classes = new Map<string, ClassMetrics>();

  /**
   * Counts one run. `ms` is whole milliseconds, as Sidekiq's difference of two whole-ms monotonic
   * readings; a failure's time is not kept (Sidekiq: failures take unpredictable times).
   */
  record(className: string, ms: number, failed: boolean): void {
    const m = this.#get(className);
    m.processed++;
    if (failed) {
      m.failed++;
      return;
    }
    m.ms += ms;
    m.histogram[bucketIndex(ms)]!++;
  }

  /**
   * Takes the numbers since the last take (one entry per class that ran) and zeroes them; drops
   * the records of classes that ran nothing since the last take.
   */
  take(): ClassMetrics[] {
    const taken: ClassMetrics[] = [];
    for (const [name, m] of this.#classes) {
      if (m.processed === 0) {
        this.#classes.delete(name);
        continue;
      }
      taken.push({
        className: name,
        processed: m.processed,
        failed: m.failed,
        ms: m.ms,
        histogram: m.histogram.slice(),
      });
      m.processed = 0;
      m.failed = 0;
      m.ms = 0;
      m.histogram.fill(0);
    }
    return taken;
  }

  /** Puts taken numbers back after a failed flush, so the next flush sends them. */
  restore(taken: readonly ClassMetrics[]): void {
    for (const t of taken) {
      const m = this.#get(t.className);
      m.processed += t.processed;
      m.failed += t.failed;
      m.ms += t.ms;
      for (let i = 0; i < m.histogram.length; i++) m.histogram[i]! += t.histogram[i] ?? 0;
    }
  }

  #get(className: string): ClassMetrics {
    let m = this.#classes.get(className);
    if (m === undefined) {
      m = {
        className,
        processed: 0,
        failed: 0,
        ms: 0,
        histogram: new Array<number>(HISTOGRAM_BOUNDS_MS.length).fill(0),
      };
      this.#classes.set(className, m);
    }
    return m;
  }
}

/** The histogram bucket of a run: the first whose bound is above `ms` (Sidekiq's `record_time`). */
export function bucketIndex(ms: number): number {
  const last = HISTOGRAM_BOUNDS_MS.length - 1;
  for (let i = 0; i < last; i++) if (ms < HISTOGRAM_BOUNDS_MS[i]!) return i;
  return last; // the 1e20 "maybe your job is too long" bucket
}

/**
 * The flush of taken numbers into the minute of `nowMs` (Sidekiq flushes at the beat, into the
 * beat's minute). Per class: `HINCRBY j|… <Class>|p n`, `|f n` when it failed, `|ms n` when a run
 * succeeded, even at 0 ms (Sidekiq's counter then exists with 0, [LIVE] `HardJob|ms=0`); then one
 * `EXPIRE` of the hash. Per class with a successful run: `BITFIELD <Class>-DD-HH:M OVERFLOW SAT
 * INCRBY u16 #i n …` for the non-empty buckets, then `EXPIRE`. Nothing when nothing ran.
 */
export function metricsCommands(
  keys: Keys,
  taken: readonly ClassMetrics[],
  nowMs: number,
): RedisCommand[] {
  if (taken.length === 0) return [];
  const key = metricsKey(keys, nowMs);
  const out: RedisCommand[] = [];
  const grams: RedisCommand[] = [];
  for (const c of taken) {
    const name = c.className;
    if (c.processed > 0) out.push(["hincrby", key, `${name}|p`, c.processed]);
    if (c.failed > 0) out.push(["hincrby", key, `${name}|f`, c.failed]);
    if (c.processed > c.failed) {
      out.push(["hincrby", key, `${name}|ms`, c.ms]);
      const gram = histogramKey(keys, name, nowMs);
      const bitfield: [string, ...RedisArg[]] = ["bitfield", gram, "OVERFLOW", "SAT"];
      for (let i = 0; i < c.histogram.length; i++) {
        const n = c.histogram[i]!;
        if (n > 0) bitfield.push("INCRBY", "u16", `#${i}`, n);
      }
      grams.push(bitfield, ["expire", gram, METRICS_TTL_SECONDS]);
    }
  }
  out.push(["expire", key, METRICS_TTL_SECONDS], ...grams);
  return out;
}
