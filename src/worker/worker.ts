/**
 * The Worker (Sidekiq's launcher + manager): owns the fetch loop, the job slots, the heartbeat,
 * the scheduler, orphan checks, signals and the shutdown sequence.
 *
 * 1. start: first heartbeat (our process hash must exist before our in-progress lists do, or
 *    another worker's orphan check would take them), register the lists, recover orphans, then
 *    run the loops.
 * 2. The manager (manager.ts) keeps the job slots full: batch fetches, blocking when idle.
 * 3. quiet: stop fetching and polling, hand unstarted jobs back, keep beating ("quiet": "true").
 * 4. stop: quiet, wait up to shutdownTimeout, then abort `ctx.signal`, write the pending acks,
 *    remove the process from `processes` and put everything left in our in-progress lists back
 *    at the front of its queue ("it is worse to lose a job than to run it twice").
 */
import { randomHex } from "../core/bytes";
import type { TimestampUnit } from "../core/clock";
import type { JobDefinition, JobHandlerArgs } from "../core/define-job";
import { isJobDefinition } from "../core/define-job";
import { ConfigError, coerceError } from "../core/errors";
import { Keys } from "../core/keys";
import { fromIoredis, isIoredis } from "../redis/tcp";
import { type BlockingRedisClient, isBlockingRedisClient } from "../redis/types";
import { AckBatcher } from "./ack-batcher";
import { ShutdownError } from "./errors";
import { addTo, ReliableFetch, recoverOrphanLists } from "./fetch";
import { beat, cleanupProcesses, clearHeartbeat, flushMetrics } from "./heartbeat";
import { DEFAULT_MAX_RETRIES, type RetryConfig } from "./job-retry";
import { consoleLogger, type Logger } from "./logger";
import { Manager } from "./manager";
import { MetricsTracker } from "./metrics";
import { checkOptions, type WorkerOptions } from "./options";
import { type Platform, type SignalName, webPlatform } from "./platform";
import { Processor, type ProcessorHost } from "./processor";
import { parseQueues, type QueueConfig } from "./queues";
import { enqueueDueJobs, initialWait, randomPollInterval } from "./scheduled";
import { Slots } from "./slots";
import type {
  ErrorContext,
  ErrorHandler,
  JobHandler,
  RegisterOptions,
  Registration,
  ServerMiddleware,
} from "./types";
import { WorkerEvents } from "./worker-events";

/** Seconds between checks of our own in-progress lists for jobs a lost reply stranded. */
const STRAY_CHECK_SECONDS = 5;

export type WorkerState = "new" | "running" | "quiet" | "stopping" | "stopped";

export class Worker extends WorkerEvents {
  readonly identity: string;
  readonly keys: Keys;
  readonly concurrency: number;
  readonly queueConfig: QueueConfig;
  readonly logger: Logger;
  readonly platform: Platform;
  /** Resolves once the worker has fully stopped (after `stop()`, a signal or a remote TERM). */
  readonly stopped: Promise<void>;

  readonly #o: WorkerOptions;
  readonly #redis: BlockingRedisClient;
  readonly #ownsAdapter: boolean;
  readonly #registry = new Map<string, Registration>();
  readonly #slots: Slots;
  readonly #acks: AckBatcher;
  readonly #fetch: ReliableFetch;
  readonly #manager: Manager;
  readonly #processor: Processor;
  /** Sidekiq 7's job metrics; Sidekiq 6 has none, so 6 mode neither counts nor writes them. */
  readonly #metrics: MetricsTracker | undefined;
  readonly #shutdown = new AbortController();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #unsubscribe: (() => void)[] = [];
  #state: WorkerState = "new";
  #processed = 0;
  #failed = 0;
  #abandoned = false;
  #beating: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #quieting: Promise<void> | undefined;
  #resolveStopped!: () => void;
  #info = "";

  constructor(options: WorkerOptions) {
    super();
    checkOptions(options);
    this.#o = options;
    const input = options.redis;
    if (isBlockingRedisClient(input)) {
      this.#redis = input;
      this.#ownsAdapter = false;
    } else if (isIoredis(input)) {
      this.#redis = fromIoredis(input);
      this.#ownsAdapter = true;
    } else {
      throw new ConfigError(
        "Worker: `redis` must be an ioredis instance or a BlockingRedisClient " +
          "(a worker needs blocking commands, which REST clients cannot send)",
      );
    }
    this.keys = new Keys(options.namespace);
    this.concurrency = options.concurrency ?? 10;
    this.queueConfig = parseQueues(options.queues);
    this.logger = options.logger ?? consoleLogger();
    this.platform = options.platform ?? webPlatform;
    this.identity = `${this.platform.hostname()}:${this.platform.pid}:${randomHex(6)}`;
    this.stopped = new Promise((resolve) => {
      this.#resolveStopped = resolve;
    });
    this.#acks = new AckBatcher(this.#redis, (err) =>
      this.#handleError(err, { context: "Error acknowledging jobs; will retry" }),
    );
    this.#slots = new Slots(this.queueConfig.names, this.concurrency);
    this.#fetch = new ReliableFetch(this.#redis, this.keys, this.identity, this.queueConfig.names);
    this.#metrics = this.sidekiqVersion === 7 ? new MetricsTracker() : undefined;
    const retryConfig: RetryConfig = {
      keys: this.keys,
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
      timestamps: this.timestamps,
      sidekiqVersion: this.sidekiqVersion,
      deathHandlers: options.deathHandlers ?? [],
      onHookError: (err, context, job) => this.#handleError(err, { context, job }),
    };
    const host: ProcessorHost = {
      keys: this.keys,
      queues: this.queueConfig.names,
      fetch: this.#fetch,
      acks: this.#acks,
      registry: this.#registry,
      middleware: options.middleware ?? [],
      logger: this.logger,
      logArgs: options.logArgs ?? false,
      timeoutSeconds: options.timeoutSeconds,
      retryConfig,
      slots: this.#slots,
      shutdownSignal: this.#shutdown.signal,
      abandoned: () => this.#abandoned,
      count: (failed) => {
        this.#processed++;
        if (failed) this.#failed++;
      },
      metrics: this.#metrics,
      handleError: (err, ctx) => this.#handleError(err, ctx),
    };
    this.#processor = new Processor(host);
    this.#manager = new Manager({
      fetch: this.#fetch,
      processor: this.#processor,
      slots: this.#slots,
      acks: this.#acks,
      concurrency: this.concurrency,
      queueCount: this.queueConfig.names.length,
      order: this.queueConfig.order,
      logger: this.logger,
      handleError: (err, ctx) => this.#handleError(err, ctx),
    });
  }

  get state(): WorkerState {
    return this.#state;
  }
  get sidekiqVersion(): 6 | 7 {
    return this.#o.sidekiqVersion ?? 7;
  }
  get timestamps(): TimestampUnit {
    return this.#o.timestamps ?? "seconds";
  }
  /** Jobs running now. */
  get busy(): number {
    return this.#slots.busy;
  }
  get registeredClasses(): string[] {
    return [...this.#registry.keys()];
  }
  /** A snapshot of running jobs (tid → queue, payload string, run_at), e.g. for a TTIN dump. */
  runningJobs(): { tid: string; queue: string; payload: string; run_at: number }[] {
    const jobs: { tid: string; queue: string; payload: string; run_at: number }[] = [];
    this.#slots.each((tid, job) => jobs.push({ tid, ...job }));
    return jobs;
  }

  /** Registers the handler for a job definition (args typed and schema-checked) or a class name. */
  register<D extends JobDefinition<any, any>>(
    job: D,
    handler: JobHandler<JobHandlerArgs<D>>,
    options?: RegisterOptions,
  ): this;
  register(className: string, handler: JobHandler<unknown[]>, options?: RegisterOptions): this;
  register(
    job: string | JobDefinition<any, any>,
    handler: JobHandler<any>,
    options: RegisterOptions = {},
  ): this {
    const definition = isJobDefinition(job) ? job : undefined;
    const className = definition ? definition.name : job;
    if (typeof className !== "string" || className === "") {
      throw new ConfigError("register: pass a job definition or a non-empty class name");
    }
    if (typeof handler !== "function") {
      throw new ConfigError(`register("${className}"): the handler must be a function`);
    }
    if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) {
      throw new ConfigError(`register("${className}"): timeoutSeconds must be a positive number`);
    }
    this.#registry.set(className, { className, definition, handler, options });
    return this;
  }

  async start(): Promise<void> {
    if (this.#state !== "new") throw new ConfigError(`Worker: cannot start when ${this.#state}`);
    this.#state = "running";
    if (this.#o.handleSignals ?? true) {
      for (const name of ["TERM", "INT", "TSTP", "TTIN"] as const) {
        this.#unsubscribe.push(this.platform.onSignal(name, () => this.#onSignal(name, false)));
      }
    }
    this.#info = this.#infoJson();
    try {
      await this.#beat();
      await this.#fetch.register();
    } catch (err) {
      this.#state = "new";
      for (const u of this.#unsubscribe.splice(0)) u();
      throw err;
    }
    this.#checkOrphans();
    this.logger.info("Starting processing", {
      identity: this.identity,
      concurrency: this.concurrency,
      queues: this.queueConfig.names,
    });
    this.#manager.start();
    this.#every(this.heartbeatInterval, () => this.#beat());
    const orphanEvery = this.#o.orphanCheckInterval ?? 60;
    this.#every(orphanEvery, () => this.#checkOrphans());
    // Strays are found in two checks in a row; checking often keeps a lost reply (a Redis restart,
    // a dropped connection) from parking jobs for minutes.
    this.#every(Math.min(orphanEvery, STRAY_CHECK_SECONDS), () => this.#checkStrays());
    if (this.#o.scheduler ?? true) this.#schedulePoll(initialWait(this.#o.pollIntervalAverage));
    this.emit("started", undefined);
  }

  get heartbeatInterval(): number {
    return this.#o.heartbeatInterval ?? (this.sidekiqVersion === 6 ? 5 : 10);
  }

  /** Stops fetching new jobs; running jobs finish. The process stays visible as quiet. */
  quiet(): Promise<void> {
    if (this.#state === "new" || this.#state === "stopped") return Promise.resolve();
    // Memoised: a stop right after a TSTP must wait for the same quiet to finish.
    this.#quieting ??= this.#quiet();
    return this.#quieting;
  }

  async #quiet(): Promise<void> {
    this.#state = "quiet";
    this.logger.info("Quieting", { identity: this.identity });
    // Closing our own duplicated connections ends blocked fetches now, not in up to 2 s.
    await this.#manager.quiet(async () => {
      if (this.#ownsAdapter) await this.#redis.close();
    });
    this.emit("quiet", undefined);
    this.#beat().catch(() => undefined);
  }

  /** Quiets, waits up to shutdownTimeout for running jobs, then requeues what is unfinished. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#state === "new") {
      this.#state = "stopped";
      this.#resolveStopped();
      return;
    }
    await this.quiet();
    this.#state = "stopping";
    this.emit("stopping", undefined);
    const timeoutMs = (this.#o.shutdownTimeout ?? 25) * 1000;
    const idle = await this.#manager.waitIdle(timeoutMs);
    if (!idle) {
      this.logger.warn("Shutdown timeout reached; requeueing unfinished jobs", {
        busy: this.#manager.busy,
        jids: this.runningJobs().map((j) => jidOf(j.payload)),
      });
      this.#shutdown.abort(new ShutdownError());
    }
    // From here on a finishing job writes nothing: its job is handed back below.
    this.#abandoned = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    try {
      await this.#acks.drain();
      await this.#fetch.drainAcks();
      await this.#beating;
      await clearHeartbeat(this.#redis, this.keys, this);
      // The last jobs' metrics: a failure here is reported but must not stop the requeue below.
      await flushMetrics(this.#redis, this.keys, { metrics: this.#metrics }).catch((err) =>
        this.#handleError(err, { context: "Error writing job metrics at stop" }),
      );
      const requeued = await recoverOrphanLists(this.#redis, this.keys, this.#fetch.indexMembers);
      if (requeued > 0) this.logger.info("Requeued unfinished jobs", { count: requeued });
    } catch (err) {
      // The process hash expires in 60 s; orphan recovery elsewhere then requeues our jobs.
      this.#handleError(err, { context: "Error during shutdown; jobs will be recovered later" });
    }
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#state = "stopped";
    this.logger.info("Bye!", { identity: this.identity });
    this.emit("stopped", undefined);
    this.#resolveStopped();
  }

  // --- heartbeat, scheduler, orphans, signals ------------------------------------------------

  #beat(): Promise<void> {
    if (this.#beating) return this.#beating;
    this.#beating = (async () => {
      try {
        const result = await beat(this.#redis, this.keys, {
          identity: this.identity,
          info: this.#info,
          indexMembers: this.#fetch.indexMembers,
          sidekiqVersion: this.sidekiqVersion,
          running: this.#slots,
          quiet: () => this.#state !== "running",
          rssKb: () => this.platform.rssKb(),
          takeStats: () => this.takeStats(),
          restoreStats: (s) => {
            this.#processed += s.processed;
            this.#failed += s.failed;
          },
          metrics: this.#metrics,
        });
        if (result.signal) this.#onSignal(result.signal as SignalName, true);
      } catch (err) {
        if (this.#state === "new") throw err;
        this.#handleError(err, { context: "Heartbeat error" });
      } finally {
        this.#beating = undefined;
      }
    })();
    return this.#beating;
  }

  /** Processed/failed counts since the last flush (used by the heartbeat and clearHeartbeat). */
  takeStats(): { processed: number; failed: number } {
    const stats = { processed: this.#processed, failed: this.#failed };
    this.#processed = 0;
    this.#failed = 0;
    return stats;
  }

  #schedulePoll(seconds: number): void {
    this.#after(seconds, async () => {
      if (this.#state !== "running") return;
      try {
        await enqueueDueJobs(
          this.#redis,
          this.keys,
          this.timestamps,
          () => this.#state !== "running",
        );
      } catch (err) {
        this.#handleError(err, { context: "Error moving scheduled jobs" });
      }
      if (this.#state !== "running") return;
      let processCount = 1;
      if (this.#o.pollIntervalAverage === undefined) {
        processCount = Number(
          await this.#redis.call(["scard", this.keys.processes]).catch(() => 1),
        );
      }
      this.#schedulePoll(
        randomPollInterval(processCount, {
          pollIntervalAverage: this.#o.pollIntervalAverage,
          averageScheduledPollInterval: this.#o.averageScheduledPollInterval ?? 5,
        }),
      );
    });
  }

  #checkOrphans(): void {
    cleanupProcesses(this.#redis, this.keys).catch((err) =>
      this.#handleError(err, { context: "Error cleaning up the processes set" }),
    );
    recoverOrphanLists(this.#redis, this.keys).then(
      (n) => {
        if (n > 0) this.logger.warn("Recovered orphaned jobs of a dead process", { count: n });
      },
      (err) => this.#handleError(err, { context: "Error recovering orphaned jobs" }),
    );
  }

  /** Our own lists: jobs a lost reply left there (cheap: one LRANGE of a short list per queue). */
  #checkStrays(): void {
    if (this.#state !== "running" && this.#state !== "quiet") return;
    this.#fetch
      .requeueStrays((i) => this.#held(i))
      .then(
        (n) => {
          if (n > 0) {
            this.logger.warn("Requeued jobs stranded in our in-progress list by a lost reply", {
              count: n,
            });
          }
        },
        (err) => this.#handleError(err, { context: "Error checking our in-progress lists" }),
      );
  }

  /** Every job string this process still holds for queue i (see ReliableFetch.requeueStrays). */
  #held(queueIndex: number): Map<string, number> {
    const held = new Map<string, number>();
    this.#slots.addHeld(queueIndex, held);
    this.#manager.addBuffered(queueIndex, held);
    this.#fetch.addPendingAcks(queueIndex, held);
    const key = this.#fetch.inProgressKeys[queueIndex];
    this.#acks.forEachPendingRemoval((k, json) => {
      if (k === key) addTo(held, json);
    });
    return held;
  }

  #onSignal(name: SignalName | string, remote: boolean): void {
    this.logger.info(`Got ${name} signal`, { remote });
    this.emit("signal", { name, remote });
    const report = (err: unknown) => this.#handleError(err, { context: `Error handling ${name}` });
    if (name === "TSTP") this.quiet().catch(report);
    else if (name === "TERM" || name === "INT") this.stop().catch(report);
    else if (name === "TTIN") {
      const jobs = this.runningJobs();
      for (const j of jobs)
        this.logger.warn("Running job", {
          tid: j.tid,
          queue: j.queue,
          jid: jidOf(j.payload),
          run_at: j.run_at,
        });
      this.emit("dump", jobs);
    }
  }

  #every(seconds: number, fn: () => unknown): void {
    this.#after(seconds, async () => {
      await fn();
      if (this.#state === "running" || this.#state === "quiet") this.#every(seconds, fn);
    });
  }

  #after(seconds: number, fn: () => unknown): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      Promise.resolve(fn()).catch((err) => this.#handleError(err, { context: "Timer error" }));
    }, seconds * 1000);
    this.#timers.add(t);
  }

  #handleError(error: unknown, context: ErrorContext): void {
    const err = coerceError(error);
    const handlers: ErrorHandler[] = this.#o.errorHandlers ?? [];
    if (handlers.length === 0 && context.context !== "Job raised exception") {
      this.logger.error(context.context, { error_class: err.name, error_message: err.message });
    }
    for (const h of handlers) {
      try {
        h(err, context);
      } catch (inner) {
        this.logger.error("Error handler raised", { error_message: coerceError(inner).message });
      }
    }
    this.emit("error", { error: err, context });
  }

  #infoJson(): string {
    const o = this.#o;
    const info: Record<string, unknown> = {
      hostname: this.platform.hostname(),
      started_at: Date.now() / 1000,
      pid: this.platform.pid,
      tag: o.tag ?? "",
      concurrency: this.concurrency,
      queues: this.queueConfig.names,
    };
    if (this.sidekiqVersion === 7) info.weights = [{ ...this.queueConfig.weights }];
    info.labels = o.labels ?? [];
    info.identity = this.identity;
    if (this.sidekiqVersion === 7) {
      info.version = "edgekiq";
      info.embedded = false;
    }
    return JSON.stringify(info);
  }
}

export type { ServerMiddleware };

function jidOf(payload: string): string | undefined {
  return /"jid":"([^"]*)"/.exec(payload)?.[1];
}
