/**
 * @module edgekiq — the edge-safe surface: the client, job definitions, the job model, errors and
 * the Redis door's types. Imports nothing Node-only or TCP-only (`fromIoredis` is in
 * `edgekiq/worker`); biome's import rules and `test/edge/bundle.test.ts` enforce it.
 */

export {
  BATCH_ADD_MAX,
  Batch,
  type BatchCallback,
  type BatchEvent,
  BatchJobs,
  type BatchOptions,
} from "./core/batch/batch";
export {
  FLOW_RESULT_TTL_SECONDS,
  type FlowHandle,
  type FlowOptions,
  flow,
} from "./core/batch/flow";
export type { BatchFailure, BatchStatus } from "./core/batch/status";
export {
  BULK_BATCH_SIZE,
  type BulkItem,
  Client,
  type ClientMiddleware,
  type ClientMiddlewareContext,
  type ClientOptions,
  IDEMPOTENT_TTL_SECONDS,
  type PreparedJob,
  type PushItem,
  type UniqueWriter,
} from "./core/client";
export { formatFloat, realMs, type TimestampUnit, timestampToMs, toTimestamp } from "./core/clock";
export {
  type DefineJobOptions,
  defineJob,
  isJobDefinition,
  type JobArgs,
  type JobDefinition,
  type JobHandlerArgs,
  type JobOptions,
} from "./core/define-job";
export {
  ENVELOPE_PREFIX,
  type EncryptMode,
  encryptMode,
  isSealed,
  type KeyMaterial,
  type KeyRing,
  type KeyRingConfig,
  keyRing,
  parseKeyRing,
} from "./core/encryption";
export {
  ArgumentError,
  ConfigError,
  coerceError,
  EdgekiqError,
  EncryptionError,
  type ErrorCode,
  JobArgumentError,
  JobPayloadError,
  JobValidationError,
  MiddlewareError,
  RedisReplyError,
  UnsupportedError,
  type ValidationIssue,
} from "./core/errors";
export {
  assertJsonArgs,
  displayClass,
  type JobPayload,
  type JsonValue,
  newJid,
  parseJob,
  type RetryOption,
} from "./core/job";
export { dumpJob } from "./core/json";
export { Keys } from "./core/keys";
export type { Middleware } from "./core/middleware";
export {
  type CronTickEntryResult,
  type CronTickOptions,
  type CronTickResult,
  cronTick,
} from "./core/periodic/cron-tick";
export {
  type MissedPolicy,
  type PeriodicEntry,
  type PeriodicOptions,
  periodic,
} from "./core/periodic/entry";
export { RawJsonObject } from "./core/raw-json";
export type { RedisInput } from "./core/redis-input";
export {
  getResult,
  JobFailedError,
  type JobResult,
  type ResultSource,
  type WaitForOptions,
  WaitTimeoutError,
  waitFor,
} from "./core/results";
export type { StandardSchemaV1 } from "./core/standard-schema";
export {
  canonicalJson,
  type UniqueMark,
  type UniqueOptions,
  uniqueDigest,
  uniqueJobs,
  uniqueKey,
} from "./core/unique";
export { fromUpstash, isUpstash, type UpstashConfig, type UpstashLike } from "./redis/rest";
export type {
  BlockingRedisClient,
  LuaScript,
  RedisArg,
  RedisClient,
  RedisCommand,
  RedisReply,
} from "./redis/types";
