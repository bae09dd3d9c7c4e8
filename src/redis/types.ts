/**
 * The one narrow door to Redis (Sidekiq's `redis_client_adapter.rb` USED_COMMANDS, Upstash's
 * `Requester`). Commands are data — arrays — so `multi` and `pipeline` need no mirrored API, and the
 * same interface fits a TCP client (ioredis) and an HTTP one (@upstash/redis: one request per multi).
 *
 * Edge-safe: Web APIs only.
 */
import { RedisReplyError } from "../core/errors";

/** A command argument. Numbers are sent as their decimal text. */
export type RedisArg = string | number;

/** A raw reply, RESP2-shaped. Bulk strings stay strings; nothing is JSON-parsed here. */
export type RedisReply = string | number | null | RedisReply[];

/** `[name, ...args]`, e.g. `["lpush", "queue:default", json]`. */
export type RedisCommand = readonly [name: string, ...args: RedisArg[]];

/** A Lua script with its precomputed SHA-1 (see `src/redis/scripts/index.gen.ts`). */
export interface LuaScript {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
  readonly sha1: string;
}

/** What every transport implements; all that edge code may use. */
export interface RedisClient {
  /**
   * "tcp" when each command is cheap (a socket write): the client then sends a single push as one
   * script call. Over REST (or when absent) a push is one MULTI, which is one `/multi-exec`.
   */
  readonly transport?: "tcp" | "rest";
  /** One command, one round trip. Rejects with the Redis error text on an error reply. */
  call(command: RedisCommand): Promise<RedisReply>;
  /** MULTI/EXEC in one round trip: atomic; one reply per command. Rejects if any command failed. */
  multi(commands: readonly RedisCommand[]): Promise<RedisReply[]>;
  /** One round trip, not atomic (Sidekiq's `pipelined`). Rejects if any command failed. */
  pipeline(commands: readonly RedisCommand[]): Promise<RedisReply[]>;
  /** EVALSHA with the precomputed sha1; on a NOSCRIPT reply, EVAL once. */
  evalScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly RedisArg[],
  ): Promise<RedisReply>;
}

/**
 * What the worker needs on top: blocking commands on connections of their own (a blocked socket
 * stalls every command queued behind it), and a way to close everything. TCP only.
 */
export interface BlockingRedisClient extends RedisClient {
  /**
   * Runs a blocking command (BLMOVE, BRPOP…) on a dedicated connection. `lane` names the
   * connection: calls with the same lane share one socket, different lanes block independently.
   */
  blocking(command: RedisCommand, lane?: string): Promise<RedisReply>;
  /** Closes every connection this client opened (not one the user passed in). */
  close(): Promise<void>;
}

/** Whether `value` has a function under each of these names: the shape checks of the guards below. */
export function hasMethods(value: unknown, ...names: string[]): boolean {
  const v = value as Record<string, unknown> | null;
  return !!v && names.every((name) => typeof v[name] === "function");
}

export function isRedisClient(value: unknown): value is RedisClient {
  return hasMethods(value, "call", "multi", "pipeline", "evalScript");
}

export function isBlockingRedisClient(value: unknown): value is BlockingRedisClient {
  return isRedisClient(value) && hasMethods(value, "blocking", "close");
}

/** EVALSHA through `call`; on a NOSCRIPT reply (the script cache was flushed), EVAL once. */
export async function evalWithFallback(
  call: (command: RedisCommand) => Promise<RedisReply>,
  script: LuaScript,
  keys: readonly string[],
  args: readonly RedisArg[],
): Promise<RedisReply> {
  try {
    return await call(["evalsha", script.sha1, keys.length, ...keys, ...args]);
  } catch (err) {
    if (!(err instanceof RedisReplyError && err.redisCode === "NOSCRIPT")) throw err;
    return call(["eval", script.lua, keys.length, ...keys, ...args]);
  }
}
