/**
 * Worker options, their defaults and their checks. Every interval is configurable so tests need
 * not wait for Sidekiq's real timings (heartbeat 5/10 s, orphan check 60 s, poll ~5 s).
 */
import * as v from "valibot";
import type { TimestampUnit } from "../core/clock";
import {
  checkConfig,
  nonNegativeInteger,
  nonNegativeNumber,
  oneOf,
  positiveInteger,
  positiveNumber,
} from "../core/config-check";
import { type KeyRing, type KeyRingConfig, keyRing } from "../core/encryption";
import { ConfigError } from "../core/errors";
import type { PeriodicEntry } from "../core/periodic/entry";
import { fromIoredis, type IoredisLike, isIoredis } from "../redis/tcp";
import { type BlockingRedisClient, isBlockingRedisClient } from "../redis/types";
import type { DeathHandler } from "./job-retry";
import type { Logger } from "./logger";
import type { Platform } from "./platform";
import type { QueueSpec } from "./queues";
import type { ErrorHandler, ServerMiddleware } from "./types";

export interface WorkerOptions {
  /**
   * An ioredis instance (the worker adds one duplicated connection per queue for blocking
   * fetches) or a `BlockingRedisClient`. REST clients cannot block, so they cannot run a worker.
   */
  redis: IoredisLike | BlockingRedisClient;
  /** `["critical", "default"]` (strict order) or `[["critical", 3], ["default", 1]]` (weighted). */
  queues?: readonly QueueSpec[];
  /** Jobs run at once. Default 10. */
  concurrency?: number;
  /** Seconds a stop waits for running jobs before aborting and requeueing them. Default 25. */
  shutdownTimeout?: number;
  /** Hostname, pid, RSS and OS signals. Default: detected (Node, Bun, Deno; else Web-only). */
  platform?: Platform;
  logger?: Logger;
  middleware?: ServerMiddleware[];
  /** Default per-job timeout in seconds (none by default). */
  timeoutSeconds?: number;
  /** Shown in the Web UI next to the process (Sidekiq's `-g`). */
  tag?: string;
  labels?: string[];
  /** Which Sidekiq generation reads our heartbeat: 6 => `<id>:workers`, 5 s beat; 7 => `<id>:work`, 10 s. */
  sidekiqVersion?: 6 | 7;
  /** Sidekiq 6 redis-namespace prefix. */
  namespace?: string;
  /** How `failed_at`/`retried_at`/`enqueued_at` are written. Default "seconds". */
  timestamps?: TimestampUnit;
  /** Fixed average seconds between this process's scheduler polls. */
  pollIntervalAverage?: number;
  /** Cluster-wide target seconds between polls (Sidekiq's default 5). */
  averageScheduledPollInterval?: number;
  /** Retries for `retry: true` jobs. Default 25. */
  maxRetries?: number;
  deathHandlers?: DeathHandler[];
  errorHandlers?: ErrorHandler[];
  /**
   * Keys to open jobs defined with `encrypt`: `{ current, keys }` or `keyRing(...)`. Keep every
   * id still found in Redis (retries, scheduled jobs, the dead set) until those jobs are gone.
   */
  encryption?: KeyRing | KeyRingConfig;
  /** Put job arguments in log lines (off by default: arguments may hold secrets). */
  logArgs?: boolean;
  /** Seconds between heartbeats; default 5 (sidekiqVersion 6) or 10 (7). */
  heartbeatInterval?: number;
  /** Seconds between orphan checks (in-progress lists of dead processes). Default 60. */
  orphanCheckInterval?: number;
  /** Stop on TERM/INT, quiet on TSTP, dump on TTIN through the platform. Default true. */
  handleSignals?: boolean;
  /** Run the scheduled/retry poller in this process. Default true. */
  scheduler?: boolean;
  /**
   * Append job events (completed, failed, retried, died, progress) to the capped stream
   * `edgekiq:events` for `subscribeEvents`. Off by default; `true` keeps 10,000 entries.
   */
  events?: boolean | { maxLen?: number };
  /**
   * Serve Prometheus metrics of this process at `http://metricsHost:metricsPort/metrics` (0: any
   * free port, see `worker.metricsUrl`). Off by default: nothing is collected unless this or
   * `metrics` is set. Needs a platform with `serve` (edgekiq/node, bun, deno).
   */
  metricsPort?: number;
  /** Address the metrics endpoint binds to. Default 127.0.0.1. */
  metricsHost?: string;
  /** Collect metrics without serving them (read `worker.metricsText()`). Default false. */
  metrics?: boolean;
  /**
   * Periodic entries (`periodic(...)` from "edgekiq") this process ticks. Every process that
   * declares an entry ticks it; each tick is enqueued once (docs/periodic.md).
   */
  periodic?: readonly PeriodicEntry[];
}

const OPTION_RULES = v.looseObject({
  concurrency: v.optional(positiveInteger),
  timeoutSeconds: v.optional(positiveNumber),
  pollIntervalAverage: v.optional(positiveNumber),
  averageScheduledPollInterval: v.optional(positiveNumber),
  heartbeatInterval: v.optional(positiveNumber),
  orphanCheckInterval: v.optional(positiveNumber),
  shutdownTimeout: v.optional(nonNegativeNumber),
  maxRetries: v.optional(nonNegativeInteger),
  sidekiqVersion: v.optional(oneOf([6, 7])),
  timestamps: v.optional(oneOf(["seconds", "milliseconds"])),
  metricsPort: v.optional(v.pipe(nonNegativeInteger, v.maxValue(65535, "expected a port number"))),
});

/** Throws a ConfigError naming the option: `Worker: concurrency: expected a positive integer, got -3`. */
export function checkOptions(o: WorkerOptions): void {
  checkConfig(OPTION_RULES, o, "Worker");
}

/**
 * The worker's Redis door from the `redis` option; `owned` when the worker made the adapter (it
 * then closes it at quiet, which ends blocked fetches at once).
 */
export function connect(input: WorkerOptions["redis"]): {
  redis: BlockingRedisClient;
  owned: boolean;
} {
  if (isBlockingRedisClient(input)) return { redis: input, owned: false };
  if (isIoredis(input)) return { redis: fromIoredis(input), owned: true };
  throw new ConfigError(
    "Worker: `redis` must be an ioredis instance or a BlockingRedisClient " +
      "(a worker needs blocking commands, which REST clients cannot send)",
  );
}

/** The worker's key ring from its `encryption` option (a ring, or `{ current, keys }`). */
export function toKeyRing(input: KeyRing | KeyRingConfig | undefined): KeyRing | undefined {
  if (input === undefined) return undefined;
  return typeof (input as KeyRing).open === "function"
    ? (input as KeyRing)
    : keyRing(input as KeyRingConfig);
}
