/**
 * @module edgekiq — the edge-safe surface: the client, job definitions, the job model, errors and
 * the Redis door's types. Imports nothing Node-only or TCP-only (`fromIoredis` is in
 * `edgekiq/worker`); biome's import rules and `test/edge/bundle.test.ts` enforce it.
 */
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
  ArgumentError,
  ConfigError,
  coerceError,
  EdgekiqError,
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
export { RawJsonObject } from "./core/raw-json";
export type { RedisInput } from "./core/redis-input";
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
