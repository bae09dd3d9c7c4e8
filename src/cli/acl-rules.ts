/**
 * The Redis ACL rules of each edgekiq role, as `ACL SETUSER` arguments (Redis 7+: `%R~`/`%W~`
 * read-only and write-only key patterns). What each role may touch, and why:
 *
 * - worker: its queues read-write (it fetches with LMOVE/BLMOVE); every other queue LPUSH/RPUSH
 *   only, write-only (a selector), since the scheduler moves due jobs of any queue onto that
 *   queue and retries may go to `retry_queue`; `schedule`, `retry`, `dead` (every queue's jobs: the scheduler and retries need
 *   them), the heartbeat (`processes`, the process hashes `<host>:<pid>:<nonce>`, their `:work`,
 *   `:workers` and `-signals` keys), counters and metrics, and edgekiq's own keys (`edgekiq:*`:
 *   in-progress lists, unique locks, limiters, paused queues, periodic markers, batches).
 * - dashboard (read-only): read-only commands on Sidekiq's and edgekiq's keys, read-only key
 *   patterns, and
 *   the process-list cleanup every Sidekiq dashboard does (SET `process_cleanup`, SREM
 *   `processes`).
 * - admin dashboard: reads and writes (delete, retry, kill, signals) on Sidekiq's keys.
 * - enqueue: SADD `queues`, LPUSH its queues, ZADD `schedule`, SET of edgekiq's idempotency
 *   markers, each command on its own keys only and write-only (one selector each), and
 *   edgekiq's push scripts, whose every inner call the same selectors check: it cannot read a job
 *   back, nor SET or DEL a queue.
 *
 * No role gets key discovery (KEYS, SCAN, RANDOMKEY), FLUSH*, CONFIG, DEBUG or other
 * `@dangerous` commands beyond INFO (client libraries' ready check).
 */

import { globEscape } from "../api/context";

export type AclRole = "worker" | "dashboard" | "admin" | "enqueue";
export const ACL_ROLES: readonly AclRole[] = ["worker", "dashboard", "admin", "enqueue"];

export interface AclOptions {
  /** Queues the worker fetches from and the enqueue user pushes to; none: every queue. */
  queues?: readonly string[];
  /** Sidekiq 6 redis-namespace prefix. */
  namespace?: string;
}

/** Commands every client connection sends: handshake, database, ready check, transactions. */
const CONNECTION = [
  "+ping",
  "+echo",
  "+hello",
  "+auth",
  "+select",
  "+info",
  "+client|setname",
  "+client|getname",
  "+client|id",
  "+multi",
  "+exec",
  "+discard",
  "+script|load",
  "+script|exists",
  "+evalsha",
  "+eval",
];

const WORKER_COMMANDS = [
  "+lpush",
  "+rpush",
  "+lpop",
  "+rpop",
  "+lrem",
  "+lrange",
  "+llen",
  "+lindex",
  "+lmove",
  "+blmove",
  "+rpoplpush",
  "+brpoplpush",
  "+sadd",
  "+srem",
  "+smembers",
  "+sismember",
  "+scard",
  "+sscan",
  "+zadd",
  "+zrem",
  "+zrange",
  "+zrangebyscore",
  "+zremrangebyscore",
  "+zremrangebyrank",
  "+zcard",
  "+zscore",
  "+hset",
  "+hmset",
  "+hget",
  "+hmget",
  "+hgetall",
  "+hdel",
  "+hincrby",
  "+hexists",
  "+exists",
  "+expire",
  "+del",
  "+unlink",
  "+get",
  "+set",
  "+mget",
  "+incrby",
  "+incr",
  "+bitfield",
  "+type",
  // edgekiq's features: unique locks, limiters, queue states, periodic ticks, batches, events.
  "+smismember",
  "+hsetnx",
  "+hlen",
  "+ltrim",
  "+persist",
  "+pexpire",
  "+ttl",
  "+time",
  "+zcount",
  "+xadd",
  "+mset",
];

/** Key patterns of the role, namespaced, in Redis glob syntax. */
function patterns(role: AclRole, options: AclOptions): string[] {
  const ns = options.namespace ? `${options.namespace}:` : "";
  const queueKeys = (options.queues ?? []).map((q) => `${ns}queue:${globEscape(q)}`);
  const anyQueue = `${ns}queue:*`;
  const sidekiq = [
    `${ns}queues`,
    `${ns}schedule`,
    `${ns}retry`,
    `${ns}dead`,
    `${ns}processes`,
    `${ns}process_cleanup`,
    `${ns}stat:*`,
    `${ns}j|*`,
    // Sidekiq 7 histograms, `<Class>-DD-HH:M`.
    `${ns}*-[0-3][0-9]-[0-2][0-9]:*`,
    // Process hashes `<host>:<pid>:<nonce>` and their `:work`, `:workers`, `-signals` keys.
    `${ns}*:[0-9]*:*`,
  ];
  switch (role) {
    case "worker": {
      const own = options.queues ? queueKeys : [anyQueue];
      return [
        ...own.map((k) => `~${k}`),
        ...sidekiq.map((k) => `~${k}`),
        // edgekiq's own keys: in-progress lists, unique locks, limiters, paused queues and caps,
        // periodic markers, batches, results and events.
        `~${ns}edgekiq:*`,
      ];
    }
    case "dashboard":
      return [anyQueue, ...sidekiq, `${ns}edgekiq:*`].map((k) => `%R~${k}`);
    case "admin":
      return [anyQueue, ...sidekiq, `${ns}edgekiq:*`].map((k) => `~${k}`);
    case "enqueue":
      // Only the scripts' declared keys; each inner call is checked by the selectors.
      return [
        `${ns}queues`,
        ...(options.queues ? queueKeys : [anyQueue]),
        `${ns}schedule`,
        `${ns}edgekiq:pushed:*`,
      ].map((k) => `~${k}`);
  }
}

/** Redis 7 selectors: extra (command, key) pairs a user may use besides its root rules. */
function selectors(role: AclRole, options: AclOptions): string[] {
  const ns = options.namespace ? `${options.namespace}:` : "";
  const queueKeys = options.queues
    ? options.queues.map((q) => `%W~${ns}queue:${globEscape(q)}`)
    : [`%W~${ns}queue:*`];
  switch (role) {
    case "worker":
      return options.queues ? [`(%W~${ns}queue:* +lpush +rpush)`] : [];
    case "enqueue":
      return [
        `(%W~${ns}queues +sadd)`,
        `(${queueKeys.join(" ")} +lpush)`,
        `(%W~${ns}schedule +zadd)`,
        `(%W~${ns}edgekiq:pushed:* +set)`,
      ];
    case "dashboard":
      // The one write a reading dashboard makes, as Sidekiq's does: once a minute it drops
      // processes whose heartbeat expired from `processes` (ProcessSet#cleanup).
      return [`(~${ns}process_cleanup +set)`, `(%W~${ns}processes +srem)`];
    default:
      return [];
  }
}

function commands(role: AclRole): string[] {
  switch (role) {
    case "worker":
      return ["-@all", ...CONNECTION, ...WORKER_COMMANDS];
    case "dashboard":
      // TIME: the Flow page reads limiters against Redis's clock.
      return [
        "-@all",
        "+@read",
        "-@dangerous",
        "-scan",
        "-keys",
        "-randomkey",
        "+time",
        ...CONNECTION,
      ];
    case "admin":
      return [
        "-@all",
        "+@read",
        "+@write",
        "-@dangerous",
        "-scan",
        "-keys",
        "-randomkey",
        "+time",
        ...CONNECTION,
      ];
    case "enqueue":
      // Root: no key command at all (the selectors have them); scripts run on declared keys.
      return ["-@all", ...CONNECTION];
  }
}

/**
 * One user's rules after `reset`: on, the password hash, keys, no channels, commands. The
 * password appears only as its SHA-256 (`#<hex>`), so printed rules hold no secret.
 */
export function aclRules(
  role: AclRole,
  passwordSha256: string,
  options: AclOptions = {},
): string[] {
  return [
    "on",
    `#${passwordSha256}`,
    ...patterns(role, options),
    "resetchannels",
    ...commands(role),
    ...selectors(role, options),
  ];
}
