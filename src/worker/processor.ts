/**
 * Runs one fetched job (Sidekiq's `processor.rb`) and decides how it leaves the in-progress list.
 * It never throws: a job's failure, whatever it throws, becomes a retry or a death, and never
 * affects another job or the worker.
 *
 * 1. Parse once. Not JSON (or not an object): the raw string goes to `dead`, as Sidekiq does. An
 *    object that is not a job (no class, args not an array): `dead` with the reason. Bytes that
 *    are not UTF-8: `dead` with the exact bytes, by a script (see ReliableFetch).
 * 2. Unknown class: a failure with a message naming the class (retried, as Sidekiq's NameError).
 * 3. Server middleware, then decryption of `encrypt` jobs' arguments, then schema validation
 *    (after middleware, so a decrypting middleware runs first; a schema or decryption failure
 *    goes straight to `dead` with the reason), then the handler. The payload keeps its
 *    ciphertext (logs, retries and the dead set see only that); the handler gets the plaintext.
 * 4. Success: the acknowledgement (LREM of the exact string) joins the next fetch. Failure:
 *    `planFailure`'s commands and the acknowledgement go in the same MULTI.
 * 5. The ledger runs alongside: the job runs from `start` to `finish` and stays held until its
 *    write is known to be written; a job with nothing to write is released at once.
 * 6. `abandon()` (a hard stop): the shutdown signal aborts, and from then on a finishing job
 *    writes nothing, since the stop hands its job back to its queue.
 * 7. A job with a `bid` (batch) or a `result_ttl` (stored result) finishes through one atomic
 *    step instead (step-batcher.ts): its ack, writes, result and batch counts together. One
 *    field check per job decides it, so plain jobs take the paths above unchanged.
 */
import { monoMs } from "../core/clock";
import { deadCommands } from "../core/dead-set";
import type { KeyRing } from "../core/encryption";
import { coerceError, EncryptionError, JobPayloadError, JobValidationError } from "../core/errors";
import { type JobPayload, parseJob } from "../core/job";
import { runChain } from "../core/middleware";
import type { RedisCommand } from "../redis/types";
import type { AckBatcher } from "./ack-batcher";
import { JobTimeoutError, UnknownJobError } from "./errors";
import type { Report } from "./exception-handler";
import { mayBeInvalidUtf8, type ReliableFetch } from "./fetch";
import type { JobStats } from "./heartbeat";
import type { EventLog } from "./job-events";
import type { JobFlow } from "./job-flow";
import { JobLogger } from "./job-logger";
import { type FailureKind, type JobObserver, UNKNOWN_CLASS } from "./job-observer";
import { backtraceLines, planFailure, type RetryConfig } from "./job-retry";
import { type JobSteps, resultOf, stepOf } from "./job-steps";
import type { Ledger } from "./ledger";
import { limitsOf, OverLimitError, overLimitPlan, withinAll } from "./limits";
import type { Logger } from "./logger";
import type { Registry } from "./registry";
import type { FinishStep, StepBatcher } from "./step-batcher";
import type { JobContext, Registration, ServerMiddleware } from "./types";

export interface ProcessorDeps {
  readonly queues: readonly string[];
  readonly ledger: Pick<Ledger, "queueOf" | "jsonOf" | "start" | "finish" | "release">;
  readonly fetch: Pick<ReliableFetch, "ack" | "ackCommand" | "quarantineIfInvalid">;
  /** Where retries, deaths and dead raw strings are written, a batch per round trip. */
  readonly writes: Pick<AckBatcher, "add">;
  /** Where jobs with a bid or a result_ttl finish (ack, writes, result, batch counts at once). */
  readonly steps: Pick<StepBatcher, "add">;
  /** Progress and child results for ctx (Redis reads and writes of jobs that use them). */
  readonly jobSteps: Pick<JobSteps, "progress" | "childResults">;
  /** The job event stream, when the worker has `events` on. */
  readonly events?: Pick<EventLog, "add"> | undefined;
  readonly registry: Pick<Registry, "get">;
  readonly middleware: readonly ServerMiddleware[];
  readonly logger: Logger;
  readonly logArgs: boolean;
  /** Opens jobs whose payload or definition says `encrypt`; none: such jobs go to dead. */
  readonly encryption?: KeyRing | undefined;
  readonly timeoutSeconds: number | undefined;
  readonly retryConfig: RetryConfig;
  readonly stats: JobStats;
  readonly report: Report;
  /** Prometheus counters, only when metrics are on (job-observer.ts). */
  readonly observer?: JobObserver;
  /** Unique-lock releases and expiring jobs (job-flow.ts); absent in tests that need neither. */
  readonly flow?: JobFlow;
}

/** How a job leaves the in-progress list: acknowledged, by these commands, or by nothing. */
type Outcome = "ack" | RedisCommand[] | { step: FinishStep } | undefined;

export class Processor {
  /** Aborted when a stop gives up waiting; shared by every job. */
  readonly #shutdown = new AbortController();
  /** True once a hard stop handed the unfinished jobs back to their queues. */
  #abandoned = false;

  constructor(private readonly d: ProcessorDeps) {}

  /** Runs the job held as ledger `entry` to its end; never rejects. */
  async run(entry: number): Promise<void> {
    this.d.ledger.start(entry);
    let outcome: Outcome;
    try {
      outcome = await this.#process(entry);
    } finally {
      this.#settle(entry, outcome);
    }
  }

  /** From now on finishing jobs write nothing; `reason` (if any) aborts every job's signal. */
  abandon(reason?: Error): void {
    if (reason) this.#shutdown.abort(reason);
    this.#abandoned = true;
  }

  #settle(entry: number, outcome: Outcome): void {
    const { ledger } = this.d;
    if (outcome === undefined || this.#abandoned) {
      ledger.release(entry);
      return;
    }
    ledger.finish(entry);
    if (outcome === "ack") this.d.fetch.ack(entry);
    else if (Array.isArray(outcome)) this.d.writes.add(entry, outcome);
    else this.d.steps.add(entry, outcome.step);
  }

  async #process(entry: number): Promise<Outcome> {
    const d = this.d;
    const queueIndex = d.ledger.queueOf(entry);
    const json = d.ledger.jsonOf(entry);
    const queue = d.queues[queueIndex]!;
    // Checked here, not only inside the call: only a string holding U+FFFD can be invalid, and
    // an await for every other job let the manager's next fetch (its script call, written to the
    // socket) run before the handler, which put 50-80 us between BLMOVE's reply and the handler.
    if (mayBeInvalidUtf8(json) && (await this.#invalidUtf8(queueIndex, queue, json))) {
      return undefined;
    }
    let payload: JobPayload;
    try {
      payload = parseJob(json);
    } catch (err) {
      return this.#badPayload(err as Error, queue, json, d.fetch.ackCommand(entry));
    }

    const reg = d.registry.get(payload.class);
    const observer = d.observer;
    // Sidekiq's metrics class (`wrapped || class`); a class with no handler is one label.
    const label = observer
      ? reg
        ? typeof payload.wrapped === "string"
          ? payload.wrapped
          : payload.class
        : UNKNOWN_CLASS
      : "";
    observer?.started(label, queue);
    const started = monoMs();
    const fields: Record<string, unknown> = { class: payload.class, jid: payload.jid, queue };
    if (d.logArgs) fields.args = payload.args;
    const flow = payload.edgekiq_unique || payload.edgekiq_expires_at ? d.flow : undefined;
    // Expired: never run late. Dropped, logged and counted; acknowledged like a finished job.
    if (flow?.isExpired(payload)) {
      d.logger.warn("expired", { ...fields, expires_at: payload.edgekiq_expires_at });
      return [...flow.expiredCommands(payload), d.fetch.ackCommand(entry)];
    }
    let error: Error | undefined;
    // Batch jobs and jobs that keep their result finish through one atomic step.
    const stepped = typeof payload.bid === "string" || typeof payload.result_ttl === "number";
    const returned: { value?: unknown } = {};
    try {
      if (!reg) throw new UnknownJobError(payload.class);
      d.logger.info("start", fields);
      if (flow) await flow.release(payload, "start");
      const timeout = reg.options.timeoutSeconds ?? d.timeoutSeconds;
      let timeoutCtl: AbortController | undefined;
      if (timeout) timeoutCtl = new AbortController();
      const shutdown = this.#shutdown.signal;
      const ctx: JobContext = {
        jid: payload.jid,
        queue,
        retryCount: typeof payload.retry_count === "number" ? payload.retry_count + 1 : 0,
        payload,
        logger: new JobLogger(d.logger, payload.class, payload.jid, queue),
        signal: timeoutCtl ? AbortSignal.any([shutdown, timeoutCtl.signal]) : shutdown,
        bid: typeof payload.bid === "string" ? payload.bid : undefined,
        progress: (value) => d.jobSteps.progress(payload, queue, value),
        childResults: () => d.jobSteps.childResults(payload),
      };
      const invoke = () => this.#invoke(reg, payload, ctx, timeout, timeoutCtl, returned);
      if (d.middleware.length === 0) await invoke();
      else await runChain(d.middleware, payload, ctx, invoke);
    } catch (err) {
      error = coerceError(err);
    }
    // Over a limiter's limit: rescheduled, not failed (until maxReschedules; then a failure).
    if (error instanceof OverLimitError && !this.#abandoned) {
      const plan = overLimitPlan(reg, payload, json, this.d.retryConfig.keys.schedule);
      if (plan) {
        d.logger.info("over limit; rescheduled", {
          ...fields,
          limiter: error.limiter,
          in: plan.in,
        });
        return [...plan.commands, d.fetch.ackCommand(entry)];
      }
    }
    const finished = monoMs();
    // Sidekiq's class for metrics is `wrapped || class` (not display_class); whole ms, as
    // Sidekiq's two whole-millisecond clock readings.
    d.stats.jobDone(
      typeof payload.wrapped === "string" ? payload.wrapped : payload.class,
      Math.floor(finished) - Math.floor(started),
      error !== undefined,
    );
    observer?.finished(label, queue, (finished - started) / 1000, error !== undefined);
    // A hard stop already gave this job back to its queue: its result no longer counts.
    if (this.#abandoned) return undefined;
    fields.elapsed_ms = Math.round((finished - started) * 10) / 10;
    let value = "";
    if (!error && stepped) {
      try {
        value = resultOf(payload, returned.value);
      } catch (err) {
        error = coerceError(err);
      }
    }
    if (!error) {
      d.logger.info("done", fields);
      d.events?.add("completed", { jid: payload.jid, class: payload.class, queue });
      if (stepped) {
        // The step script runs only retry/dead writes: a unique lock goes on its own first.
        if (flow) await flow.release(payload, "success");
        return { step: stepOf(d.fetch.ackCommand(entry), payload, "ok", value, []) };
      }
      // A unique job's lock goes in the same batched write as its acknowledgement.
      const release = flow?.releaseCommand(payload, "success");
      return release ? [d.fetch.ackCommand(entry), release] : "ack";
    }
    fields.error_class = error.name;
    fields.error_message = error.message;
    // Sidekiq's default error handler: the failure at warn, then its backtrace.
    fields.backtrace = backtraceLines(error);
    d.logger.warn("fail", fields);
    const kill = error instanceof JobValidationError || error instanceof EncryptionError;
    const ack = d.fetch.ackCommand(entry);
    const planned: { kind: FailureKind } = { kind: "dead" };
    const commands = await this.#fail(reg, queue, json, error, ack, kill, planned);
    d.observer?.failureOutcome(label, queue, planned.kind);
    // A unique job that died frees its lock (a retry keeps it).
    const died = planned.kind !== "retried";
    d.report(error, { context: "Job raised exception", job: payload, jobstr: json }, true);
    if (d.events) {
      const e = {
        jid: payload.jid,
        class: payload.class,
        queue,
        error_class: String(fields.error_class),
        error_message: String(fields.error_message),
      };
      d.events.add("failed", e);
      d.events.add(planned.kind === "retried" ? "retried" : "died", e);
    }
    if (!stepped) {
      const release = died ? flow?.releaseCommand(payload, "dead") : undefined;
      if (release) commands.push(release);
      return commands;
    }
    if (died && flow) await flow.release(payload, "dead");
    // The step acknowledges the job itself: the plan's commands without the trailing LREM.
    commands.pop();
    const final = planned.kind === "retried" ? "retry" : "dead";
    const errorJson = JSON.stringify({
      ok: false,
      error_class: fields.error_class,
      error_message: fields.error_message,
    });
    return { step: stepOf(ack, payload, final, errorJson, commands) };
  }

  async #invoke(
    reg: Registration,
    payload: JobPayload,
    ctx: JobContext,
    timeout: number | undefined,
    timeoutCtl: AbortController | undefined,
    returned: { value?: unknown },
  ): Promise<void> {
    const run = async () => {
      let args = payload.args;
      if (payload.encrypt || reg.definition?.options.encrypt) args = await this.#open(reg, payload);
      if (reg.definition) args = await reg.definition.validate(args);
      returned.value = await reg.handler(args, ctx);
    };
    const limits = limitsOf(reg);
    const work = limits ? () => withinAll(limits, run) : run;
    if (!timeout || !timeoutCtl) return work();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new JobTimeoutError(payload.class, timeout);
        timeoutCtl.abort(err);
        reject(err);
      }, timeout * 1000);
    });
    try {
      await Promise.race([work(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The plain arguments of an encrypted job (EncryptionError when it cannot be opened). */
  async #open(reg: Registration, payload: JobPayload): Promise<unknown[]> {
    const ring = this.d.encryption;
    const where = `Job "${payload.class}" (jid ${payload.jid})`;
    if (!payload.encrypt) {
      throw new EncryptionError(`${where}: its definition says encrypt, but it came unencrypted`);
    }
    if (!ring) throw new EncryptionError(`${where}: is encrypted, but this worker has no key ring`);
    // A retry to `retry_queue` changes the payload's queue; the AAD names the queue it was pushed to.
    const moved = payload.retry_queue !== undefined && payload.retry_queue === payload.queue;
    const definedQueue = reg.definition?.options.queue ?? "default";
    return ring.open(payload, moved ? definedQueue : undefined);
  }

  /** The commands that retry or kill a failed job, its acknowledgement last. */
  async #fail(
    reg: Registration | undefined,
    queue: string,
    json: string,
    error: Error,
    ack: RedisCommand,
    kill: boolean,
    planned?: { kind: FailureKind },
  ): Promise<RedisCommand[]> {
    let commands: RedisCommand[];
    try {
      const plan = await planFailure(
        {
          json,
          queue,
          error,
          defaultRetry: reg?.definition?.options.retry,
          retryIn: reg?.options.retryIn,
          retriesExhausted: reg?.options.retriesExhausted,
          kill,
        },
        this.d.retryConfig,
      );
      commands = plan.commands;
      if (planned) planned.kind = plan.outcome.kind;
    } catch (err) {
      // Should not happen (the payload parsed once already); keep the job visible in `dead`.
      this.d.report(err, { context: "Error scheduling a retry", jobstr: json });
      commands = deadCommands(this.d.retryConfig.keys, json, Date.now());
    }
    commands.push(ack);
    return commands;
  }

  /**
   * True when the job's bytes are not UTF-8 and it must not run: either it is now in `dead` with
   * its exact bytes, or Redis could not be asked and it stays in the in-progress list (requeued
   * with its bytes intact at stop, or by orphan recovery).
   */
  async #invalidUtf8(queueIndex: number, queue: string, json: string): Promise<boolean> {
    const d = this.d;
    let moved: boolean;
    try {
      moved = await d.fetch.quarantineIfInvalid(queueIndex, json);
    } catch (err) {
      d.report(err, { context: "Error checking a payload's UTF-8; left in progress" });
      return true;
    }
    if (!moved) return false;
    const error = new JobPayloadError(
      "Invalid job payload: its bytes are not valid UTF-8; moved to the dead set unchanged",
    );
    this.#logBadPayload(error, queue, json);
    return true;
  }

  async #badPayload(
    error: Error,
    queue: string,
    json: string,
    ack: RedisCommand,
  ): Promise<Outcome> {
    this.#logBadPayload(error, queue, json);
    let isObject = false;
    try {
      const v: unknown = JSON.parse(json);
      isObject = v !== null && typeof v === "object" && !Array.isArray(v);
    } catch {
      // not JSON at all
    }
    // A JSON object that is not a job: dead, with the reason in error_message.
    if (isObject)
      return this.#fail(undefined, queue, json, new JobPayloadError(error.message), ack, true);
    // Sidekiq: the raw string goes to the dead set as it is, and the job is acknowledged.
    return [...deadCommands(this.d.retryConfig.keys, json, Date.now()), ack];
  }

  #logBadPayload(error: Error, queue: string, json: string): void {
    this.d.observer?.invalid(queue);
    this.d.logger.error("Invalid job payload, moved to the dead set", {
      queue,
      error_message: error.message,
    });
    this.d.report(error, { context: "Invalid JSON for job", jobstr: json }, true);
  }
}
