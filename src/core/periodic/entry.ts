/**
 * A periodic table entry (issue 15): `periodic(name, cron, job, args?, options?)`. Edge-safe (Web
 * APIs and croner only), so one module can declare the table for the worker and for `cronTick`.
 *
 * Everything that can be wrong is found here, at definition time, with the entry's name in the
 * message: the name, the cron expression (5 or 6 fields, or a nickname such as `@hourly`), the
 * time zone (IANA), the class, the queue, the arguments (JSON-native) and the missed-tick policy.
 * The schedule is croner's: time zones and DST as cron does them (a 02:30 job runs once on both
 * DST days: at 03:00 when 02:30 does not exist, at the first 02:30 when it happens twice).
 */
import { Cron } from "croner";
import { isJobDefinition, type JobDefinition, type JobOptions } from "../define-job";
import { ConfigError } from "../errors";
import { assertJsonArgs, type RetryOption } from "../job";

/** What to do with ticks missed while nothing was ticking (every process down). */
export type MissedPolicy = "skip" | "all";

export interface PeriodicOptions {
  /** IANA time zone the cron is read in, e.g. "Europe/Berlin". Default: UTC. */
  tz?: string;
  /** Overrides the job definition's queue (default "default"). */
  queue?: string;
  /** Overrides the job definition's retry option. */
  retry?: RetryOption;
  /**
   * `"skip"` (default): after downtime, enqueue only the latest missed tick (sidekiq-cron's rule).
   * `"all"`: enqueue every missed tick, at most `maxMissed` of them (the latest ones).
   */
  missed?: MissedPolicy;
  /** The most missed ticks `missed: "all"` enqueues at once. Default 100. */
  maxMissed?: number;
}

export interface PeriodicEntry {
  readonly kind: "edgekiq.periodic";
  readonly name: string;
  readonly cron: string;
  /** The IANA zone, or undefined for UTC. */
  readonly tz: string | undefined;
  readonly class: string;
  readonly args: readonly unknown[];
  readonly queue: string;
  readonly missed: MissedPolicy;
  readonly maxMissed: number;
  /** The payload's Sidekiq options (the definition's, with `queue` and `retry` applied). */
  readonly jobOptions: Readonly<JobOptions>;
  /** The job definition, when one was given (its schema is checked once, before the first push). */
  readonly definition: JobDefinition<any, any> | undefined;
}

/** Entry names: they become Redis key suffixes and dashboard URLs. */
export const PERIODIC_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
export const DEFAULT_MAX_MISSED = 100;

const schedules = new WeakMap<PeriodicEntry, Cron>();

/** Declares one periodic entry; throws a ConfigError naming it if anything is wrong. */
export function periodic<D extends JobDefinition<any, any>>(
  name: string,
  cron: string,
  job: D | string,
  args: readonly unknown[] = [],
  options: PeriodicOptions = {},
): PeriodicEntry {
  const where = `periodic "${String(name)}"`;
  if (typeof name !== "string" || !PERIODIC_NAME.test(name)) {
    throw new ConfigError(`${where}: the name must be 1-128 letters, digits, '_', '-', '.' or ':'`);
  }
  const definition = isJobDefinition(job) ? job : undefined;
  const className = definition ? definition.name : job;
  if (typeof className !== "string" || className === "") {
    throw new ConfigError(`${where}: the job must be a job definition or a class name`);
  }
  if (!Array.isArray(args)) throw new ConfigError(`${where}: args must be an array`);
  try {
    assertJsonArgs(className, args as unknown[]);
  } catch (err) {
    throw new ConfigError(`${where}: ${(err as Error).message}`);
  }
  const { tz, missed = "skip", maxMissed = DEFAULT_MAX_MISSED } = options;
  if (missed !== "skip" && missed !== "all") {
    throw new ConfigError(`${where}: missed must be "skip" or "all", got ${String(missed)}`);
  }
  if (!Number.isInteger(maxMissed) || maxMissed < 1 || maxMissed > 10_000) {
    throw new ConfigError(`${where}: maxMissed must be an integer from 1 to 10000`);
  }
  const jobOptions: JobOptions = { retry: true, queue: "default", ...definition?.options };
  if (options.queue !== undefined) jobOptions.queue = options.queue;
  if (options.retry !== undefined) jobOptions.retry = options.retry;
  const queue = jobOptions.queue;
  if (typeof queue !== "string" || queue === "") {
    throw new ConfigError(`${where}: queue must be a non-empty string`);
  }
  const retry = jobOptions.retry;
  if (typeof retry !== "boolean" && !Number.isInteger(retry)) {
    throw new ConfigError(`${where}: retry must be true, false or an integer`);
  }
  const schedule = compileCron(where, cron, tz);
  const entry: PeriodicEntry = Object.freeze({
    kind: "edgekiq.periodic",
    name,
    cron,
    tz,
    class: className,
    args: Object.freeze([...args]),
    queue,
    missed,
    maxMissed,
    jobOptions: Object.freeze(jobOptions),
    definition,
  });
  schedules.set(entry, schedule);
  return entry;
}

export function isPeriodicEntry(value: unknown): value is PeriodicEntry {
  return (value as PeriodicEntry | null)?.kind === "edgekiq.periodic";
}

/** Parses `cron` in `tz` (checked first: croner only notices a bad zone when it computes). */
export function compileCron(where: string, cron: string, tz: string | undefined): Cron {
  if (typeof cron !== "string" || cron.trim() === "") {
    throw new ConfigError(`${where}: the cron expression must be a non-empty string`);
  }
  if (tz !== undefined && !isTimeZone(tz)) {
    throw new ConfigError(`${where}: unknown time zone "${String(tz)}" (expected an IANA name)`);
  }
  let schedule: Cron;
  try {
    schedule = new Cron(cron, { timezone: tz, mode: "5-or-6-parts", paused: true });
  } catch (err) {
    const why = (err as Error).message.replace(/^CronPattern: /, "");
    throw new ConfigError(`${where}: bad cron expression "${cron}": ${why}`);
  }
  if (schedule.nextRun(new Date(0)) === null) {
    throw new ConfigError(`${where}: the cron expression "${cron}" never fires`);
  }
  return schedule;
}

/** Whether Intl knows `tz` (croner itself only notices a bad zone when it computes a time). */
function isTimeZone(tz: unknown): boolean {
  if (typeof tz !== "string" || tz === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function scheduleOf(entry: PeriodicEntry): Cron {
  let schedule = schedules.get(entry);
  if (!schedule) {
    // An entry rebuilt elsewhere (e.g. copied): parse again, once.
    schedule = compileCron(`periodic "${entry.name}"`, entry.cron, entry.tz);
    schedules.set(entry, schedule);
  }
  return schedule;
}

/** The first tick strictly after `afterMs` (epoch ms), or undefined if there is none. */
export function nextTick(entry: PeriodicEntry, afterMs: number): number | undefined {
  return scheduleOf(entry).nextRun(new Date(afterMs))?.getTime();
}

/**
 * The ticks at or before `nowMs` that are due, ascending: the latest one for `missed: "skip"`,
 * the latest `maxMissed` for `"all"`; with `sinceMs` (the marker, when known), only ticks after it.
 */
export function dueTicks(entry: PeriodicEntry, nowMs: number, sinceMs?: number): number[] {
  const n = entry.missed === "all" ? entry.maxMissed : 1;
  const schedule = scheduleOf(entry);
  if (sinceMs !== undefined) {
    // Usually zero or one tick since the marker: walk forward from it, unless that goes past n.
    const out: number[] = [];
    let t = schedule.nextRun(new Date(sinceMs))?.getTime();
    while (t !== undefined && t <= nowMs && out.length <= n) {
      out.push(t);
      t = schedule.nextRun(new Date(t))?.getTime();
    }
    if (out.length <= n) return out.slice(-n);
  }
  // croner counts a run in the reference's own second only when the reference is past it.
  const runs = schedule.previousRuns(n, new Date(nowMs + 1));
  const out: number[] = [];
  for (let i = runs.length - 1; i >= 0; i--) {
    const t = runs[i]!.getTime();
    if (t <= nowMs && (sinceMs === undefined || t > sinceMs)) out.push(t);
  }
  return out;
}
