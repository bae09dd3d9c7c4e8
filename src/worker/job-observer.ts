/**
 * Per-process Prometheus metrics of one worker (`metricsPort`, `edgekiq worker --metrics-port`).
 *
 * 1. Exists only when metrics are on: the processor, fetch and error hub call it through an
 *    optional reference, so a worker without metrics collects nothing and pays one `undefined`
 *    check per job.
 * 2. Counts by class and queue (started, succeeded, failed, retried, dead, discarded), job
 *    durations by class, fetch round trips and reported internal errors by where they happened;
 *    busy, concurrency and process facts are read when scraped.
 * 3. Labels never carry job arguments or error messages: only the class (`_unknown` for a class
 *    with no handler, so a flood of made-up names cannot grow the series without bound), the
 *    queue the worker was configured with, and the fixed names of the places that report errors.
 */
import {
  bucketIndex,
  encodeMetrics,
  type HistogramSample,
  type MetricFamily,
  type Sample,
} from "../core/prometheus-text";
import type { Platform } from "./platform";

/** Job duration buckets in seconds: from a cache write to a five-minute export. */
export const JOB_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
] as const;
/** Fetch round-trip buckets in seconds (one fetch script call, acks included). */
export const FETCH_RTT_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
] as const;

/** How a failed job left: Sidekiq's retry set, the dead set, or neither (discarded/dropped). */
export type FailureKind = "retried" | "dead" | "discarded" | "dropped";

/** The class label of a job whose class has no handler here. */
export const UNKNOWN_CLASS = "_unknown";

interface Counts {
  started: number;
  succeeded: number;
  failed: number;
  retried: number;
  dead: number;
  discarded: number;
}

class Histogram {
  readonly counts: number[];
  sum = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }
  observe(v: number): void {
    this.counts[bucketIndex(this.bounds, v)]!++;
    this.sum += v;
  }
}

export interface JobObserverSources {
  busy(): number;
  concurrency: number;
  identity: string;
  platform: Platform;
}

export class JobObserver {
  /** `class\u0000queue` -> counts. */
  readonly #counts = new Map<string, Counts>();
  readonly #durations = new Map<string, Histogram>();
  readonly #fetchRtt = new Histogram(FETCH_RTT_BUCKETS);
  readonly #errors = new Map<string, number>();
  readonly #invalid = new Map<string, number>();
  readonly #startedAt = Date.now() / 1000;

  constructor(private readonly s: JobObserverSources) {}

  #of(klass: string, queue: string): Counts {
    const key = `${klass}\u0000${queue}`;
    let c = this.#counts.get(key);
    if (!c) {
      c = { started: 0, succeeded: 0, failed: 0, retried: 0, dead: 0, discarded: 0 };
      this.#counts.set(key, c);
    }
    return c;
  }

  /** Zero series for every registered class on every queue, so rates start from 0, not absent. */
  seed(classes: readonly string[], queues: readonly string[]): void {
    for (const klass of classes) for (const queue of queues) this.#of(klass, queue);
  }

  started(klass: string, queue: string): void {
    this.#of(klass, queue).started++;
  }

  /** A job ended after `seconds`; `failure` says how a failed one left (undefined: success). */
  finished(klass: string, queue: string, seconds: number, failed: boolean): void {
    const c = this.#of(klass, queue);
    if (failed) c.failed++;
    else c.succeeded++;
    let h = this.#durations.get(klass);
    if (!h) {
      h = new Histogram(JOB_DURATION_BUCKETS);
      this.#durations.set(klass, h);
    }
    h.observe(seconds);
  }

  /** Where a failed job went, once the retry logic decided. */
  failureOutcome(klass: string, queue: string, kind: FailureKind): void {
    const c = this.#of(klass, queue);
    if (kind === "retried") c.retried++;
    else if (kind === "dead") c.dead++;
    else c.discarded++;
  }

  /** A payload that is not a job (not JSON, not UTF-8, no class) went to the dead set. */
  invalid(queue: string): void {
    this.#invalid.set(queue, (this.#invalid.get(queue) ?? 0) + 1);
  }

  fetchRoundTrip(seconds: number): void {
    this.#fetchRtt.observe(seconds);
  }

  /** An internal error reported at `context` (a fixed string such as "Error fetching job"). */
  error(context: string): void {
    this.#errors.set(context, (this.#errors.get(context) ?? 0) + 1);
  }

  /** The families, in a stable order. */
  families(): MetricFamily[] {
    const byKind = (k: keyof Counts): Sample[] => {
      const out: Sample[] = [];
      for (const [key, c] of this.#counts) {
        const [klass, queue] = key.split("\u0000") as [string, string];
        out.push({ labels: { class: klass, queue }, value: c[k] });
      }
      return out;
    };
    const counter = (name: string, help: string, k: keyof Counts): MetricFamily => ({
      name,
      help,
      type: "counter",
      samples: byKind(k),
    });
    const durations: HistogramSample[] = [];
    for (const [klass, h] of this.#durations) {
      durations.push({ labels: { class: klass }, bounds: h.bounds, counts: h.counts, sum: h.sum });
    }
    const p = this.s.platform;
    const families: MetricFamily[] = [
      counter("edgekiq_jobs_started_total", "Jobs this process started.", "started"),
      counter("edgekiq_jobs_succeeded_total", "Jobs that finished without an error.", "succeeded"),
      counter("edgekiq_jobs_failed_total", "Jobs whose handler failed.", "failed"),
      counter("edgekiq_jobs_retried_total", "Failed jobs put in the retry set.", "retried"),
      counter("edgekiq_jobs_dead_total", "Failed jobs moved to the dead set.", "dead"),
      counter(
        "edgekiq_jobs_discarded_total",
        "Failed jobs neither retried nor kept (retry: false, or discarded by a hook).",
        "discarded",
      ),
      {
        name: "edgekiq_jobs_invalid_total",
        help: "Payloads that were not jobs (not JSON, not UTF-8, no class), moved to the dead set.",
        type: "counter",
        samples: [...this.#invalid].map(([queue, value]) => ({ labels: { queue }, value })),
      },
      {
        name: "edgekiq_job_duration_seconds",
        help: "Time from handler start to end, by class.",
        type: "histogram",
        samples: durations,
      },
      {
        name: "edgekiq_worker_busy",
        help: "Jobs running now.",
        type: "gauge",
        samples: [{ value: this.s.busy() }],
      },
      {
        name: "edgekiq_worker_concurrency",
        help: "Jobs this process runs at once at most.",
        type: "gauge",
        samples: [{ value: this.s.concurrency }],
      },
      {
        name: "edgekiq_fetch_duration_seconds",
        help: "Round trip of one fetch call to Redis (acknowledgements included).",
        type: "histogram",
        samples: [
          {
            bounds: this.#fetchRtt.bounds,
            counts: this.#fetchRtt.counts,
            sum: this.#fetchRtt.sum,
          },
        ],
      },
      {
        name: "edgekiq_worker_errors_total",
        help: "Internal errors the worker reported (mostly Redis: fetch, acks, heartbeat), by where.",
        type: "counter",
        samples: [...this.#errors].map(([context, value]) => ({ labels: { context }, value })),
      },
      {
        name: "edgekiq_worker_info",
        help: "This process: its identity in Redis (as in the Web UI's process list).",
        type: "gauge",
        samples: [{ labels: { identity: this.s.identity }, value: 1 }],
      },
      {
        name: "process_resident_memory_bytes",
        help: "Resident memory size in bytes.",
        type: "gauge",
        samples: [{ value: p.rssKb() * 1024 }],
      },
      {
        name: "process_start_time_seconds",
        help: "Start time of the worker since unix epoch in seconds.",
        type: "gauge",
        samples: [{ value: this.#startedAt }],
      },
    ];
    const cpu = p.cpuSeconds?.();
    if (cpu !== undefined) {
      families.push({
        name: "process_cpu_seconds_total",
        help: "Total user and system CPU time spent in seconds.",
        type: "counter",
        samples: [{ value: cpu }],
      });
    }
    return families;
  }

  /** The text Prometheus scrapes. */
  render(): string {
    return encodeMetrics(this.families());
  }
}
