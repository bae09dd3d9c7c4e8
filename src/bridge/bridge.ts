/**
 * The Upstash-compatible REST bridge: a fetch handler (Web `Request` -> `Response`) that lets
 * @upstash/redis, unmodified, talk to any Redis the bridge can reach over TCP.
 *
 * 1. Routes (Hono): `POST /` one command, `POST /pipeline` (not atomic), `POST /multi-exec`
 *    (MULTI/EXEC on one connection). Other paths 404, other methods 405, all with JSON `{error}`.
 * 2. Every request, in this order: Bearer token (401), body size (413), body shape (400), the
 *    token's scope for every command (403, before anything runs), commands no token may run
 *    (400), then Redis.
 * 3. Results follow the protocol: `{result}` / `{error}` (400) for one command, an array of them
 *    for pipelines and transactions, a single `{error}` (400) when a transaction is discarded.
 *    Redis's error text is passed through verbatim (@upstash/redis's EVALSHA->EVAL fallback
 *    matches on "NOSCRIPT"). Replies are read as bytes, so base64 mode is byte-exact.
 */
import { Hono } from "hono";
import { ConfigError } from "../core/errors";
import { hostAllowlist } from "../core/host-allowlist";
import { refusal } from "./commands";
import { type BridgeConnection, type BridgeRedis, ConnectionPools } from "./connections";
import { encodeReply, type JsonResult } from "./encoding";
import {
  BridgeHttpError,
  type ParsedCommand,
  parseCommandBody,
  parseCommandListBody,
  readBody,
} from "./request-body";
import { compileScope, type ScopeCheck } from "./scopes";
import { type BridgeToken, checkToken, createAuthenticator } from "./tokens";

export interface BridgeOptions {
  /** An ioredis instance to copy connections from, or a per-token connection factory. */
  redis: BridgeRedis;
  /** Who may call, with what scope (see `loadTokens`). */
  tokens: readonly BridgeToken[];
  /** Largest accepted request body in bytes (default 10 MiB, Upstash's limit). */
  maxBodyBytes?: number;
  /** Connections per token (default 2). */
  poolSize?: number;
  /** Serve under a path prefix, e.g. `/redis` (the client's URL then ends in `/redis`). */
  basePath?: string;
  /**
   * Host names the bridge answers to (ports ignored); any other `Host` gets 421 before the token
   * is looked at (DNS rebinding). Default: any host, since every request needs a token.
   */
  allowedHosts?: readonly string[];
  /**
   * Milliseconds a command may take before the request gets a 504 (ioredis `commandTimeout` on
   * the pooled connections; with a factory, set it on the connections you create). Default: none.
   */
  commandTimeoutMs?: number;
  /**
   * Called once per request to `/`, `/pipeline` and `/multi-exec`, after it is answered, for logs
   * and metrics. Never carries arguments or values.
   */
  onRequest?: (event: BridgeRequestEvent) => void;
}

export interface BridgeRequestEvent {
  /** The token's name; undefined when authentication failed. */
  token: string | undefined;
  path: string;
  status: number;
  /** Lower-cased command names, in order (empty when the body was not read or not valid). */
  commands: string[];
  ms: number;
}

export interface Bridge {
  fetch(request: Request): Promise<Response>;
  /** Closes every connection the bridge opened. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

type Endpoint = "single" | "pipeline" | "multi-exec";

interface Caller {
  token: BridgeToken;
  scope: ScopeCheck;
}

export function bridge(options: BridgeOptions): Bridge {
  const tokens: BridgeToken[] = [];
  for (const [i, t] of options.tokens.entries()) {
    tokens.push(checkToken(t, `bridge: tokens[${i}]`, tokens));
  }
  if (tokens.length === 0) throw new ConfigError("bridge: at least one token is required");
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new ConfigError(`bridge: maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  }
  const timeout = options.commandTimeoutMs;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    throw new ConfigError(`bridge: commandTimeoutMs must be a positive integer, got ${timeout}`);
  }
  const hostAllowed = hostAllowlist(options.allowedHosts ?? "any", "bridge: allowedHosts");
  const pools = new ConnectionPools(options.redis, options.poolSize ?? 2, timeout);
  const authenticate = createAuthenticator(tokens);
  const scopes = new Map(tokens.map((t) => [t, compileScope(t)]));

  async function handle(request: Request, endpoint: Endpoint): Promise<Response> {
    const started = Date.now();
    const event: BridgeRequestEvent = {
      token: undefined,
      path: new URL(request.url).pathname,
      status: 0,
      commands: [],
      ms: 0,
    };
    const response = await answer(request, endpoint, event);
    if (options.onRequest) {
      event.status = response.status;
      event.ms = Date.now() - started;
      try {
        options.onRequest(event);
      } catch {
        // A failing logger must not fail the request.
      }
    }
    return response;
  }

  async function answer(
    request: Request,
    endpoint: Endpoint,
    event: BridgeRequestEvent,
  ): Promise<Response> {
    const token = await authenticate(request.headers.get("authorization"));
    if (!token) return reply(401, { error: "WRONGPASS invalid or missing auth token" });
    event.token = token.name;
    const caller: Caller = { token, scope: scopes.get(token)! };
    const base64 = request.headers.get("upstash-encoding")?.toLowerCase() === "base64";
    try {
      const text = await readBody(request, maxBodyBytes);
      const commands =
        endpoint === "single" ? [parseCommandBody(text)] : parseCommandListBody(text);
      event.commands = commands.map((c) => c.name);
      await authorize(caller, commands);
      const conn = pools.get(token);
      if (endpoint === "single") return await runOne(conn, commands[0]!, base64);
      return await runMany(conn, commands, endpoint === "multi-exec", base64);
    } catch (err) {
      if (err instanceof BridgeHttpError) return reply(err.status, { error: err.message });
      if (err instanceof ConfigError) return reply(500, { error: `ERR ${err.message}` });
      if (isTimeout(err)) {
        return reply(504, { error: `ERR command timed out after ${timeout} ms` });
      }
      // A connection failure: say so without echoing the request.
      return reply(502, { error: `ERR bridge cannot reach Redis: ${messageOf(err)}` });
    }
  }

  const app = new Hono({ strict: false });
  const routes = app.basePath(options.basePath ?? "/");
  routes.post("/", (c) => handle(c.req.raw, "single"));
  routes.post("/pipeline", (c) => handle(c.req.raw, "pipeline"));
  routes.post("/multi-exec", (c) => handle(c.req.raw, "multi-exec"));
  routes.all("/", () => reply(405, { error: "ERR method not allowed" }));
  routes.all("/pipeline", () => reply(405, { error: "ERR method not allowed" }));
  routes.all("/multi-exec", () => reply(405, { error: "ERR method not allowed" }));
  app.notFound(() => reply(404, { error: "ERR unknown endpoint" }));
  app.onError(() => reply(500, { error: "ERR internal bridge error" }));

  return {
    fetch: async (request) =>
      hostAllowed(request) ? app.fetch(request) : reply(421, { error: "ERR host not allowed" }),
    close: () => pools.close(),
  };
}

/** Scope first (403 for anything the token may not do), then what nobody may do (400). */
async function authorize(caller: Caller, commands: readonly ParsedCommand[]): Promise<void> {
  for (const { name, args } of commands) {
    const denied = await caller.scope(name, args);
    if (denied) throw new BridgeHttpError(403, denied);
  }
  for (const { name, args } of commands) {
    const refused = refusal(name, args);
    if (refused) throw new BridgeHttpError(400, refused);
  }
}

/**
 * ioredis reshapes some replies by lower-case command name (HGETALL into an object, WITHSCORES
 * replies into pairs); the bridge must pass Redis's RESP2 reply as is, so those names go
 * upper-cased, which its lookup does not match. Other names go as sent (Redis echoes an unknown
 * command's name in its error text, which is passed through verbatim).
 */
const RESHAPED = new Set(
  [
    "hgetall hrandfield xread xreadgroup zdiff zinter zpopmax zpopmin zunion zrandmember",
    "zrange zrangebyscore zrevrange zrevrangebyscore",
  ]
    .join(" ")
    .split(" "),
);

function wireName({ name, sent }: ParsedCommand): string {
  return RESHAPED.has(name) ? name.toUpperCase() : sent;
}

async function runOne(
  conn: BridgeConnection,
  command: ParsedCommand,
  base64: boolean,
): Promise<Response> {
  try {
    const result = await conn.callBuffer(wireName(command), ...command.args);
    return reply(200, { result: encodeReply(result, base64) });
  } catch (err) {
    if (isReplyError(err)) return reply(400, { error: (err as Error).message });
    throw err;
  }
}

async function runMany(
  conn: BridgeConnection,
  commands: readonly ParsedCommand[],
  atomic: boolean,
  base64: boolean,
): Promise<Response> {
  const batch = atomic ? conn.multi() : conn.pipeline();
  for (const command of commands) batch.callBuffer(wireName(command), ...command.args);
  let results: [Error | null, unknown][] | null;
  try {
    results = await batch.exec();
  } catch (err) {
    // EXECABORT: a command was rejected while queuing, so the transaction was discarded.
    if (isReplyError(err)) return reply(400, { error: (err as Error).message });
    throw err;
  }
  if (!results) return reply(400, { error: "ERR transaction aborted" });
  const out: ({ result: JsonResult } | { error: string })[] = results.map(([err, value]) =>
    err ? { error: err.message } : { result: encodeReply(value, base64) },
  );
  return reply(200, out);
}

/** ioredis rejects with this message when `commandTimeout` passes. */
function isTimeout(err: unknown): boolean {
  return err instanceof Error && err.message === "Command timed out";
}

function isReplyError(err: unknown): boolean {
  return err instanceof Error && err.name === "ReplyError";
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function reply(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
