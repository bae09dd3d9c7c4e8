/**
 * Judges a request's commands against a token's scope before any of them reaches Redis:
 *
 * - `enqueue`: exactly what a Sidekiq push needs and nothing else: SADD on `queues`, LPUSH on
 *   `queue:<name>`, ZADD on `schedule`, and edgekiq's idempotent and unique push scripts and
 *   periodic tick script (EVALSHA by their SHA-1, or EVAL of that exact text; the unique one may
 *   also set `edgekiq:unique:<digest>` locks and count duplicates) with each key in its expected
 *   place, and the batch script's "add" (a batch created from the edge), all under the token's
 *   namespace; queue names are bounded by `queue-gate.ts`. It cannot read, delete or run any
 *   other script.
 * - `queues` (on an `enqueue` or `read` token): every queue name a request touches must be one of
 *   them: SADD members, `queue:<name>` keys, the push script's names and each job's own
 *   `"queue"` (every duplicate key of it; a job without one would land in `default`), so a ZADD to
 *   `schedule` whose member names another queue is refused, in a pipeline or MULTI as alone. A
 *   queue-limited `read` token reads `queues`, `processes`, `stat:*` and its own `queue:<name>`
 *   lists only (the sorted sets and process hashes hold every queue's jobs).
 * - `read`: read-only commands on Sidekiq's keys only (`queues`, `queue:*`, `schedule`, `retry`,
 *   `dead`, `processes`, `stat:*`, the metrics keys, and the hashes of processes listed in
 *   `processes`) and edgekiq's batch, result and progress keys, under the token's namespace when
 *   it has one. No key discovery (KEYS, SCAN, RANDOMKEY, DBSIZE), no INFO, no scripts.
 * - `admin`: every command the bridge supports; of scripts, only edgekiq's own (by SHA-1, or EVAL
 *   of their exact text), unless the token has `rawScripting` (a script can run any command,
 *   SELECT included, so it reaches every database).
 * - explicit: the listed commands (`@read` = every read-only command), every key matching one of
 *   the patterns, scripts only by listed SHA-1.
 *
 * A check returns undefined when the request may run, else the NOPERM message for a 403. Checks
 * that need Redis (is this queue new? is this a live process's hash?) ask it once per request.
 */
import { digestHex } from "../core/bytes";
import { Keys } from "../core/keys";
import { PERIODIC_NAME } from "../core/periodic/entry";
import {
  PERIODIC_RUNS_KEPT,
  periodicRegistryKey,
  periodicRunsKey,
  periodicStateKey,
} from "../core/periodic/tick";
import * as edgekiqScripts from "../redis/scripts/index.gen";
import type { LuaScript } from "../redis/types";
import type { ParsedCommand } from "./command-parser";
import { commandInfo } from "./commands";
import {
  FAST_JOB_CHARS,
  jobQueues,
  jobQueuesFast,
  type Lookup,
  NOT_A_QUEUE_NAME,
  QueueGate,
} from "./queue-gate";
import { TimeSlice } from "./time-slice";
import type { BridgeToken } from "./tokens";

export type { Lookup } from "./queue-gate";

/** A scope compiled once per token. */
export type ScopeCheck = (
  commands: readonly ParsedCommand[],
  lookup: Lookup,
) => Promise<string | undefined>;

export interface ScopeOptions {
  /** New queue names an `enqueue` token may add over the life of the bridge. */
  maxNewQueues: number;
}

export function compileScope(token: BridgeToken, options: ScopeOptions): ScopeCheck {
  const scope = token.scope;
  if (scope === "admin") return adminScope(token.rawScripting === true);
  const queues = token.queues ? new Set(token.queues) : undefined;
  if (scope === "enqueue") {
    return enqueueScope(new Keys(token.namespace), options.maxNewQueues, queues);
  }
  if (scope === "read") return readScope(new Keys(token.namespace), queues);
  return explicitScope(scope.commands, scope.keys, scope.scripts);
}

function denied(name: string, why = ""): string {
  return `NOPERM this token has no permissions to run the '${name}' command${why}`;
}

// --- scripts ---------------------------------------------------------------------------------

/** Commands that run or manage server-side code. */
const SCRIPTING = new Set([
  "eval",
  "evalsha",
  "eval_ro",
  "evalsha_ro",
  "fcall",
  "fcall_ro",
  "script",
  "function",
]);

/** The SHA-1s of every Lua script edgekiq sends (the client's, the worker's, the API's). */
const EDGEKIQ_SCRIPTS: ReadonlySet<string> = new Set(
  Object.values(edgekiqScripts as Record<string, LuaScript>).map((s) => s.sha1),
);

/**
 * Why a scripting command is refused, or undefined (also for commands that are not scripting):
 * EVAL/EVALSHA (and their _RO forms) and SCRIPT LOAD only for the SHA-1s in `shas`, SCRIPT EXISTS
 * always; FCALL, FUNCTION and the other SCRIPT subcommands only with `raw`.
 */
async function scriptDenial(
  { name, args }: ParsedCommand,
  shas: ReadonlySet<string>,
  raw: boolean,
  why: string,
): Promise<string | undefined> {
  if (raw || !SCRIPTING.has(name)) return undefined;
  switch (name) {
    case "eval":
    case "eval_ro":
      return shas.has(await digestHex("SHA-1", args[0] ?? "")) ? undefined : denied(name, why);
    case "evalsha":
    case "evalsha_ro":
      return shas.has((args[0] ?? "").toLowerCase()) ? undefined : denied(name, why);
    case "script": {
      const sub = (args[0] ?? "").toLowerCase();
      if (sub === "exists") return undefined;
      if (sub === "load" && shas.has(await digestHex("SHA-1", args[1] ?? ""))) return undefined;
      return denied(`script ${sub}`, why);
    }
    default:
      return denied(name, why);
  }
}

// --- admin -----------------------------------------------------------------------------------

function adminScope(raw: boolean): ScopeCheck {
  const why = ' (only edgekiq\'s own scripts; others need a token with "rawScripting": true)';
  return async (commands) => {
    for (const command of commands) {
      if (!SCRIPTING.has(command.name)) continue;
      const refusal = await scriptDenial(command, EDGEKIQ_SCRIPTS, raw, why);
      if (refusal) return refusal;
    }
    return undefined;
  };
}

// --- enqueue ---------------------------------------------------------------------------------

function enqueueScope(
  keys: Keys,
  maxNewQueues: number,
  allowed: ReadonlySet<string> | undefined,
): ScopeCheck {
  const gate = new QueueGate(keys.queues, maxNewQueues);
  const queuePrefix = keys.queue("");
  const markerPrefix = keys.pushed("");
  const queueOf = (k: string | undefined) =>
    k !== undefined && k.length > queuePrefix.length && k.startsWith(queuePrefix)
      ? k.slice(queuePrefix.length)
      : undefined;
  const isMarker = (k: string | undefined) =>
    k !== undefined && k.length > markerPrefix.length && k.startsWith(markerPrefix);
  const outside = " on keys outside the queue keys";

  const lockPrefix = `${keys.prefix}edgekiq:unique:`;
  const duplicatesKey = `${lockPrefix}duplicates`;
  const isLock = (k: string | undefined) =>
    k !== undefined &&
    k !== duplicatesKey &&
    /^[0-9a-f]{64}$/.test(k.slice(lockPrefix.length)) &&
    k.startsWith(lockPrefix);

  /**
   * The unique push (src/redis/scripts/push-unique.lua): keys queues, schedule, the duplicates
   * counter, then (lock or queue key, queue key) per job; ARGV (queue name, score, job, lock) per
   * job. Every queue it names passes the same gate as a plain push.
   */
  const checkUniquePush = (
    args: readonly string[],
    names: Set<string>,
    jobs: string[],
  ): string | undefined => {
    const n = Number(args[1]);
    const scriptKeys = args.slice(2, 2 + n);
    const argv = args.slice(2 + n);
    const count = (n - 3) / 2;
    const ok =
      /^\d+$/.test(args[1] ?? "") &&
      n >= 5 &&
      Number.isInteger(count) &&
      scriptKeys.length === n &&
      argv.length === 4 * count &&
      scriptKeys[0] === keys.queues &&
      scriptKeys[1] === keys.schedule &&
      scriptKeys[2] === duplicatesKey;
    if (!ok) return denied("evalsha", outside);
    for (let i = 0; i < count; i++) {
      const lockOrQueue = scriptKeys[3 + 2 * i];
      const queue = queueOf(scriptKeys[4 + 2 * i]);
      const queueName = argv[4 * i]!;
      // The queue key, the queue name and the job's own "queue" must agree (checked by the gate
      // below through `names`); the lock slot is a lock key or the job's queue key again.
      if (queue === undefined || queue !== queueName) return denied("evalsha", outside);
      if (lockOrQueue !== scriptKeys[4 + 2 * i] && !isLock(lockOrQueue)) {
        return denied("evalsha", outside);
      }
      names.add(queue);
      jobs.push(argv[4 * i + 2]!);
    }
    return undefined;
  };

  /** Checks one command; collects the queue names and job payloads it carries. */
  const check = async (
    { name, args }: ParsedCommand,
    names: Set<string>,
    jobs: string[],
  ): Promise<string | undefined> => {
    switch (name) {
      case "sadd":
        if (args[0] !== keys.queues) return denied(name, outside);
        for (const queue of args.slice(1)) names.add(queue);
        return undefined;
      case "lpush": {
        const queue = queueOf(args[0]);
        if (queue === undefined) return denied(name, outside);
        names.add(queue);
        jobs.push(...args.slice(1));
        return undefined;
      }
      case "zadd":
        if (args[0] !== keys.schedule) return denied(name, outside);
        jobs.push(...zaddMembers(args));
        return undefined;
      case "evalsha":
      case "eval": {
        const sha =
          name === "eval" ? await digestHex("SHA-1", args[0] ?? "") : args[0]?.toLowerCase();
        if (sha === edgekiqScripts.batchStep.sha1) return batchAdd(args.slice(1), names, jobs);
        if (sha === edgekiqScripts.periodicTick.sha1) {
          return periodicTickDenial(name, args, keys, queueOf, names, jobs);
        }
        if (sha === edgekiqScripts.pushUnique.sha1) return checkUniquePush(args, names, jobs);
        if (sha !== edgekiqScripts.pushIdempotent.sha1) {
          return denied(name, " (only the push, batch and periodic tick scripts)");
        }
        // Keys: queues, schedule, then (marker, queue) pairs; after them ARGV: the marker TTL,
        // then (queue name, score, job) per job (src/redis/scripts/push-idempotent.lua).
        const n = Number(args[1]);
        const scriptKeys = args.slice(2, 2 + n);
        const argv = args.slice(2 + n);
        const ok =
          /^\d+$/.test(args[1] ?? "") &&
          n >= 2 &&
          n % 2 === 0 &&
          scriptKeys.length === n &&
          scriptKeys[0] === keys.queues &&
          scriptKeys[1] === keys.schedule &&
          scriptKeys.every((k, i) => i < 2 || (i % 2 === 0 ? isMarker(k) : queueOf(k)));
        if (!ok) return denied(name, outside);
        for (let i = 2; i < n; i += 2) names.add(queueOf(scriptKeys[i + 1])!);
        for (let i = 1; i < argv.length; i += 3) {
          names.add(argv[i]!);
          if (argv[i + 2] !== undefined) jobs.push(argv[i + 2]!);
        }
        return undefined;
      }
      default:
        return denied(name);
    }
  };

  /**
   * The batch script's "add" (creating a batch from the edge: its jobs and callbacks pushed in
   * one step, src/redis/scripts/batch-step.lua), under this token's prefix, with no keys; its
   * queue names and jobs go through the same gate as a push's. Nothing else of that script.
   */
  const batchAdd = (args: readonly string[], names: Set<string>, jobs: string[]) => {
    const refused = denied("evalsha", " (of the batch script, only its add)");
    if (args[0] !== "0" || args[1] !== "add" || args[2] !== keys.prefix) return refused;
    const argv = args.slice(1);
    const m = Number(argv[5]);
    if (!Number.isInteger(m) || m < 0) return refused;
    let i = 6;
    for (let k = 0; k < m; k++, i += 2) {
      const field = argv[i] ?? "";
      if (field.startsWith("cbq_")) names.add(argv[i + 1] ?? "");
      else if (field.startsWith("cb_")) jobs.push(argv[i + 1] ?? "");
    }
    const n = Number(argv[i]);
    if (!Number.isInteger(n) || n < 0 || argv.length !== i + 1 + 3 * n) return refused;
    for (i += 1; i < argv.length; i += 3) {
      names.add(argv[i + 1]!);
      jobs.push(argv[i + 2]!);
    }
    return undefined;
  };

  return async (commands, lookup) => {
    const names = new Set<string>();
    const jobs: string[] = [];
    for (const command of commands) {
      const refusal = await check(command, names, jobs);
      if (refusal) return refusal;
    }
    // A job's own "queue" is where a retry or the scheduler will push it later. Most jobs are
    // read by the fast read (no promise per job); the clock is checked every FAST_JOB_CHARS read.
    const slice = new TimeSlice();
    let read = 0;
    for (const job of jobs) {
      const queues = jobQueuesFast(job) ?? (await jobQueues(job, slice));
      if (queues === NOT_A_QUEUE_NAME) return `NOPERM a job's "queue" must be a string`;
      for (const queue of queues) names.add(queue);
      // Sidekiq pushes a job without a "queue" to `default` when its time comes.
      if (allowed && queues.length === 0) names.add("default");
      read += job.length;
      if (read > FAST_JOB_CHARS) {
        read = 0;
        await slice.pause();
      }
    }
    if (allowed) {
      for (const name of names) {
        if (!allowed.has(name)) return queueDenied(name);
      }
    }
    return gate.admit(names, lookup);
  };
}

function queueDenied(name: string): string {
  // The name is the caller's own input, cut short; it is not a secret.
  return `NOPERM this token may not use the queue "${name.slice(0, 128)}"`;
}

/** How far ahead of the bridge's clock a periodic tick may be (a sender's clock may be fast). */
const PERIODIC_TICK_LEAD_MS = 5 * 60_000;

/**
 * An `enqueue` token's call of the periodic tick script (src/redis/scripts/periodic-tick-5.lua,
 * what `cronTick` sends): the five keys in their places for one entry name, numbers where numbers
 * go, ticks no later than a few minutes from now (so a token cannot push an entry's marker years
 * ahead and silence it), a bounded run log, and jobs whose queues pass the queue gate.
 */
function periodicTickDenial(
  name: string,
  args: readonly string[],
  keys: Keys,
  queueOf: (k: string | undefined) => string | undefined,
  names: Set<string>,
  jobs: string[],
): string | undefined {
  const [numKeys, kQueues, kQueue, kState, kRuns, kRegistry] = args.slice(1, 7);
  const argv = args.slice(7);
  const [entry, queue, floor, keep, def, until, now] = argv;
  const queueName = queueOf(kQueue);
  const integer = /^\d{1,16}$/;
  const ok =
    numKeys === "5" &&
    kQueues === keys.queues &&
    queueName !== undefined &&
    queue === queueName &&
    entry !== undefined &&
    PERIODIC_NAME.test(entry) &&
    kState === periodicStateKey(keys, entry) &&
    kRuns === periodicRunsKey(keys, entry) &&
    kRegistry === periodicRegistryKey(keys) &&
    /^-?\d{1,16}$/.test(floor ?? "") &&
    integer.test(keep ?? "") &&
    Number(keep) >= 1 &&
    Number(keep) <= PERIODIC_RUNS_KEPT &&
    def !== undefined &&
    (until === "" || integer.test(until ?? "")) &&
    integer.test(now ?? "") &&
    (argv.length - 7) % 3 === 0;
  if (!ok) return denied(name, " (periodic tick: keys or arguments out of place)");
  const latest = Date.now() + PERIODIC_TICK_LEAD_MS;
  for (let i = 7; i < argv.length; i += 3) {
    if (!integer.test(argv[i]!) || Number(argv[i]) > latest) {
      return denied(name, " (periodic tick: a tick must be a time no later than now)");
    }
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(argv[i + 1]!)) {
      return denied(name, " (periodic tick: bad jid)");
    }
    jobs.push(argv[i + 2]!);
  }
  names.add(queueName);
  return undefined;
}

/** ZADD's members: after the key and any flags (NX, XX, GT, LT, CH, INCR), every second value. */
function zaddMembers(args: readonly string[]): string[] {
  let i = 1;
  while (i < args.length && ZADD_FLAGS.has(args[i]!.toLowerCase())) i++;
  const members: string[] = [];
  for (i += 1; i < args.length; i += 2) members.push(args[i]!);
  return members;
}
const ZADD_FLAGS = new Set(["nx", "xx", "gt", "lt", "ch", "incr"]);

// --- read ------------------------------------------------------------------------------------

/** Read-only commands that discover keys or describe the server rather than read a value. */
const DISCOVERY = new Set(["keys", "scan", "randomkey", "dbsize", "info", "lastsave", "pubsub"]);

/** A command `read` (and `@read`) may run, keys aside. */
function isPlainRead(name: string): boolean {
  return commandInfo(name)?.read === true && !DISCOVERY.has(name) && !SCRIPTING.has(name);
}

function readScope(keys: Keys, allowed: ReadonlySet<string> | undefined): ScopeCheck {
  if (allowed) return queueReadScope(keys, allowed);
  const prefix = keys.prefix;
  const exact = new Set([
    keys.queues,
    keys.schedule,
    keys.retry,
    keys.dead,
    keys.processes,
    `${prefix}edgekiq:batches`,
  ]);
  // Also what edgekiq/api reads beyond Sidekiq: batches, job results and progress (their data
  // is no more sensitive than the queued jobs this token already reads).
  const prefixes = [
    keys.queue(""),
    `${prefix}stat:`,
    `${prefix}j|`,
    `${prefix}edgekiq:b-`,
    `${prefix}edgekiq:result:`,
    `${prefix}edgekiq:progress:`,
  ];
  /** Sidekiq 7's histogram of one class and minute: `<Class>-DD-HH:M` (core/keys.ts). */
  const histogram = /-\d\d-\d\d:\d\d?$/;
  const isSidekiqKey = (k: string) =>
    exact.has(k) ||
    prefixes.some((p) => k.length > p.length && k.startsWith(p)) ||
    (k.length > prefix.length && k.startsWith(prefix) && histogram.test(k));
  /** The process identities whose hash (or work hash) this key would be. */
  const identitiesOf = (k: string): string[] => {
    if (!k.startsWith(prefix) || k.length === prefix.length) return [];
    const rest = k.slice(prefix.length);
    const ids = [rest];
    for (const suffix of [":work", ":workers"]) {
      if (rest.endsWith(suffix) && rest.length > suffix.length)
        ids.push(rest.slice(0, -suffix.length));
    }
    return ids;
  };
  const outside = " on keys outside Sidekiq's";

  return async (commands, lookup) => {
    // Keys that can only be process hashes: allowed if one of their identities is a member of
    // `processes` (asked once for the whole request).
    const pending: { name: string; ids: string[] }[] = [];
    for (const { name, args } of commands) {
      if (!isPlainRead(name)) return denied(name);
      const commandKeys = commandInfo(name)!.keys(args);
      if (commandKeys === undefined) return denied(name, " (its keys cannot be checked)");
      for (const k of commandKeys) {
        if (isSidekiqKey(k)) continue;
        const ids = identitiesOf(k);
        if (ids.length === 0) return denied(name, outside);
        pending.push({ name, ids });
      }
    }
    if (pending.length === 0) return undefined;
    const asked = [...new Set(pending.flatMap((p) => p.ids))];
    const replies = await lookup(asked.map((id) => ["sismember", keys.processes, id]));
    const live = new Set(asked.filter((_, i) => Number(replies[i]) === 1));
    const stray = pending.find((p) => !p.ids.some((id) => live.has(id)));
    return stray ? denied(stray.name, outside) : undefined;
  };
}

/** A `read` token limited to some queues: their lists, the queue set, process ids and stats. */
function queueReadScope(keys: Keys, allowed: ReadonlySet<string>): ScopeCheck {
  const exact = new Set([keys.queues, keys.processes, ...[...allowed].map((q) => keys.queue(q))]);
  const stat = `${keys.prefix}stat:`;
  return async (commands) => {
    for (const { name, args } of commands) {
      if (!isPlainRead(name)) return denied(name);
      const commandKeys = commandInfo(name)!.keys(args);
      if (commandKeys === undefined) return denied(name, " (its keys cannot be checked)");
      for (const k of commandKeys) {
        if (exact.has(k) || (k.length > stat.length && k.startsWith(stat))) continue;
        return denied(name, " on keys outside this token's queues");
      }
    }
    return undefined;
  };
}

// --- explicit --------------------------------------------------------------------------------

function explicitScope(
  commands: readonly string[],
  patterns: readonly string[] | undefined,
  scripts: readonly string[] | undefined,
): ScopeCheck {
  const allowed = new Set(commands);
  const anyRead = allowed.has("@read");
  const matchers = patterns?.map(globToRegExp);
  const shas = new Set(
    (scripts ?? []).map((s) => (s === "push-idempotent" ? edgekiqScripts.pushIdempotent.sha1 : s)),
  );
  const why = " (script not in this token's list)";
  return async (list) => {
    for (const command of list) {
      const { name, args } = command;
      if (!allowed.has(name) && !(anyRead && isPlainRead(name))) return denied(name);
      const refusal = await scriptDenial(command, shas, false, why);
      if (refusal) return refusal;
      if (!matchers) continue;
      const keys = commandInfo(name)?.keys(args);
      if (keys === undefined) return denied(name, " (its keys cannot be checked)");
      if (!keys.every((k) => matchers.some((m) => m.test(k)))) {
        return denied(name, " on keys outside this token's patterns");
      }
    }
    return undefined;
  };
}

/** `queue:*` -> /^queue:[\s\S]*$/; `?` is one character; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const ch of glob) {
    if (ch === "*") source += "[\\s\\S]*";
    else if (ch === "?") source += "[\\s\\S]";
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "u");
}
