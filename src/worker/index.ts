/**
 * @module edgekiq/worker — the runtime-agnostic worker engine: Sidekiq-compatible processing
 * with reliable fetch. Imports nothing Node-only; runtime facts come in through `Platform`.
 *
 * What a user needs to build, configure and observe a worker; the engine's parts (fetch, ledger,
 * scheduler, recovery) stay internal, so they can change without breaking anyone.
 */

export { type KeyRing, type KeyRingConfig, keyRing, parseKeyRing } from "../core/encryption";
export { ConfigError, EdgekiqError, EncryptionError } from "../core/errors";
export {
  type MissedPolicy,
  type PeriodicEntry,
  type PeriodicOptions,
  periodic,
} from "../core/periodic/entry";
export { fromIoredis, type IoredisLike } from "../redis/tcp";
export { JobResultError, JobTimeoutError, ShutdownError, UnknownJobError } from "./errors";
export {
  EVENTS_MAX_LEN,
  eventsKey,
  type JobEvent,
  type JobEventName,
  type SubscribeOptions,
  subscribeEvents,
} from "./job-events";
export {
  DEFAULT_MAX_RETRIES,
  type DeathHandler,
  type RetriesExhaustedHook,
  type RetryInHook,
  type RetryInResult,
} from "./job-retry";
export { PROGRESS_TTL_SECONDS } from "./job-steps";
export type { RunningJob } from "./ledger";
export {
  bindLimiters,
  type ConcurrentOptions,
  Limiter,
  type LimiterOptions,
  OverLimitError,
} from "./limiter";
export { DEFAULT_MAX_RESCHEDULES, defaultOverLimitBackoff } from "./limits";
export {
  consoleLogger,
  createLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  silentLogger,
} from "./logger";
export type { WorkerOptions } from "./options";
export { type Platform, type SignalName, webPlatform } from "./platform";
export type { QueueConfig, QueueSpec } from "./queues";
export { detectPlatform } from "./runtime-platform";
export type {
  ErrorContext,
  ErrorHandler,
  JobContext,
  JobHandler,
  RegisterOptions,
  ServerMiddleware,
} from "./types";
export { Worker, type WorkerState } from "./worker";
export type { WorkerEventMap } from "./worker-events";
