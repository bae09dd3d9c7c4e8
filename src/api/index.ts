/**
 * @module edgekiq/api — Sidekiq::API for TypeScript: read and act on the same Redis data as Ruby's
 * `Sidekiq::API` (queues, scheduled/retry/dead sets, processes, running jobs, stats), over any
 * `RedisClient` (TCP or REST). Never imported by the worker.
 */
export { decodeBacktrace, encodeBacktrace } from "../core/backtrace";
export type { BatchFailure, BatchStatus } from "../core/batch/status";
export {
  ArgumentError,
  EdgekiqError,
  JobPayloadError,
  RedisReplyError,
  UnsupportedError,
} from "../core/errors";
export { BatchSet } from "./batch-set";
export { type ApiContext, type ApiOptions, toContext } from "./context";
export {
  type FleetMetricsOptions,
  fleetMetricFamilies,
  fleetMetrics,
} from "./fleet-metrics";
export { type LimiterState, limiterStates, type UniqueLockInfo, UniqueLocks } from "./flow";
export { JobRecord } from "./job-record";
export { DeadSet, JobSet, RetrySet, ScheduledSet, SortedEntry } from "./job-set";
export {
  type JobHistogram,
  type JobMetrics,
  type JobMetricsDetail,
  METRICS_PERIODS,
  Metrics,
  type MetricsPeriod,
  type MetricsQueryOptions,
  type MetricsResult,
  type TopJobs,
  type TopJobsOptions,
} from "./metrics";
export { type PeriodicInfo, type PeriodicRun, PeriodicSet } from "./periodic-set";
export { Process, type ProcessInfo, ProcessSet, signalProcess } from "./process-set";
export { jobProgress } from "./progress";
export { type Page, Queue, QueueJob } from "./queue";
export { requeuedPayload } from "./requeue";
export { Stats, type StatsHistory, type StatsSnapshot } from "./stats";
export { type Work, WorkSet } from "./work-set";
