/**
 * The scheduled-set poller (the `Poller` half of Sidekiq's `scheduled.rb`; the `Enq` half,
 * `enqueueDueJobs`, is in scheduled.ts). While the worker runs, it moves due jobs of `retry` and
 * `schedule` to their queues, then sleeps a random interval scaled by the number of processes,
 * so a fleet polls about once every `averageScheduledPollInterval` seconds in total. It stops at
 * quiet: a quiet process moves nothing.
 */
import type { TimestampUnit } from "../core/clock";
import type { Keys } from "../core/keys";
import type { RedisClient } from "../redis/types";
import type { Report } from "./exception-handler";
import { enqueueDueJobs, initialWait, randomPollInterval } from "./scheduled";
import type { Timers } from "./timers";

export interface PollerDeps {
  redis: RedisClient;
  keys: Keys;
  timestamps: TimestampUnit;
  /** Fixed average seconds between polls; undefined scales with the process count. */
  pollIntervalAverage: number | undefined;
  averageScheduledPollInterval: number;
  timers: Pick<Timers, "after">;
  /** True while the worker runs (not quiet, not stopping). */
  running(): boolean;
  report: Report;
}

export class Poller {
  constructor(private readonly d: PollerDeps) {}

  start(): void {
    this.#schedule(initialWait(this.d.pollIntervalAverage));
  }

  #schedule(seconds: number): void {
    this.d.timers.after(seconds, () => this.#poll());
  }

  async #poll(): Promise<void> {
    const d = this.d;
    if (!d.running()) return;
    try {
      await enqueueDueJobs(d.redis, d.keys, d.timestamps, () => !d.running());
    } catch (err) {
      d.report(err, { context: "Error moving scheduled jobs" });
    }
    if (!d.running()) return;
    let processCount = 1;
    if (d.pollIntervalAverage === undefined) {
      processCount = Number(await d.redis.call(["scard", d.keys.processes]).catch(() => 1));
    }
    this.#schedule(
      randomPollInterval(processCount, {
        pollIntervalAverage: d.pollIntervalAverage,
        averageScheduledPollInterval: d.averageScheduledPollInterval,
      }),
    );
  }
}
