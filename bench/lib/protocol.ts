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
/**
 * The latency warm-up (BENCH_WARMUP jobs before the measured ones): the producer prints
 * `WARMED_LINE` once it has pushed them and waits for `GO_SIGNAL`, which the harness sends once
 * the worker has run them all and idled. Not through Redis on purpose: a second Redis connection
 * and new commands in the producer would change the type feedback of the client code the JIT has
 * just optimised, and the measured pushes would meet deoptimised code (measured: p99 0.6 -> 1.3 ms).
 * Workers count nothing for a job whose first argument (BullMQ: data field `warmup`) is
 * `WARMUP_ARG`.
 */
export const WARMED_LINE = "BENCH_WARMED";
export const GO_SIGNAL = "SIGUSR2";
export const WARMUP_ARG = "warmup";

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
