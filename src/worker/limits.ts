/**
 * How the processor applies limiters (limiter.ts) to a job: the handler runs within every limiter
 * of its registration and definition, and an over-limit job is rescheduled (ZADD to `schedule`
 * with `edgekiq_overlimit` counting the reschedules) instead of failing, with a backoff that grows
 * with the count, until `maxReschedules`, after which OverLimitError is an ordinary failure.
 * The payload is edited in place (RawJsonObject), never re-serialised.
 */
import { scoreText } from "../core/clock";
import type { JobPayload } from "../core/job";
import { RawJsonObject } from "../core/raw-json";
import type { RedisCommand } from "../redis/types";
import { type Limiter, OverLimitError } from "./limiter";
import type { Registration } from "./types";

export { OverLimitError };

/** Sidekiq Enterprise's default: 20 reschedules, then the job fails. */
export const DEFAULT_MAX_RESCHEDULES = 20;

/** Seconds before the n-th reschedule runs (n from 0): 1, 2, 4 … capped at 5 minutes, jittered. */
export function defaultOverLimitBackoff(n: number): number {
  return Math.min(300, 2 ** n) * (0.75 + Math.random() / 4);
}

/** Every limiter of a registration, or undefined (the common case, at no cost). */
export function limitsOf(reg: Registration): readonly Limiter[] | undefined {
  const own = reg.options.limits;
  const declared = reg.definition?.options.limits as readonly Limiter[] | undefined;
  if (!own?.length && !declared?.length) return undefined;
  return [...(declared ?? []), ...(own ?? [])];
}

/** Runs `fn` within every limiter, the first outermost. */
export function withinAll(limits: readonly Limiter[], fn: () => Promise<void>): Promise<void> {
  return limits.reduceRight<() => Promise<void>>((inner, l) => () => l.within(inner), fn)();
}

/** The reschedule of an over-limit job, or undefined once it has used its reschedules. */
export function overLimitPlan(
  reg: Registration | undefined,
  payload: JobPayload,
  json: string,
  scheduleKey: string,
  nowMs = Date.now(),
): { commands: RedisCommand[]; in: number } | undefined {
  const count = typeof payload.edgekiq_overlimit === "number" ? payload.edgekiq_overlimit : 0;
  if (count >= (reg?.options.maxReschedules ?? DEFAULT_MAX_RESCHEDULES)) return undefined;
  const delay = (reg?.options.overLimitBackoff ?? defaultOverLimitBackoff)(count);
  const raw = RawJsonObject.parse(json);
  raw.setRaw("edgekiq_overlimit", String(count + 1));
  const at = nowMs / 1000 + Math.max(0, delay);
  return { commands: [["zadd", scheduleKey, scoreText(at), raw.toString()]], in: delay };
}
