/**
 * The TCP transport: adapts an ioredis instance to `BlockingRedisClient`.
 *
 * ioredis is not imported at all (the slice we use is written out structurally), so this file is
 * edge-safe, the edge entry's declarations need no ioredis, and the user's own ioredis instance
 * (their TLS, Sentinel, ACL settings) is used as given. Blocking commands run on
 * `duplicate()`d connections, one per lane, created on first use and closed by `close()`.
 */
import { RedisReplyError } from "../core/errors";
import {
  type BlockingRedisClient,
  evalWithFallback,
  hasMethods,
  type RedisArg,
  type RedisCommand,
  type RedisReply,
} from "./types";

/** The slice of an ioredis instance we use, structurally: any ioredis 5/6 `Redis` fits. */
export interface IoredisLike {
  /** The connection state ("ready", "connecting"…); also what tells ioredis from other clients. */
  readonly status: string;
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  multi(): IoredisBatch;
  pipeline(): IoredisBatch;
  /** A new connection with the same options (for blocking commands). */
  duplicate(): IoredisLike;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** ioredis's `ChainableCommander`, as far as a MULTI or a pipeline needs it. */
export interface IoredisBatch {
  call(command: string, ...args: string[]): unknown;
  exec(): Promise<[error: Error | null, result: unknown][] | null>;
}

export interface IoredisAdapterOptions {
  /** Quit the main connection on `close()` (true when we created it, e.g. from a URL). */
  ownsConnection?: boolean;
}

export function isIoredis(value: unknown): value is IoredisLike {
  return (
    hasMethods(value, "call", "duplicate", "pipeline") &&
    typeof (value as { status?: unknown }).status === "string"
  );
}

export function fromIoredis(
  redis: IoredisLike,
  options: IoredisAdapterOptions = {},
): BlockingRedisClient {
  const lanes = new Map<string, IoredisLike>();
  const toArgs = (command: RedisCommand): [string, ...RedisArg[]] => [
    wireName(command[0]),
    ...command.slice(1),
  ];

  async function call(command: RedisCommand): Promise<RedisReply> {
    const [name, ...args] = toArgs(command);
    try {
      return (await redis.call(name, ...args)) as RedisReply;
    } catch (err) {
      throw wrap(err, name);
    }
  }

  async function batch(
    kind: "multi" | "pipeline",
    commands: readonly RedisCommand[],
  ): Promise<RedisReply[]> {
    if (commands.length === 0) return [];
    // `.call` per command, not `multi(list)`: the list form maps names onto ioredis methods,
    // which would undo `wireName`.
    const chain = redis[kind]();
    for (const c of commands) chain.call(...(toArgs(c).map(String) as [string, ...string[]]));
    let results: [Error | null, unknown][] | null;
    try {
      results = await chain.exec();
    } catch (err) {
      throw wrap(err, kind);
    }
    // A null result means the transaction was aborted (WATCH); we never WATCH, so treat as error.
    if (!results) throw new RedisReplyError(`${kind} was aborted`, kind);
    const replies: RedisReply[] = [];
    for (const [i, [err, reply]] of results.entries()) {
      if (err) throw wrap(err, commands[i]?.[0]);
      replies.push(reply as RedisReply);
    }
    return replies;
  }

  async function blocking(command: RedisCommand, lane = "default"): Promise<RedisReply> {
    let conn = lanes.get(lane);
    if (!conn) {
      conn = redis.duplicate();
      lanes.set(lane, conn);
    }
    const [name, ...args] = toArgs(command);
    try {
      return (await conn.call(name, ...args)) as RedisReply;
    } catch (err) {
      throw wrap(err, name);
    }
  }

  async function close(): Promise<void> {
    const conns = [...lanes.values()];
    lanes.clear();
    // disconnect() rather than quit(): a blocked BLMOVE would otherwise hold quit() until it times out.
    for (const c of conns) c.disconnect();
    if (options.ownsConnection) await redis.quit().catch(() => undefined);
  }

  return {
    transport: "tcp",
    call,
    multi: (c) => batch("multi", c),
    pipeline: (c) => batch("pipeline", c),
    evalScript: (script, keys, args) => evalWithFallback(call, script, keys, args),
    blocking,
    close,
  };
}

/**
 * ioredis turns an HGETALL reply into an object (its reply transformers are keyed on the
 * lower-case name); the door promises Redis's flat `[field, value, ...]`, so that name goes
 * upper-cased, which the lookup does not match. (The other transformers, for ZRANGE WITHSCORES
 * and friends, are what turn RESP3 pairs back into RESP2's flat shape, so they stay.)
 */
function wireName(name: string): string {
  return name === "hgetall" ? "HGETALL" : name;
}

/**
 * An error reply (ioredis's `ReplyError`, told apart by its class name since ioredis is not
 * imported here) becomes a `RedisReplyError` with Redis's own text (EXEC failures keep their
 * `EXECABORT`). Anything else (a closed connection, a timeout) is not a reply and is passed
 * through as it is, as the REST transport does.
 */
function wrap(err: unknown, command?: string): unknown {
  if (!(err instanceof Error) || err.name !== "ReplyError") return err;
  return new RedisReplyError(err.message, command);
}
