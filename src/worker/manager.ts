/**
 * The manager (Sidekiq's `manager.rb` + the processors' fetch loop): keeps up to `concurrency`
 * jobs running.
 *
 * 1. One loop, not one per slot: it fills every free slot with one batch call (which also carries
 *    the finished jobs' acks), and when the queues are empty it blocks on every queue (BLMOVE,
 *    one connection per queue) and wakes on the first job.
 * 2. `quiet()`: stops fetching; whatever it holds but has not started goes back to the front of
 *    its queue.
 * 3. `stop(ms)`: waits up to `ms` for running jobs, then abandons the rest (Sidekiq's
 *    `hard_shutdown`): their signal aborts and their results are dropped, since the launcher
 *    hands their jobs back ("it is worse to lose a job than to run it twice").
 */
import { coerceError } from "../core/errors";
import type { AckBatcher } from "./ack-batcher";
import { sleep } from "./ack-batcher";
import { ShutdownError } from "./errors";
import type { Report } from "./exception-handler";
import { mayBeInvalidUtf8, type ReliableFetch } from "./fetch";
import { jidOf, type Ledger } from "./ledger";
import type { Logger } from "./logger";
import type { Processor } from "./processor";
import type { QueueStates } from "./queue-states";

export interface ManagerDeps {
  fetch: Pick<ReliableFetch, "fetchBatch" | "block" | "requeueCommands">;
  /** Where unstarted jobs are handed back at quiet. */
  writes: Pick<AckBatcher, "add">;
  processor: Pick<Processor, "run" | "abandon">;
  /** What is running (its `busy` is the taken slots) and the strings of what is held. */
  ledger: Pick<Ledger, "busy" | "each" | "jsonOf">;
  concurrency: number;
  queueCount: number;
  /** Queue indexes to try, in order, for one fetch (strict or shuffled). */
  order(): readonly number[];
  /** Paused and capped queues (queue-states.ts); absent or `plain`: fetch as always. */
  states?: Pick<QueueStates, "plain" | "filter" | "blockable" | "caps" | "paused">;
  logger: Logger;
  report: Report;
}

export class Manager {
  readonly #d: ManagerDeps;
  /** Ledger entries of fetched jobs not started yet, oldest first. */
  readonly #buffer: number[] = [];
  readonly #lanes: (Promise<void> | undefined)[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  #quieting = false;
  #loop: Promise<void> | undefined;
  #wakeResolve: (() => void) | undefined;
  #wakePending = false;
  #fetchDown = false;
  /** A capped queue may have room again (a job finished, or the states were refreshed). */
  #pollDue = false;

  constructor(deps: ManagerDeps) {
    this.#d = deps;
  }

  /** Jobs started and not finished (including ones a hard stop gave up on): the taken slots. */
  get busy(): number {
    return this.#d.ledger.busy;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * Stops fetching. `dropBlocking` should make blocked fetches return now (close their
   * connections); otherwise they end within the 2 s block timeout. Unstarted jobs are requeued.
   */
  async quiet(dropBlocking: () => Promise<void>): Promise<void> {
    this.#quieting = true;
    this.#wake();
    await this.#loop;
    await dropBlocking().catch((err) =>
      this.#d.report(err, { context: "Error closing fetch connections" }),
    );
    await Promise.allSettled(this.#lanes);
    const { fetch, writes, ledger } = this.#d;
    for (const entry of this.#buffer.splice(0)) {
      // A string with U+FFFD may stand for bytes that are not UTF-8: an LREM of it would miss and
      // the RPUSH would add an altered copy. It stays in the list (and held); stop() requeues it
      // byte-exact.
      if (mayBeInvalidUtf8(ledger.jsonOf(entry))) continue;
      writes.add(entry, fetch.requeueCommands(entry));
    }
  }

  /**
   * Waits up to `ms` for running jobs to finish; after that, aborts the ones left. Either way,
   * a job finishing from now on writes nothing: the caller hands every unfinished job back.
   */
  async stop(ms: number): Promise<void> {
    if (await this.#waitIdle(ms)) {
      this.#d.processor.abandon();
      return;
    }
    const jids: (string | undefined)[] = [];
    this.#d.ledger.each((_, job) => jids.push(jidOf(job.payload)));
    this.#d.logger.warn("Shutdown timeout reached; requeueing unfinished jobs", {
      busy: this.busy,
      jids,
    });
    this.#d.processor.abandon(new ShutdownError());
  }

  /** Resolves true when no job is running, or false after `ms`. */
  async #waitIdle(ms: number): Promise<boolean> {
    if (this.busy === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = await Promise.race([
      new Promise<boolean>((resolve) => this.#idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    clearTimeout(timer);
    return idle;
  }

  async #run(): Promise<void> {
    const { concurrency, fetch } = this.#d;
    while (!this.#quieting) {
      while (this.#buffer.length > 0 && this.busy < concurrency) {
        this.#startJob(this.#buffer.shift()!);
      }
      const free = concurrency - this.busy - this.#buffer.length;
      // Every queue is empty and blocked on (a BLMOVE hands over the next job): a fetch now would
      // find nothing, so a finished job's ack waits for the fetch after the next delivery, or for
      // its timer (ReliableFetch.ack), instead of costing a round trip of its own.
      const states = this.#d.states?.plain === false ? this.#d.states : undefined;
      const order = states ? states.filter(this.#d.order()) : this.#d.order();
      if (free <= 0 || (this.#allLanesBlocking() && !this.#pollDue) || order.length === 0) {
        await this.#waitWake();
        continue;
      }
      this.#pollDue = false;
      let jobs: number[];
      try {
        jobs = await fetch.fetchBatch(free, order, states?.caps);
        if (this.#fetchDown) {
          this.#fetchDown = false;
          this.#d.logger.info("Redis is online again; fetching");
        }
      } catch (err) {
        if (!this.#fetchDown) {
          this.#fetchDown = true;
          this.#d.logger.error("Error fetching job", { error_message: coerceError(err).message });
          this.#d.report(err, { context: "Error fetching job" }, true);
        }
        await sleep(1000);
        continue;
      }
      if (jobs.length > 0) {
        // Quiet began during the call: the jobs are ours; they go back with the buffer.
        if (this.#quieting) this.#buffer.push(...jobs);
        else for (const entry of jobs) this.#startJob(entry);
        continue;
      }
      this.#blockOnQueues();
      await this.#waitWake();
    }
  }

  #blockOnQueues(): void {
    const states = this.#d.states;
    for (let i = 0; i < this.#d.queueCount; i++) {
      if (this.#lanes[i] || (states && !states.blockable(i))) continue;
      this.#lanes[i] = this.#d.fetch.block(i).then(
        (entry) => {
          // Paused while this BLMOVE waited: the job goes back to the front of its queue.
          if (entry !== -1 && states?.paused.has(i)) {
            this.#d.writes.add(entry, this.#d.fetch.requeueCommands(entry));
          } else if (entry !== -1) this.#buffer.push(entry);
          this.#lanes[i] = undefined;
          this.#wake();
        },
        async (err) => {
          if (!this.#quieting) {
            this.#d.report(err, { context: "Error in blocking fetch" });
            await sleep(1000);
          }
          this.#lanes[i] = undefined;
          this.#wake();
        },
      );
    }
  }

  #allLanesBlocking(): boolean {
    const states = this.#d.states;
    for (let i = 0; i < this.#d.queueCount; i++) {
      if (!this.#lanes[i] && (!states || states.blockable(i))) return false;
    }
    return true;
  }

  /** The queue states changed or were refreshed: fetch again, if a capped queue has room. */
  statesChanged(): void {
    this.#pollDue = true;
    this.#wake();
  }

  #startJob(entry: number): void {
    // run() starts the job in the ledger before its first await, so `busy` counts it at once.
    this.#d.processor.run(entry).then(this.#jobDone, this.#jobDone);
  }

  readonly #jobDone = (): void => {
    if (this.#d.states?.caps.size) this.#pollDue = true;
    if (this.busy === 0 && this.#idleWaiters.length > 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
    this.#wake();
  };

  #waitWake(): Promise<void> {
    if (this.#wakePending) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#wakeResolve = resolve;
    });
  }

  #wake(): void {
    const resolve = this.#wakeResolve;
    if (resolve) {
      this.#wakeResolve = undefined;
      resolve();
    } else this.#wakePending = true;
  }
}
