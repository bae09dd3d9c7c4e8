/**
 * How the harness and its child processes talk: a few Redis keys of the harness's own (outside
 * every system's key space) and the environment variables a child reads. Ruby reads the same
 * names (bench/systems/sidekiq/*.rb), so change both together.
 *
 * A worker LPUSHes `READY_KEY` once it is running and `DONE_KEY` (one JSON `WorkerReport`) once it
 * has finished the expected number of jobs; the harness BLPOPs them. That is two writes per run,
 * never one per job, so the measurement does not add Redis work to the system under test.
 */

export const READY_KEY = "bench:ready";
export const DONE_KEY = "bench:done";

/** Environment of a worker child. */
export interface WorkerEnv {
  REDIS_URL: string;
  BENCH_CONCURRENCY: string;
  /** Jobs to count before reporting. */
  BENCH_EXPECTED: string;
  /** "drain": rate only; "latency": also start minus enqueue time from the job's argument. */
  BENCH_MODE: "drain" | "latency";
}

/** What a worker reports once it has run `BENCH_EXPECTED` jobs. */
export interface WorkerReport {
  count: number;
  /** Monotonic ms of the first job's start and the last job's end. */
  firstStartMs: number;
  lastEndMs: number;
  /** count / (lastEnd - firstStart) seconds. */
  rate: number;
  /** CPU time (user + system) the worker process used from the first start to the last end. */
  cpuMs?: number;
  latency?: { p50: number; p99: number; mean: number; max: number };
}

/** What a producer child prints as its last stdout line (JSON). */
export interface ProducerReport {
  jobs: number;
  seconds: number;
  rate: number;
}

export type ProducerMode = "bulk" | "one" | "latency";
