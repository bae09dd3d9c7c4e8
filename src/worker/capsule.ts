/**
 * The capsule (Sidekiq 7's `capsule.rb`): what processes one set of queues at one concurrency,
 * around one ledger of in-flight jobs.
 *
 * 1. Builds the parts and hands each only what it needs: the ledger (ledger.ts), reliable fetch
 *    (fetch.ts), the write batcher (ack-batcher.ts), the processor (processor.ts) and the
 *    manager (manager.ts), plus the stray check of its own lists (strays.ts).
 * 2. Runs them for the launcher: start, quiet, stop (wait, then abandon), and `drain`, which
 *    resolves once every pending write is written.
 */
import type { Keys } from "../core/keys";
import type { BlockingRedisClient } from "../redis/types";
import { AckBatcher } from "./ack-batcher";
import type { Report } from "./exception-handler";
import { ReliableFetch } from "./fetch";
import { EventLog } from "./job-events";
import { JobSteps } from "./job-steps";
import { Ledger } from "./ledger";
import { Manager } from "./manager";
import { Processor, type ProcessorDeps } from "./processor";
import { QueueStates } from "./queue-states";
import type { QueueConfig } from "./queues";
import { StepBatcher } from "./step-batcher";
import { StrayCheck } from "./strays";

export interface CapsuleOptions {
  redis: BlockingRedisClient;
  keys: Keys;
  identity: string;
  queues: QueueConfig;
  concurrency: number;
  /** How jobs run: handlers, middleware, logging, timeouts, retries, counters. */
  processing: Omit<
    ProcessorDeps,
    "queues" | "ledger" | "fetch" | "writes" | "steps" | "jobSteps" | "events" | "report"
  >;
  report: Report;
  /** The job event stream's bound, when events are on (`new Worker({ events })`). */
  eventsMaxLen?: number | undefined;
}

export class Capsule {
  /** Which jobs this capsule holds and runs (read by the heartbeat and the TTIN dump). */
  readonly ledger: Ledger;
  readonly fetch: ReliableFetch;
  readonly strays: StrayCheck;
  /** Paused and capped queues; the worker refreshes them (queue-states.ts). */
  readonly states: QueueStates;
  readonly #writes: AckBatcher;
  readonly #steps: StepBatcher;
  readonly #events: EventLog | undefined;
  readonly #manager: Manager;

  constructor(o: CapsuleOptions) {
    const { redis, report } = o;
    const queues = o.queues.names;
    const ledger = new Ledger(queues, o.concurrency);
    const writes = new AckBatcher(redis, ledger, (err) =>
      report(err, { context: "Error acknowledging jobs; will retry" }),
    );
    const fetch = new ReliableFetch(redis, o.keys, ledger, o.identity, queues);
    const observer = o.processing.observer;
    if (observer) fetch.onRoundTrip = (s) => observer.fetchRoundTrip(s);
    const steps = new StepBatcher(redis, o.keys, ledger, (err) =>
      report(err, { context: "Error finishing batch or result jobs; will retry" }),
    );
    const events =
      o.eventsMaxLen === undefined
        ? undefined
        : new EventLog(redis, o.keys, o.eventsMaxLen, (err) =>
            report(err, { context: "Error writing job events; dropped" }),
          );
    const jobSteps = new JobSteps(redis, o.keys, events);
    const processor = new Processor({
      ...o.processing,
      queues,
      ledger,
      fetch,
      writes,
      steps,
      jobSteps,
      events,
      report,
    });
    const states = new QueueStates(
      redis,
      o.keys,
      queues,
      () => this.#manager.statesChanged(),
      report,
    );
    this.states = states;
    this.#manager = new Manager({
      states,
      fetch,
      writes,
      processor,
      ledger,
      concurrency: o.concurrency,
      queueCount: queues.length,
      order: o.queues.order,
      logger: o.processing.logger,
      report,
    });
    this.ledger = ledger;
    this.fetch = fetch;
    this.#writes = writes;
    this.#steps = steps;
    this.#events = events;
    this.strays = new StrayCheck(fetch, ledger);
  }

  start(): void {
    this.#manager.start();
  }

  /** Stops fetching and hands unstarted jobs back (see Manager.quiet). */
  quiet(dropBlocking: () => Promise<void>): Promise<void> {
    return this.#manager.quiet(dropBlocking);
  }

  /** Waits up to `ms` for running jobs, then abandons the rest (see Manager.stop). */
  stop(ms: number): Promise<void> {
    return this.#manager.stop(ms);
  }

  /** Resolves once every queued write and ack is written (retrying through Redis errors). */
  async drain(): Promise<void> {
    await this.#writes.drain();
    await this.#steps.drain();
    await this.#events?.drain();
    await this.fetch.drainAcks();
  }
}
