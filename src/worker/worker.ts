/**
 * The Worker (Sidekiq's `launcher.rb`): wires the actors and runs the lifecycle.
 *
 * 1. The actors: the capsule that processes the queues (capsule.ts: fetch, manager, processor
 *    and the stray check around one ledger of in-flight jobs), the heartbeat (heartbeat.ts), the
 *    scheduled-set poller (poller.ts), the orphan check (orphans.ts), signals (signals.ts) and
 *    the handler registry (registry.ts), all reporting to one error hub (exception-handler.ts).
 * 2. start: first heartbeat (our process hash must exist before our in-progress lists do, or
 *    another worker's orphan check would take them; if it fails, start rejects having registered
 *    nothing), register the lists, recover orphans, then run the loops.
 * 3. quiet: stop fetching and polling, hand unstarted jobs back, keep beating ("quiet": "true").
 * 4. stop: quiet, wait up to shutdownTimeout, then abort `ctx.signal`, write the pending acks,
 *    remove the process from `processes` and put everything left in our in-progress lists back
 *    at the front of its queue ("it is worse to lose a job than to run it twice").
 */
import type { TimestampUnit } from "../core/clock";
import type { JobDefinition, JobHandlerArgs } from "../core/define-job";
import { ConfigError } from "../core/errors";
import { Keys } from "../core/keys";
import {
  isPeriodicEntry,
  type PeriodicEntry,
  type PeriodicOptions,
  periodic,
} from "../core/periodic/entry";
import { checkTable } from "../core/periodic/tick";
import type { BlockingRedisClient } from "../redis/types";
import { Capsule } from "./capsule";
import { exceptionHandler, type Report } from "./exception-handler";
import { Heartbeat, processIdentity } from "./heartbeat";
import { eventsMaxLen } from "./job-events";
import { JobFlow } from "./job-flow";
import { JobObserver } from "./job-observer";
import { DEFAULT_MAX_RETRIES } from "./job-retry";
import { bindLimiters } from "./limiter";
import { consoleLogger, type Logger } from "./logger";
import { serveMetrics } from "./metrics-endpoint";
import { checkOptions, connect, toKeyRing, type WorkerOptions } from "./options";
import { checkOrphans, recoverOrphanLists } from "./orphans";
import type { Platform } from "./platform";
import { Poller } from "./poller";
import { QUEUE_STATE_REFRESH_SECONDS } from "./queue-states";
import { parseQueues, type QueueConfig } from "./queues";
import { Registry } from "./registry";
import { detectPlatform } from "./runtime-platform";
import { handleSignal, listenForSignals } from "./signals";
import { STRAY_CHECK_SECONDS } from "./strays";
import { Timers } from "./timers";
import type { JobHandler, RegisterOptions, ServerMiddleware } from "./types";
import { type WorkerEventMap, WorkerEvents } from "./worker-events";

/** Report contexts of job failures and bad payloads: counted as jobs, not internal errors. */
const JOB_FAILED = "Job raised exception";
const INVALID_JOB = "Invalid JSON for job";

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
  readonly #registry = new Registry();
  readonly #capsule: Capsule;
  readonly #heartbeat: Heartbeat;
  readonly #poller: Poller;
  readonly #timers: Timers;
  readonly #report: Report;
  /** Prometheus metrics of this process; undefined (nothing collected) unless asked for. */
  readonly #observer: JobObserver | undefined;
  #metricsServer: { url: string; close(): Promise<void> } | undefined;
  #unsubscribe: (() => void) | undefined;
  #state: WorkerState = "new";
  #stopping: Promise<void> | undefined;
  #quieting: Promise<void> | undefined;
  #resolveStopped!: () => void;
  readonly #periodic: PeriodicEntry[] = [];

  constructor(options: WorkerOptions) {
    super();
    checkOptions(options);
    this.#o = options;
    if (options.periodic !== undefined) this.periodic(options.periodic);
    const { redis, owned } = connect(options.redis);
    this.#redis = redis;
    this.#ownsAdapter = owned;
    const keys = new Keys(options.namespace);
    this.keys = keys;
    // Limiters that name no Redis use the first worker's (limiter.ts).
    bindLimiters(redis, keys);
    this.concurrency = options.concurrency ?? 10;
    this.queueConfig = parseQueues(options.queues);
    this.logger = options.logger ?? consoleLogger();
    // Embedded without a platform, it behaves as the CLI's worker: real identity, OS signals.
    this.platform = options.platform ?? detectPlatform();
    this.identity = processIdentity(this.platform);
    this.stopped = new Promise((resolve) => {
      this.#resolveStopped = resolve;
    });
    const observer =
      options.metrics || options.metricsPort !== undefined
        ? new JobObserver({
            busy: () => this.busy,
            concurrency: this.concurrency,
            identity: this.identity,
            platform: this.platform,
          })
        : undefined;
    this.#observer = observer;
    const report = exceptionHandler(options.errorHandlers ?? [], this.logger, (event) => {
      // Job failures are counted as jobs; everything else reported is an internal error.
      const where = event.context.context;
      if (observer && where !== JOB_FAILED && where !== INVALID_JOB) observer.error(where);
      this.emit("error", event);
    });
    this.#report = report;
    const capsule = new Capsule({
      redis,
      keys,
      identity: this.identity,
      queues: this.queueConfig,
      concurrency: this.concurrency,
      processing: {
        registry: this.#registry,
        middleware: options.middleware ?? [],
        logger: this.logger,
        logArgs: options.logArgs ?? false,
        encryption: toKeyRing(options.encryption),
        timeoutSeconds: options.timeoutSeconds,
        retryConfig: {
          keys,
          maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
          timestamps: this.timestamps,
          sidekiqVersion: this.sidekiqVersion,
          deathHandlers: options.deathHandlers ?? [],
          onHookError: (err, context, job) => report(err, { context, job }),
        },
        // The heartbeat, built next, reads this capsule; its counters take the capsule's jobs.
        stats: { jobDone: (klass, ms, failed) => this.#heartbeat.jobDone(klass, ms, failed) },
        observer,
        flow: new JobFlow(redis, keys, report),
      },
      report,
      eventsMaxLen: eventsMaxLen(options.events),
    });
    this.#capsule = capsule;
    this.#heartbeat = new Heartbeat({
      redis,
      keys,
      identity: this.identity,
      sidekiqVersion: this.sidekiqVersion,
      platform: this.platform,
      process: {
        tag: options.tag ?? "",
        labels: options.labels ?? [],
        concurrency: this.concurrency,
        queues: this.queueConfig,
      },
      indexMembers: capsule.fetch.indexMembers,
      running: capsule.ledger,
      quiet: () => this.#state !== "running",
      onSignal: (name) => this.#signal(name, true),
      report,
    });
    this.#timers = new Timers(
      () => this.#state === "running" || this.#state === "quiet",
      (err) => report(err, { context: "Timer error" }),
    );
    this.#poller = new Poller({
      redis,
      keys,
      timestamps: this.timestamps,
      pollIntervalAverage: options.pollIntervalAverage,
      averageScheduledPollInterval: options.averageScheduledPollInterval ?? 5,
      timers: this.#timers,
      running: () => this.#state === "running",
      report,
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
  get heartbeatInterval(): number {
    return this.#o.heartbeatInterval ?? (this.sidekiqVersion === 6 ? 5 : 10);
  }
  /** Jobs running now. */
  get busy(): number {
    return this.#capsule.ledger.busy;
  }
  get registeredClasses(): string[] {
    return this.#registry.classNames;
  }
  /** A snapshot of running jobs (tid → queue, payload string, run_at), e.g. for a TTIN dump. */
  runningJobs(): WorkerEventMap["dump"] {
    const jobs: WorkerEventMap["dump"] = [];
    this.#capsule.ledger.each((tid, job) => jobs.push({ tid, ...job }));
    return jobs;
  }

  /** The Prometheus text of this process's metrics, or undefined when metrics are off. */
  metricsText(): string | undefined {
    return this.#observer?.render();
  }

  /** Where `/metrics` is served once started (`metricsPort`), e.g. `http://127.0.0.1:9394`. */
  get metricsUrl(): string | undefined {
    return this.#metricsServer ? `${this.#metricsServer.url}/metrics` : undefined;
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
    options?: RegisterOptions,
  ): this {
    this.#registry.add(job, handler, options);
    return this;
  }

  /**
   * Adds periodic entries this process ticks (before `start`): an entry or a list of them made
   * with `periodic(...)`, or the same arguments as `periodic(...)`.
   */
  periodic(entries: PeriodicEntry | readonly PeriodicEntry[]): this;
  periodic<D extends JobDefinition<any, any>>(
    name: string,
    cron: string,
    job: D | string,
    args?: readonly unknown[],
    options?: PeriodicOptions,
  ): this;
  periodic(
    first: string | PeriodicEntry | readonly PeriodicEntry[],
    cron?: string,
    job?: JobDefinition<any, any> | string,
    args?: readonly unknown[],
    options?: PeriodicOptions,
  ): this {
    if (this.#state !== "new") {
      throw new ConfigError("Worker: periodic entries must be added before start()");
    }
    const added =
      typeof first === "string"
        ? [periodic(first, cron!, job!, args, options)]
        : isPeriodicEntry(first)
          ? [first]
          : first;
    this.#periodic.splice(
      0,
      this.#periodic.length,
      ...checkTable([...this.#periodic, ...(added as unknown[])], "Worker"),
    );
    return this;
  }

  /** The periodic entries this process ticks. */
  get periodicEntries(): readonly PeriodicEntry[] {
    return this.#periodic;
  }

  async start(): Promise<void> {
    if (this.#state !== "new") throw new ConfigError(`Worker: cannot start when ${this.#state}`);
    this.#state = "running";
    if (this.#o.handleSignals ?? true) {
      this.#unsubscribe = listenForSignals(this.platform, (name) => this.#signal(name, false));
    }
    this.#observer?.seed(this.#registry.classNames, this.queueConfig.names);
    if (this.#observer && this.#o.metricsPort !== undefined) {
      try {
        this.#metricsServer = await serveMetrics(
          this.platform,
          this.#observer,
          this.#o.metricsHost ?? "127.0.0.1",
          this.#o.metricsPort,
        );
      } catch (err) {
        this.#state = "new";
        this.#unsubscribe?.();
        throw err;
      }
    }
    this.#heartbeat.start();
    try {
      // The first beat must succeed: it writes our process hash, and lists registered without
      // one look orphaned to every other worker's orphan check, which would requeue jobs we run.
      // A failed beat fails start, and nothing is registered.
      await this.#heartbeat.beat();
      await this.#capsule.fetch.register();
    } catch (err) {
      this.#state = "new";
      this.#unsubscribe?.();
      await this.#metricsServer?.close().catch(() => undefined);
      this.#metricsServer = undefined;
      throw err;
    }
    checkOrphans(this.#redis, this.keys, this.logger, this.#report);
    this.logger.info("Starting processing", {
      identity: this.identity,
      concurrency: this.concurrency,
      queues: this.queueConfig.names,
    });
    // Paused and capped queues are known before the first fetch, then re-read every second.
    await this.#capsule.states.refresh();
    this.#capsule.start();
    const timers = this.#timers;
    timers.every(QUEUE_STATE_REFRESH_SECONDS, () => this.#capsule.states.refresh());
    timers.every(this.heartbeatInterval, () => this.#beat());
    const orphanEvery = this.#o.orphanCheckInterval ?? 60;
    timers.every(orphanEvery, () =>
      checkOrphans(this.#redis, this.keys, this.logger, this.#report),
    );
    // Strays are found in two checks in a row; checking often keeps a lost reply (a Redis restart,
    // a dropped connection) from parking jobs for minutes.
    timers.every(Math.min(orphanEvery, STRAY_CHECK_SECONDS), () => {
      if (this.#state === "running" || this.#state === "quiet") {
        return this.#capsule.strays.check(this.logger, this.#report);
      }
    });
    if (this.#o.scheduler ?? true) this.#poller.start();
    // Loaded only when used: a worker without periodic entries runs none of it.
    if (this.#periodic.length > 0) await this.#startPeriodic();
    this.emit("started", undefined);
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
    await this.#capsule.quiet(async () => {
      if (this.#ownsAdapter) await this.#redis.close();
    });
    this.emit("quiet", undefined);
    this.#beat();
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
    // From here on a finishing job writes nothing: its job is handed back below.
    await this.#capsule.stop((this.#o.shutdownTimeout ?? 25) * 1000);
    this.#timers.clear();
    try {
      await this.#capsule.drain();
      await this.#heartbeat.stop();
      const requeued = await recoverOrphanLists(
        this.#redis,
        this.keys,
        this.#capsule.fetch.indexMembers,
      );
      if (requeued > 0) this.logger.info("Requeued unfinished jobs", { count: requeued });
    } catch (err) {
      // The process hash expires in 60 s; orphan recovery elsewhere then requeues our jobs.
      this.#report(err, { context: "Error during shutdown; jobs will be recovered later" });
    }
    this.#unsubscribe?.();
    await this.#metricsServer?.close().catch(() => undefined);
    this.#state = "stopped";
    this.logger.info("Bye!", { identity: this.identity });
    this.emit("stopped", undefined);
    this.#resolveStopped();
  }

  async #startPeriodic(): Promise<void> {
    const { PeriodicTicker } = await import("./periodic-ticker");
    new PeriodicTicker({
      redis: this.#redis,
      keys: this.keys,
      entries: this.#periodic,
      timestamps: this.timestamps,
      timers: this.#timers,
      declareEvery: Math.min(this.heartbeatInterval, 20),
      running: () => this.#state === "running",
      logger: this.logger,
      report: this.#report,
    }).start();
  }

  /** A beat whose failure is reported ("Heartbeat error"), never thrown. */
  #beat(): Promise<void> {
    return this.#heartbeat.beat().catch((err) => this.#report(err, { context: "Heartbeat error" }));
  }

  #signal(name: string, remote: boolean): void {
    handleSignal(
      {
        logger: this.logger,
        logArgs: this.#o.logArgs ?? false,
        quiet: () => this.quiet(),
        stop: () => this.stop(),
        runningJobs: () => this.runningJobs(),
        emit: (event, payload) => this.emit(event, payload),
        report: this.#report,
      },
      name,
      remote,
    );
  }

  protected override listenerFailed(name: keyof WorkerEventMap, error: Error): void {
    this.logger.error(`A "${name}" event listener threw`, {
      error_class: error.name,
      error_message: error.message,
    });
  }
}

export type { ServerMiddleware };
