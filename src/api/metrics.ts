/**
 * Job metrics as Sidekiq 7 records them (`Sidekiq::Metrics::Query`; wire spec §1.5), read only:
 * the worker writes them, this file sums them for the dashboard and for scripts.
 *
 * 1. `topJobs()`: one pipeline of `HGETALL j|YYYYMMDD|H:M` per minute of the period; per class the
 *    totals of `p`, `f` and `ms`, the average run time and a per-minute series, slowest first.
 * 2. `forJob(className)`: one pipeline of `HMGET <minute> C|ms C|p C|f` plus
 *    `BITFIELD_RO <C-DD-HH:M> GET u16 #0 … #25` per minute: the class's series and its
 *    execution-time histogram summed over the period.
 *
 * Only `pipeline` is used, so both read the same over TCP and over REST. Minutes are UTC, newest
 * the one `now` falls in (partly written while it lasts, as in Sidekiq).
 */
import { ArgumentError } from "../core/errors";
import { HISTOGRAM_BOUNDS_MS, histogramKey, metricsKey } from "../core/keys";
import type { RedisCommand } from "../redis/types";
import {
  type ApiContext,
  type ApiOptions,
  replyArray,
  replyHash,
  replyNumber,
  toContext,
} from "./context";

/** Sidekiq's periods: how many minutes each reads. */
export const METRICS_PERIODS = { "1h": 60, "2h": 120, "4h": 240, "8h": 480 } as const;
export type MetricsPeriod = keyof typeof METRICS_PERIODS;

/** The keys live 8 hours, so there is nothing to read further back. */
const MAX_MINUTES = METRICS_PERIODS["8h"];
const MINUTE_MS = 60_000;

export interface JobMetrics {
  /** `wrapped || class`, as the worker recorded it. */
  className: string;
  processed: number;
  failed: number;
  /** Milliseconds spent in runs that succeeded (failures add none). */
  totalMs: number;
  /** `totalMs / (processed - failed)`, 0 when nothing succeeded (Sidekiq's `total_avg`). */
  avgMs: number;
  /** Per minute, aligned with `MetricsResult.minutes` (oldest first). */
  series: { processed: number[]; failed: number[]; totalMs: number[] };
}

export interface MetricsResult {
  /** Start of each minute read, epoch ms, oldest first. */
  minutes: number[];
  startsAt: number;
  /** End of the newest minute (exclusive), epoch ms. */
  endsAt: number;
}

export interface TopJobs extends MetricsResult {
  /** Slowest first (by total time), then by name. */
  jobs: JobMetrics[];
}

export interface JobHistogram {
  /** Upper bound (exclusive, ms) of each bucket: `HISTOGRAM_BOUNDS_MS`, the last one open. */
  bounds: readonly number[];
  /** Runs per bucket, summed over the period. */
  counts: number[];
}

export interface JobMetricsDetail extends MetricsResult {
  job: JobMetrics;
  histogram: JobHistogram;
}

export interface MetricsQueryOptions {
  /** How far back (default 60). One of `METRICS_PERIODS` in the dashboard; 1 to 480 here. */
  minutes?: number;
  /** The moment to read back from, epoch ms (default now). */
  now?: number;
}

export interface TopJobsOptions extends MetricsQueryOptions {
  /**
   * Keep only matching classes: a string matches as a case-insensitive substring (what the
   * dashboard's filter box does), a RegExp as given.
   */
  classFilter?: string | RegExp;
}

/** A histogram GET of every bucket, built once: `GET u16 #0 GET u16 #1 …`. */
const HISTOGRAM_GETS: readonly string[] = HISTOGRAM_BOUNDS_MS.flatMap((_, i) => [
  "GET",
  "u16",
  `#${i}`,
]);

export class Metrics {
  readonly ctx: ApiContext;

  constructor(options: ApiOptions | ApiContext) {
    this.ctx = toContext(options);
  }

  async topJobs(options: TopJobsOptions = {}): Promise<TopJobs> {
    const window = minuteWindow(options);
    const { keys } = this.ctx;
    const replies = await this.ctx.redis.pipeline(
      window.minutes.map((m) => ["hgetall", metricsKey(keys, m)] as const),
    );
    const match = classMatcher(options.classFilter);
    const byClass = new Map<string, JobMetrics>();
    const n = window.minutes.length;
    for (const [i, reply] of replies.entries()) {
      for (const [field, value] of replyHash(reply)) {
        // Split on the last "|": the metric is the suffix, whatever precedes it the class. Other
        // suffixes (counters a later Sidekiq might add) are not ours to sum.
        const bar = field.lastIndexOf("|");
        const metric = field.slice(bar + 1);
        if (bar <= 0 || (metric !== "p" && metric !== "f" && metric !== "ms")) continue;
        const className = field.slice(0, bar);
        if (match && !match(className)) continue;
        let job = byClass.get(className);
        if (!job) {
          job = emptyJob(className, n);
          byClass.set(className, job);
        }
        addMetric(job, metric, i, replyNumber(value));
      }
    }
    const jobs = [...byClass.values()];
    for (const job of jobs) job.avgMs = average(job);
    jobs.sort((a, b) =>
      b.totalMs !== a.totalMs ? b.totalMs - a.totalMs : a.className < b.className ? -1 : 1,
    );
    return { ...window, jobs };
  }

  async forJob(className: string, options: MetricsQueryOptions = {}): Promise<JobMetricsDetail> {
    const window = minuteWindow(options);
    const { keys } = this.ctx;
    const commands: RedisCommand[] = [];
    for (const m of window.minutes) {
      commands.push(
        ["hmget", metricsKey(keys, m), `${className}|ms`, `${className}|p`, `${className}|f`],
        ["bitfield_ro", histogramKey(keys, className, m), ...HISTOGRAM_GETS],
      );
    }
    const replies = await this.ctx.redis.pipeline(commands);
    const job = emptyJob(className, window.minutes.length);
    const counts = HISTOGRAM_BOUNDS_MS.map(() => 0);
    for (let i = 0; i < window.minutes.length; i++) {
      const [ms, p, f] = replyArray(replies[2 * i]);
      addMetric(job, "ms", i, replyNumber(ms));
      addMetric(job, "p", i, replyNumber(p));
      addMetric(job, "f", i, replyNumber(f));
      const buckets = replyArray(replies[2 * i + 1]);
      for (let b = 0; b < counts.length; b++) counts[b]! += replyNumber(buckets[b]);
    }
    job.avgMs = average(job);
    return { ...window, job, histogram: { bounds: HISTOGRAM_BOUNDS_MS, counts } };
  }
}

function minuteWindow(options: MetricsQueryOptions): MetricsResult {
  const count = options.minutes ?? METRICS_PERIODS["1h"];
  if (!Number.isInteger(count) || count < 1 || count > MAX_MINUTES) {
    throw new ArgumentError(`minutes must be an integer from 1 to ${MAX_MINUTES}, got ${count}`);
  }
  const now = options.now ?? Date.now();
  const newest = now - (((now % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
  const minutes: number[] = [];
  for (let i = count - 1; i >= 0; i--) minutes.push(newest - i * MINUTE_MS);
  return { minutes, startsAt: minutes[0]!, endsAt: newest + MINUTE_MS };
}

function classMatcher(filter: string | RegExp | undefined): ((name: string) => boolean) | null {
  if (filter === undefined || filter === "") return null;
  if (typeof filter === "string") {
    const needle = filter.toLowerCase();
    return (name) => name.toLowerCase().includes(needle);
  }
  // A global or sticky RegExp keeps state between `test` calls; match with a fresh copy.
  const re = new RegExp(filter.source, filter.flags.replace(/[gy]/g, ""));
  return (name) => re.test(name);
}

function emptyJob(className: string, minutes: number): JobMetrics {
  return {
    className,
    processed: 0,
    failed: 0,
    totalMs: 0,
    avgMs: 0,
    series: {
      processed: new Array<number>(minutes).fill(0),
      failed: new Array<number>(minutes).fill(0),
      totalMs: new Array<number>(minutes).fill(0),
    },
  };
}

function addMetric(job: JobMetrics, metric: "p" | "f" | "ms", minute: number, n: number): void {
  if (metric === "p") {
    job.processed += n;
    job.series.processed[minute]! += n;
  } else if (metric === "f") {
    job.failed += n;
    job.series.failed[minute]! += n;
  } else {
    job.totalMs += n;
    job.series.totalMs[minute]! += n;
  }
}

function average(job: JobMetrics): number {
  const completed = job.processed - job.failed;
  return completed > 0 ? job.totalMs / completed : 0;
}
