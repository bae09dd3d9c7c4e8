/**
 * The scheduled-job poller (Sidekiq's `scheduled.rb`, wire spec §6): due jobs of `retry`, then
 * `schedule`, move to their queues atomically, a batch per Lua call, with `enqueued_at` set by
 * editing the member string inside Lua (never re-encoding it). Poll timing follows Sidekiq so a
 * fleet polls about once every `averageScheduledPollInterval` seconds in total:
 * `avg = pollIntervalAverage ?? processCount * averageScheduledPollInterval`, then sleep
 * `avg * rand + avg / 2` below 10 processes, else `avg * rand`.
 */
import { formatFloat, scoreText, type TimestampUnit, toTimestamp } from "../core/clock";
import type { Keys } from "../core/keys";
import { enqueueDue } from "../redis/scripts/index.gen";
import type { RedisClient } from "../redis/types";

export const SCHEDULER_BATCH = 100;

/** Moves every due job of `retry` and `schedule`; returns how many moved. */
export async function enqueueDueJobs(
  redis: RedisClient,
  keys: Keys,
  timestamps: TimestampUnit,
  shouldStop: () => boolean = () => false,
): Promise<number> {
  let total = 0;
  for (const set of [keys.retry, keys.schedule]) {
    for (;;) {
      const nowMs = Date.now();
      const stamp = toTimestamp(nowMs, timestamps);
      const moved = (await redis.evalScript(
        enqueueDue,
        [set, keys.queues, keys.dead],
        [
          scoreText(nowMs / 1000),
          SCHEDULER_BATCH,
          keys.queue(""),
          timestamps === "milliseconds" ? String(stamp) : formatFloat(stamp),
          scoreText(nowMs / 1000),
        ],
      )) as number;
      total += moved;
      if (moved < SCHEDULER_BATCH || shouldStop()) break;
    }
  }
  return total;
}

/** Seconds to wait before the next poll (Sidekiq's `random_poll_interval`). */
export function randomPollInterval(
  processCount: number,
  options: { pollIntervalAverage?: number; averageScheduledPollInterval: number },
  random: () => number = Math.random,
): number {
  const count = Math.max(processCount, 1);
  const avg = options.pollIntervalAverage ?? count * options.averageScheduledPollInterval;
  return count < 10 ? avg * random() + avg / 2 : avg * random();
}

/**
 * First wait: Sidekiq waits 10 s + 5·rand s so heartbeats register first; with an explicit
 * `pollIntervalAverage` it skips the 10 s. We also cap the jitter at that average, so a short
 * configured interval (tests, low-latency setups) is not dominated by a 5 s start-up delay.
 */
export function initialWait(
  pollIntervalAverage: number | undefined,
  random: () => number = Math.random,
): number {
  if (pollIntervalAverage === undefined) return 10 + 5 * random();
  return Math.min(5, pollIntervalAverage) * random();
}
