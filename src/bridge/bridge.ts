/**
 * The Upstash-compatible REST bridge: a fetch handler (Web `Request` -> `Response`) that lets
 * @upstash/redis, unmodified, talk to any Redis the bridge can reach over TCP.
 *
 * 1. Routes (Hono): `POST /` one command, `POST /pipeline` (not atomic), `POST /multi-exec`
 *    (MULTI/EXEC on one connection). Other paths 404, other methods 405, all with JSON `{error}`.
 * 2. Every request, in this order: Host (421), Bearer token (401), the token's rate limit (429
 *    with Retry-After), body size (413), body
 *    shape, nesting and counts (400/413, `command-parser.ts`), the token's scope for every command
 *    (403, before anything runs), commands no token may run (400), then Redis (`execute.ts`).
 * 3. Redis gets `commandTimeoutMs` per request, connecting included: a Redis that is down or does
 *    not answer gets the request a 502, a command still running at the deadline a 504.
 */
import { Hono } from "hono";
import { type AuditHook, type ClientInfo, emitAudit, outcomeOf } from "../core/audit";
import { checkConfig, nonNegativeInteger, positiveInteger } from "../core/config-check";
import { ConfigError } from "../core/errors";
import { hostAllowlist } from "../core/host-allowlist";
import { type ParsedCommand, parseCommands } from "./command-parser";
import { refusal } from "./commands";
import { type BridgeConnection, type BridgeRedis, ConnectionPools } from "./connections";
import { type Answer, CommandTimeoutError, runMany, runOne, within } from "./execute";
import { RateLimiter } from "./rate-limit";
import { BridgeHttpError, readBody } from "./request-body";
import { compileScope, type Lookup, type ScopeCheck } from "./scopes";
import { type BridgeToken, checkToken, createAuthenticator } from "./tokens";

export interface BridgeOptions {
  /** An ioredis instance to copy connections from, or a per-token connection factory. */
  redis: BridgeRedis;
  /** Who may call, with what scope (see `loadTokens`). */
  tokens: readonly BridgeToken[];
  /** Largest accepted request body in bytes (default 10 MiB, Upstash's limit). */
  maxBodyBytes?: number;
  /** Most commands in one pipeline or transaction (default 10,000); more gets a 413. */
  maxCommands?: number;
  /** Most arguments in one request, all commands together (default 100,000); more gets a 413. */
  maxArguments?: number;
  /**
   * New queue names each `enqueue` token may add to `queues` over the life of the bridge process
   * (default 1,000); names already there are always allowed.
   */
  maxNewQueues?: number;
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
   * Milliseconds Redis gets per request, connecting included (default 5,000): Redis down or not
   * answering gets the request a 502, a command still running a 504.
   */
  commandTimeoutMs?: number;
  /**
   * Called once per request to `/`, `/pipeline` and `/multi-exec`, after it is answered, for logs
   * and metrics. Never carries arguments or values.
   */
  onRequest?: (event: BridgeRequestEvent) => void;
  /**
   * Called for every refused request (401 no or bad token, 403 scope, 421 host, 429) with the
   * token's name (never its secret), the command names, the client's address and the reason.
   */
  onAudit?: AuditHook;
  /** The client's address behind a proxy (e.g. from X-Forwarded-For) for the audit trail. */
  clientAddress?: (request: Request) => string | null | undefined;
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
  /** `info.remoteAddress`: the client's address, for the audit trail (the runtimes' serve passes it). */
  fetch(request: Request, info?: ClientInfo): Promise<Response>;
  /** Closes every connection the bridge opened. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_COMMANDS = 10_000;
export const DEFAULT_MAX_ARGUMENTS = 100_000;
export const DEFAULT_MAX_NEW_QUEUES = 1000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

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
  const maxBodyBytes = option("maxBodyBytes", options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES);
  const limits = {
    maxCommands: option("maxCommands", options.maxCommands, DEFAULT_MAX_COMMANDS),
    maxArguments: option("maxArguments", options.maxArguments, DEFAULT_MAX_ARGUMENTS),
  };
  const maxNewQueues = option(
    "maxNewQueues",
    options.maxNewQueues,
    DEFAULT_MAX_NEW_QUEUES,
    nonNegativeInteger,
  );
  const timeoutMs = option(
    "commandTimeoutMs",
    options.commandTimeoutMs,
    DEFAULT_COMMAND_TIMEOUT_MS,
  );
  const pools = new ConnectionPools(options.redis, options.poolSize ?? 2);
  const hostAllowed = hostAllowlist(options.allowedHosts ?? "any", "bridge: allowedHosts");
  const authenticate = createAuthenticator(tokens);
  const scopes = new Map(tokens.map((t) => [t, compileScope(t, { maxNewQueues })]));
  const limiters = new Map(
    tokens.flatMap((t) => (t.rateLimit ? [[t, new RateLimiter(t.rateLimit)] as const] : [])),
  );

  /** One audit event for a refused request; never reads the request's body. */
  async function audit(
    request: Request,
    info: ClientInfo | undefined,
    response: Response,
    token: string | undefined,
    target: string,
  ): Promise<void> {
    const hook = options.onAudit;
    if (!hook || outcomeOf(response.status) !== "refused") return;
    const body = (await response
      .clone()
      .json()
      .catch(() => ({}))) as { error?: unknown };
    emitAudit(hook, {
      time: new Date().toISOString(),
      source: "bridge",
      actor: token ?? null,
      action: "bridge.request",
      target,
      client: options.clientAddress?.(request) ?? info?.remoteAddress ?? null,
      outcome: "refused",
      status: response.status,
      reason: typeof body.error === "string" ? body.error : undefined,
    });
  }

  async function handle(
    request: Request,
    path: string,
    endpoint: Endpoint,
    info: ClientInfo | undefined,
  ): Promise<Response> {
    const started = Date.now();
    const event: BridgeRequestEvent = {
      token: undefined,
      path,
      status: 0,
      commands: [],
      ms: 0,
    };
    const response = await answer(request, endpoint, event);
    if (options.onAudit) {
      const commands = event.commands.length ? ` ${event.commands.join(",")}` : "";
      await audit(request, info, response, event.token, `${path}${commands}`);
    }
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
    if (!token) return reply({ status: 401, body: "WRONGPASS invalid or missing auth token" });
    event.token = token.name;
    const wait = limiters.get(token)?.take() ?? 0;
    if (wait > 0) {
      const limited = reply({ status: 429, body: "ERR too many requests for this token" });
      limited.headers.set("retry-after", String(wait));
      return limited;
    }
    const caller: Caller = { token, scope: scopes.get(token)! };
    const base64 = request.headers.get("upstash-encoding")?.toLowerCase() === "base64";
    let conn: BridgeConnection | undefined;
    try {
      const text = await readBody(request, maxBodyBytes);
      const commands = await parseCommands(text, endpoint === "single" ? "single" : "list", limits);
      event.commands = commands.map((c) => c.name);
      conn = pools.get(token);
      const deadline = performance.now() + timeoutMs;
      const ready = (c: BridgeConnection) => pools.ready(c, deadline - performance.now());
      await authorize(caller, commands, lookupOn(conn, ready, deadline));
      await ready(conn);
      const answer =
        endpoint === "single"
          ? await runOne(conn, commands[0]!, base64, deadline)
          : await runMany(conn, commands, endpoint === "multi-exec", base64, deadline);
      return reply(answer);
    } catch (err) {
      if (err instanceof BridgeHttpError) return reply({ status: err.status, body: err.message });
      if (err instanceof ConfigError) return reply({ status: 500, body: `ERR ${err.message}` });
      // A timeout on a connection that is no longer up is an outage, not a slow command.
      if (err instanceof CommandTimeoutError && conn?.status === "ready") {
        return reply({ status: 504, body: `ERR command timed out after ${timeoutMs} ms` });
      }
      const why = err instanceof CommandTimeoutError ? "connection lost" : messageOf(err);
      // A connection failure: say so without echoing the request.
      return reply({ status: 502, body: `ERR bridge cannot reach Redis: ${why}` });
    }
  }

  const app = new Hono<{ Bindings: ClientInfo }>({ strict: false });
  const routes = app.basePath(options.basePath ?? "/");
  routes.post("/", (c) => handle(c.req.raw, c.req.path, "single", c.env));
  routes.post("/pipeline", (c) => handle(c.req.raw, c.req.path, "pipeline", c.env));
  routes.post("/multi-exec", (c) => handle(c.req.raw, c.req.path, "multi-exec", c.env));
  const notAllowed = () => reply({ status: 405, body: "ERR method not allowed" });
  routes.all("/", notAllowed);
  routes.all("/pipeline", notAllowed);
  routes.all("/multi-exec", notAllowed);
  app.notFound(() => reply({ status: 404, body: "ERR unknown endpoint" }));
  app.onError(() => reply({ status: 500, body: "ERR internal bridge error" }));

  return {
    fetch: async (request, info) => {
      if (hostAllowed(request)) return app.fetch(request, { remoteAddress: info?.remoteAddress });
      const refused = reply({ status: 421, body: "ERR host not allowed" });
      await audit(request, info, refused, undefined, new URL(request.url).pathname);
      return refused;
    },
    close: () => pools.close(),
  };
}

/**
 * Scope first (403 for anything the token may not do; it may look things up in Redis), then what
 * nobody may do (400).
 */
async function authorize(
  caller: Caller,
  commands: readonly ParsedCommand[],
  lookup: Lookup,
): Promise<void> {
  const denied = await caller.scope(commands, lookup);
  if (denied) throw new BridgeHttpError(403, denied);
  for (const { name, args } of commands) {
    const refused = refusal(name, args);
    if (refused) throw new BridgeHttpError(400, refused);
  }
}

/** A scope's Redis lookups: one pipeline on the token's connection, within the deadline. */
function lookupOn(
  conn: BridgeConnection,
  ready: (conn: BridgeConnection) => Promise<void>,
  deadline: number,
): Lookup {
  return async (commands) => {
    await ready(conn);
    const replies = await within(conn.pipeline(commands as string[][]).exec(), deadline);
    return (replies ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    });
  };
}

/** An option's value, else its default; checked by the shared rule (`bridge: maxCommands: ...`). */
function option(
  name: string,
  value: number | undefined,
  fallback: number,
  rule: typeof positiveInteger = positiveInteger,
): number {
  return checkConfig(rule, value ?? fallback, `bridge: ${name}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** JSON response; a string body is an error message (`{error}`). */
function reply({ status, body }: Answer): Response {
  return new Response(JSON.stringify(typeof body === "string" ? { error: body } : body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
