/**
 * Per-token connection pools. Each token gets connections of its own, created on its first
 * request, so one token's traffic never waits behind another's and a token can be bound to its
 * own Redis (through a factory). Requests round-robin over a token's pool; a MULTI/EXEC runs on
 * one connection (ioredis writes MULTI...EXEC contiguously, so nothing interleaves).
 *
 * Connections must speak RESP2 (maps and sets as flat arrays, doubles as strings: the shape the
 * Upstash protocol returns) and carry no ioredis `keyPrefix` (the bridge passes keys through as
 * given and checks scopes on exactly those keys). ioredis is imported as a type only.
 *
 * When Redis is down or does not answer (#13 item 4), a request must get a 502 in bounded time,
 * and a command the client was told failed must not run later behind its back:
 *
 * 1. `ready()` waits for a connection to be usable, at most until the request's deadline, then
 *    fails with `RedisUnavailableError` saying why (the last connection error, or "connected
 *    but not answering" for a server that accepts the socket and never replies);
 * 2. the connections the bridge copies never queue commands offline and never resend them after
 *    a reconnect (ioredis would otherwise run a refused request once Redis came back);
 * 3. every connection has an error listener (ioredis prints "Unhandled error event" for each
 *    failed reconnect otherwise); outages are reported by whoever owns the process (the CLI logs
 *    its own connection's outage once, and the recovery once);
 * 4. a connection that has ended for good is replaced on the next request.
 */
import type { Redis } from "ioredis";
import { ConfigError } from "../core/errors";
import type { BridgeToken } from "./tokens";

/** The slice of an ioredis connection the bridge uses. */
export type BridgeConnection = Pick<
  Redis,
  "callBuffer" | "multi" | "pipeline" | "disconnect" | "connect" | "on" | "once" | "off" | "status"
> & {
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

/** Redis could not be reached in time: the bridge answers 502. */
export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

export class ConnectionPools {
  readonly #source: BridgeRedis;
  readonly #size: number;
  readonly #pools = new Map<string, { conns: BridgeConnection[]; next: number }>();
  /** Why each connection last failed, for the 502's message. */
  readonly #lastError = new WeakMap<BridgeConnection, string>();

  constructor(source: BridgeRedis, size: number) {
    if (typeof source !== "function" && typeof source?.duplicate !== "function") {
      throw new ConfigError("bridge: `redis` must be an ioredis instance or a connection factory");
    }
    if (!Number.isInteger(size) || size < 1) {
      throw new ConfigError(`bridge: poolSize must be a positive integer, got ${size}`);
    }
    this.#source = source;
    this.#size = size;
  }

  /** The next connection of this token's pool, creating the pool on first use. */
  get(token: BridgeToken): BridgeConnection {
    let pool = this.#pools.get(token.name);
    if (!pool) {
      pool = { conns: [], next: 0 };
      for (let i = 0; i < this.#size; i++) pool.conns.push(this.#open(token));
      this.#pools.set(token.name, pool);
    }
    const at = pool.next;
    pool.next = (at + 1) % pool.conns.length;
    let conn = pool.conns[at]!;
    if (conn.status === "end") {
      // Closed for good (a retry strategy that gave up): a fresh one can still reach Redis.
      conn = pool.conns[at] = this.#open(token);
    }
    return conn;
  }

  /**
   * Resolves once `conn` can take commands; `RedisUnavailableError` after `timeoutMs`, or as soon
   * as the connection ends for good (its retry strategy gave up).
   */
  async ready(conn: BridgeConnection, timeoutMs: number): Promise<void> {
    if (conn.status === "ready") return;
    if (conn.status === "wait") conn.connect().catch(() => undefined); // lazyConnect
    const unavailable = (waited: string) => {
      const why =
        this.#lastError.get(conn) ??
        (conn.status === "connect" ? "connected, but Redis has not answered" : "not connected");
      return new RedisUnavailableError(`${why} (${waited})`);
    };
    if (conn.status === "end") throw unavailable("connection closed");
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onReady: (() => void) | undefined;
    let onEnd: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        onReady = resolve;
        onEnd = () => reject(unavailable("connection closed"));
        conn.once("ready", onReady);
        conn.once("end", onEnd);
        timer = setTimeout(
          () => reject(unavailable(`waited ${Math.round(timeoutMs)} ms`)),
          timeoutMs,
        );
      });
    } finally {
      clearTimeout(timer);
      if (onReady) conn.off("ready", onReady);
      if (onEnd) conn.off("end", onEnd);
    }
  }

  #open(token: BridgeToken): BridgeConnection {
    const source = this.#source;
    let conn: BridgeConnection;
    if (typeof source !== "function") {
      conn = source.duplicate({
        protocol: 2,
        keyPrefix: "",
        enableOfflineQueue: false,
        autoResendUnfulfilledCommands: false,
      } as never) as BridgeConnection;
    } else {
      conn = source(token);
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
    }
    conn.on("error", (err: unknown) => {
      const e = err as { code?: string; message?: string } | undefined;
      this.#lastError.set(conn, e?.code ?? e?.message ?? String(err));
    });
    conn.on("ready", () => this.#lastError.delete(conn));
    return conn;
  }

  /** Disconnects every connection the pools opened. */
  async close(): Promise<void> {
    const conns = [...this.#pools.values()].flatMap((p) => p.conns);
    this.#pools.clear();
    for (const conn of conns) conn.disconnect();
  }
}
