/**
 * Runs one fetched job (Sidekiq's `processor.rb`) and decides how it leaves the in-progress list.
 * It never throws: a job's failure, whatever it throws, becomes a retry or a death, and never
 * affects another job or the worker.
 *
 * 1. Parse once. Not JSON (or not an object): the raw string goes to `dead`, as Sidekiq does. An
 *    object that is not a job (no class, args not an array): `dead` with the reason. Bytes that
 *    are not UTF-8: `dead` with the exact bytes, by a script (see ReliableFetch).
 * 2. Unknown class: a failure with a message naming the class (retried, as Sidekiq's NameError).
 * 3. Server middleware, then schema validation (after middleware, so a decrypting middleware
 *    runs first; a schema failure goes straight to `dead` with the issues), then the handler.
 * 4. Success: the acknowledgement (LREM of the exact string) joins the next batch. Failure:
 *    `planFailure`'s commands and the acknowledgement go in the same MULTI.
 */
import { monoMs } from "../core/clock";
import { deadCommands } from "../core/dead-set";
import { coerceError, JobPayloadError, JobValidationError } from "../core/errors";
import { type JobPayload, parseJob } from "../core/job";
import type { Keys } from "../core/keys";
import { runChain } from "../core/middleware";
import type { RedisCommand } from "../redis/types";
import type { AckBatcher } from "./ack-batcher";
import { JobTimeoutError, UnknownJobError } from "./errors";
import type { ReliableFetch } from "./fetch";
import { planFailure, type RetryConfig } from "./job-retry";
import type { Logger } from "./logger";
import type { MetricsTracker } from "./metrics";
import type { Slots } from "./slots";
import type { ErrorContext, JobContext, Registration, ServerMiddleware } from "./types";

/** What the processor needs from the worker. */
export interface ProcessorHost {
  readonly keys: Keys;
  readonly queues: readonly string[];
  readonly fetch: ReliableFetch;
  readonly acks: AckBatcher;
  readonly registry: ReadonlyMap<string, Registration>;
  readonly middleware: readonly ServerMiddleware[];
  readonly logger: Logger;
  readonly logArgs: boolean;
  readonly timeoutSeconds: number | undefined;
  readonly retryConfig: RetryConfig;
  /** Where each running job is held, from its start to its final write. */
  readonly slots: Slots;
  /** Aborted when a stop gives up waiting; shared by every job. */
  readonly shutdownSignal: AbortSignal;
  /** True once a hard stop handed the unfinished jobs back to their queues. */
  abandoned(): boolean;
  count(failed: boolean): void;
  /** Sidekiq 7's per-class job metrics; undefined in Sidekiq 6 mode. */
  readonly metrics: MetricsTracker | undefined;
  handleError(error: unknown, context: ErrorContext): void;
}

export class Processor {
  constructor(private readonly host: ProcessorHost) {}

  async run(queueIndex: number, json: string): Promise<void> {
    const slot = this.host.slots.take(queueIndex, json);
    try {
      await this.#run(queueIndex, json);
    } finally {
      this.host.slots.release(slot);
    }
  }

  async #run(queueIndex: number, json: string): Promise<void> {
    const host = this.host;
    const queue = host.queues[queueIndex]!;
    if (await this.#invalidUtf8(queueIndex, queue, json)) return;
    let payload: JobPayload;
    try {
      payload = parseJob(json);
    } catch (err) {
      await this.#badPayload(err as Error, queue, json, host.fetch.ackCommand(queueIndex, json));
      return;
    }

    const reg = host.registry.get(payload.class);
    const started = monoMs();
    const fields: Record<string, unknown> = { class: payload.class, jid: payload.jid, queue };
    if (host.logArgs) fields.args = payload.args;
    let error: Error | undefined;
    try {
      if (!reg) throw new UnknownJobError(payload.class);
      host.logger.info("start", fields);
      const timeout = reg.options.timeoutSeconds ?? host.timeoutSeconds;
      let timeoutCtl: AbortController | undefined;
      if (timeout) timeoutCtl = new AbortController();
      const ctx: JobContext = {
        jid: payload.jid,
        queue,
        retryCount: typeof payload.retry_count === "number" ? payload.retry_count + 1 : 0,
        payload,
        logger: host.logger,
        signal: timeoutCtl
          ? AbortSignal.any([host.shutdownSignal, timeoutCtl.signal])
          : host.shutdownSignal,
      };
      const invoke = () => this.#invoke(reg, payload, ctx, timeout, timeoutCtl);
      if (host.middleware.length === 0) await invoke();
      else await runChain(host.middleware, payload, ctx, invoke);
    } catch (err) {
      error = coerceError(err);
    }
    const finished = monoMs();
    host.count(error !== undefined);
    // Sidekiq's class for metrics is `wrapped || class` (not display_class); whole ms, as
    // Sidekiq's two whole-millisecond clock readings.
    host.metrics?.record(
      typeof payload.wrapped === "string" ? payload.wrapped : payload.class,
      Math.floor(finished) - Math.floor(started),
      error !== undefined,
    );
    // A hard stop already gave this job back to its queue: its result no longer counts.
    if (host.abandoned()) return;
    fields.elapsed_ms = Math.round((finished - started) * 10) / 10;
    if (!error) {
      host.fetch.ack(queueIndex, json);
      host.logger.info("done", fields);
      return;
    }
    fields.error_class = error.name;
    fields.error_message = error.message;
    host.logger.warn("fail", fields);
    const ack = host.fetch.ackCommand(queueIndex, json);
    await this.#fail(reg, queue, json, error, ack, error instanceof JobValidationError);
    host.handleError(error, { context: "Job raised exception", job: payload, jobstr: json });
  }

  async #invoke(
    reg: Registration,
    payload: JobPayload,
    ctx: JobContext,
    timeout: number | undefined,
    timeoutCtl: AbortController | undefined,
  ): Promise<void> {
    const work = async () => {
      const args = reg.definition ? await reg.definition.validate(payload.args) : payload.args;
      await reg.handler(args, ctx);
    };
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

  async #fail(
    reg: Registration | undefined,
    queue: string,
    json: string,
    error: Error,
    ack: RedisCommand,
    kill: boolean,
  ): Promise<void> {
    const host = this.host;
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
        host.retryConfig,
      );
      commands = plan.commands;
    } catch (err) {
      // Should not happen (the payload parsed once already); keep the job visible in `dead`.
      host.handleError(err, { context: "Error scheduling a retry", jobstr: json });
      commands = deadCommands(host.keys, json, Date.now());
    }
    if (host.abandoned()) return;
    commands.push(ack);
    host.acks.add(commands);
  }

  /**
   * True when the job's bytes are not UTF-8 and it must not run: either it is now in `dead` with
   * its exact bytes, or Redis could not be asked and it stays in the in-progress list (requeued
   * with its bytes intact at stop, or by orphan recovery).
   */
  async #invalidUtf8(queueIndex: number, queue: string, json: string): Promise<boolean> {
    const host = this.host;
    let moved: boolean;
    try {
      moved = await host.fetch.quarantineIfInvalid(queueIndex, json);
    } catch (err) {
      host.handleError(err, { context: "Error checking a payload's UTF-8; left in progress" });
      return true;
    }
    if (!moved) return false;
    const error = new JobPayloadError(
      "Invalid job payload: its bytes are not valid UTF-8; moved to the dead set unchanged",
    );
    host.logger.error("Invalid job payload, moved to the dead set", {
      queue,
      error_message: error.message,
    });
    host.handleError(error, { context: "Invalid JSON for job", jobstr: json });
    return true;
  }

  async #badPayload(error: Error, queue: string, json: string, ack: RedisCommand): Promise<void> {
    const host = this.host;
    host.logger.error("Invalid job payload, moved to the dead set", {
      queue,
      error_message: error.message,
    });
    host.handleError(error, { context: "Invalid JSON for job", jobstr: json });
    let isObject = false;
    try {
      const v: unknown = JSON.parse(json);
      isObject = v !== null && typeof v === "object" && !Array.isArray(v);
    } catch {
      // not JSON at all
    }
    if (isObject) {
      // A JSON object that is not a job: dead, with the reason in error_message.
      await this.#fail(undefined, queue, json, new JobPayloadError(error.message), ack, true);
    } else {
      // Sidekiq: the raw string goes to the dead set as it is, and the job is acknowledged.
      host.acks.add([...deadCommands(host.keys, json, Date.now()), ack]);
    }
  }
}
