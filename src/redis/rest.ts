/**
 * The REST transport: adapts an @upstash/redis instance (Upstash itself, or edgekiq's bridge in
 * front of any Redis) to `RedisClient`.
 *
 * 1. One HTTP request per operation: `call` -> `POST /`, `multi` -> one `POST /multi-exec`
 *    (atomic), `pipeline` -> one `POST /pipeline`; `evalScript` is EVALSHA, then EVAL once on
 *    NOSCRIPT.
 * 2. Requests go through the instance's own HTTP client, so its auth header, base64 response
 *    encoding, read-your-writes token and network retries all apply, while its auto-pipelining
 *    (which would batch our commands with unrelated ones) and automatic JSON deserialization
 *    (which would parse job payloads into objects) are bypassed.
 * 3. `{ url, token }` builds the instance on first use, by a dynamic import, so code that passes
 *    its own instance or uses TCP never loads the Upstash client through us.
 *
 * @upstash/redis is never imported statically (its slice we use is written out structurally): the
 * user's bundle carries exactly one copy of it, built from the platform entry they chose
 * (`@upstash/redis/cloudflare`, the Node entry...).
 */
import { ConfigError, RedisReplyError } from "../core/errors";
import {
  evalWithFallback,
  hasMethods,
  type RedisClient,
  type RedisCommand,
  type RedisReply,
} from "./types";

/** What @upstash/redis's HTTP client answers per command. */
interface UpstashResult {
  result?: unknown;
  error?: string;
}

/** The instance's HTTP client (`Requester` in @upstash/redis; `protected client` on `Redis`). */
interface UpstashRequester {
  request(req: { path?: string[]; body?: unknown }): Promise<UpstashResult | UpstashResult[]>;
}

/**
 * What tells an @upstash/redis `Redis` (any 1.34+ instance, any platform entry) from other
 * clients. The HTTP client we actually use is its `client`, protected in its type, so it is
 * checked at run time (`isUpstash`), not here.
 */
export interface UpstashLike {
  createScript(script: string): unknown;
  multi(): unknown;
}

/** `{ url, token }` plus any other @upstash/redis constructor option (`retry`, `signal`...). */
export interface UpstashConfig {
  url: string;
  token: string;
  [option: string]: unknown;
}

export function isUpstash(value: unknown): value is UpstashLike {
  return (
    hasMethods(value, "createScript", "multi") && typeof requesterOf(value)?.request === "function"
  );
}

export function isUpstashConfig(value: unknown): value is UpstashConfig {
  const v = value as Record<string, unknown> | null;
  return (
    !!v &&
    typeof v === "object" &&
    typeof v.url === "string" &&
    typeof v.token === "string" &&
    typeof v.call !== "function"
  );
}

/**
 * Adapts an @upstash/redis instance. Build it as you like; `automaticDeserialization: false` is
 * recommended when the same instance also reads job payloads through its own methods (this
 * adapter reads raw replies either way).
 */
export function fromUpstash(redis: UpstashLike): RedisClient {
  const requester = requesterOf(redis);
  if (typeof requester?.request !== "function") {
    throw new ConfigError("fromUpstash: expected an @upstash/redis `Redis` instance");
  }
  return fromRequester(async () => requester);
}

/** Builds an @upstash/redis client for `{ url, token }` on first use (dynamic import). */
export function fromUpstashConfig(config: UpstashConfig): RedisClient {
  let requester: Promise<UpstashRequester> | undefined;
  return fromRequester(() => {
    requester ??= import("@upstash/redis/cloudflare").then(
      ({ Redis }) => {
        // The Cloudflare entry is plain fetch (no `process`), so it runs on every runtime.
        const redis = new Redis({
          automaticDeserialization: false,
          enableAutoPipelining: false,
          enableTelemetry: false,
          ...config,
        } as ConstructorParameters<typeof Redis>[0]);
        return requesterOf(redis)!;
      },
      (err: unknown) => {
        throw new ConfigError(
          "`redis: { url, token }` needs the @upstash/redis package (npm install @upstash/redis)",
          { cause: err },
        );
      },
    );
    return requester;
  });
}

function requesterOf(redis: unknown): UpstashRequester | undefined {
  // `client` is protected in the type, public at runtime; an auto-pipelining proxy forwards it.
  return (redis as { client?: UpstashRequester }).client;
}

function fromRequester(get: () => Promise<UpstashRequester>): RedisClient {
  async function send(path: string[] | undefined, body: unknown, name: string) {
    const requester = await get();
    try {
      return await requester.request(path ? { path, body } : { body });
    } catch (err) {
      throw replyError(err, body, name);
    }
  }

  async function call(command: RedisCommand): Promise<RedisReply> {
    const body = toBody(command);
    const reply = (await send(undefined, body, command[0])) as UpstashResult;
    return unwrap(reply, command[0]);
  }

  async function batch(path: string, commands: readonly RedisCommand[]): Promise<RedisReply[]> {
    if (commands.length === 0) return [];
    const replies = await send([path], commands.map(toBody), path);
    if (!Array.isArray(replies)) {
      throw new RedisReplyError(`${path}: expected one result per command`, path);
    }
    return replies.map((reply, i) => unwrap(reply, commands[i]?.[0] ?? path));
  }

  return {
    call,
    multi: (commands) => batch("multi-exec", commands),
    pipeline: (commands) => batch("pipeline", commands),
    evalScript: (script, keys, args) => evalWithFallback(call, script, keys, args),
  };
}

/** Numbers go as their decimal text, exactly as the TCP transport sends them. */
function toBody(command: RedisCommand): string[] {
  return command.map(String);
}

function unwrap(reply: UpstashResult, name: string): RedisReply {
  if (reply.error !== undefined && reply.error !== null) {
    throw new RedisReplyError(reply.error, name);
  }
  if (reply.result === undefined) {
    throw new RedisReplyError(`${name}: the server's answer had no result`, name);
  }
  return reply.result as RedisReply;
}

/**
 * A non-2xx answer makes @upstash/redis throw `UpstashError("<error>, command was: <body>")`.
 * Keep Redis's own text (its first word becomes `redisCode`, e.g. NOSCRIPT) and drop the echoed
 * command, which holds job arguments that must not end up in logs. Anything else (a network
 * failure after the client's retries, a non-JSON body) is not a Redis reply and is rethrown as is.
 */
function replyError(err: unknown, body: unknown, name: string): unknown {
  if (!(err instanceof Error) || err.name !== "UpstashError") return err;
  const suffix = `, command was: ${JSON.stringify(body)}`;
  if (!err.message.endsWith(suffix)) return err;
  return new RedisReplyError(err.message.slice(0, -suffix.length), name);
}
