/**
 * The morgue's one rule (Sidekiq's `DeadSet#kill`, wire spec §5): a job put in `dead` is scored
 * with the time of death, and every addition then trims the set, in the same MULTI or script:
 *
 * 1. by score: whatever died `DEAD_TIMEOUT_SECONDS` (180 days) or longer ago goes; the bound is
 *    inclusive, as Ruby sends it (a bare float, not `(`-exclusive);
 * 2. by rank: `ZREMRANGEBYRANK dead 0 -DEAD_MAX_JOBS`, which keeps the newest 9,999 (Sidekiq's
 *    off-by-one, kept so that both fleets trim to the same size).
 *
 * The worker's deaths, the API's kills and the UTF-8 quarantine script all take their bounds from
 * here; the Lua scripts receive them as ARGV rather than computing their own.
 */
import type { RedisCommand } from "../redis/types";
import { scoreText } from "./clock";
import type { Keys } from "./keys";

export const DEAD_MAX_JOBS = 10_000;
export const DEAD_TIMEOUT_SECONDS = 180 * 24 * 60 * 60;

/**
 * A death at `nowMs`: its score and the two trim bounds (the `ZREMRANGEBYSCORE` max and the
 * `ZREMRANGEBYRANK` stop), in the order the scripts take them as ARGV[1..3].
 */
export function deadTrimArgs(nowMs: number): [score: string, maxScore: string, rankStop: number] {
  const now = nowMs / 1000;
  return [scoreText(now), scoreText(now - DEAD_TIMEOUT_SECONDS), -DEAD_MAX_JOBS];
}

/** Adds one exact payload string to `dead` and trims, as commands for one MULTI. */
export function deadCommands(keys: Keys, json: string, nowMs: number): RedisCommand[] {
  const [score, maxScore, rankStop] = deadTrimArgs(nowMs);
  return [
    ["zadd", keys.dead, score, json],
    ["zremrangebyscore", keys.dead, "-inf", maxScore],
    ["zremrangebyrank", keys.dead, 0, rankStop],
  ];
}
