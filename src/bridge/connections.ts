/**
 * Per-token connection pools. Each token gets connections of its own, created on its first
 * request, so one token's traffic never waits behind another's and a token can be bound to its
 * own Redis (through a factory). Requests round-robin over a token's pool; a MULTI/EXEC runs on
 * one connection (ioredis writes MULTI...EXEC contiguously, so nothing interleaves).
 *
 * Connections must speak RESP2 (maps and sets as flat arrays, doubles as strings: the shape the
 * Upstash protocol returns) and carry no ioredis `keyPrefix` (the bridge passes keys through as
 * given and checks scopes on exactly those keys). ioredis is imported as a type only.
 */
import type { Redis } from "ioredis";
import { ConfigError } from "../core/errors";
import type { BridgeToken } from "./tokens";

/** The slice of an ioredis connection the bridge uses. */
export type BridgeConnection = Pick<Redis, "callBuffer" | "multi" | "pipeline" | "disconnect"> & {
  options?: { protocol?: number; keyPrefix?: string };
};

/** An ioredis instance whose settings (host, db, TLS, ACL user) each token's pool copies. */
export type BridgeConnectionTemplate = Pick<Redis, "duplicate">;

/**
 * An ioredis instance (each token gets `duplicate()`s of it, forced to RESP2 with no key prefix;
 * the instance itself is never used or closed), or a factory called for each pooled connection
 * (e.g. `(token) => new Redis(urlFor(token), { protocol: 2 })`; the bridge closes what it returns).
 */
export type BridgeRedis = BridgeConnectionTemplate | ((token: BridgeToken) => BridgeConnection);

export class ConnectionPools {
  readonly #source: BridgeRedis;
  readonly #size: number;
  readonly #commandTimeoutMs: number | undefined;
  readonly #pools = new Map<string, { conns: BridgeConnection[]; next: number }>();

  constructor(source: BridgeRedis, size: number, commandTimeoutMs?: number) {
    if (typeof source !== "function" && typeof source?.duplicate !== "function") {
      throw new ConfigError("bridge: `redis` must be an ioredis instance or a connection factory");
    }
    if (!Number.isInteger(size) || size < 1) {
      throw new ConfigError(`bridge: poolSize must be a positive integer, got ${size}`);
    }
    this.#source = source;
    this.#size = size;
    this.#commandTimeoutMs = commandTimeoutMs;
  }

  /** The next connection of this token's pool, creating the pool on first use. */
  get(token: BridgeToken): BridgeConnection {
    let pool = this.#pools.get(token.name);
    if (!pool) {
      pool = { conns: [], next: 0 };
      for (let i = 0; i < this.#size; i++) pool.conns.push(this.#open(token));
      this.#pools.set(token.name, pool);
    }
    const conn = pool.conns[pool.next % pool.conns.length]!;
    pool.next = (pool.next + 1) % pool.conns.length;
    return conn;
  }

  #open(token: BridgeToken): BridgeConnection {
    const source = this.#source;
    if (typeof source !== "function") {
      const override: Record<string, unknown> = { protocol: 2, keyPrefix: "" };
      if (this.#commandTimeoutMs !== undefined) override.commandTimeout = this.#commandTimeoutMs;
      return source.duplicate(override as never) as BridgeConnection;
    }
    const conn = source(token);
    if (conn.options?.protocol === 3) {
      conn.disconnect();
      throw new ConfigError(
        "bridge: connections must speak RESP2; create them with `{ protocol: 2 }` (ioredis 6 defaults to RESP3)",
      );
    }
    if (conn.options?.keyPrefix) {
      conn.disconnect();
      throw new ConfigError("bridge: connections must not have an ioredis keyPrefix");
    }
    return conn;
  }

  /** Disconnects every connection the pools opened. */
  async close(): Promise<void> {
    const conns = [...this.#pools.values()].flatMap((p) => p.conns);
    this.#pools.clear();
    for (const conn of conns) conn.disconnect();
  }
}
