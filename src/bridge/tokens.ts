/**
 * Bridge tokens:
 *
 * 1. `loadTokens({ file, env })` turns a token file's text and/or environment values into checked
 *    `BridgeToken`s (no file system here: the caller reads the file, so this runs anywhere);
 * 2. `createAuthenticator(tokens)` finds the token a request carries in constant time: the
 *    presented token is hashed (SHA-256) and compared with every known digest, without stopping
 *    early, so neither the match nor its position leaks through timing.
 *
 * File format (JSON): `{ "tokens": [{ "name", "token" | "sha256", "scope", "namespace"?,
 * "rawScripting"?, "queues"?, "rateLimit"? }] }`, or the array alone. See docs/bridge.md and
 * docs/security.md.
 */
import * as v from "valibot";
import { digest, digestHex, equalBytes, fromHex } from "../core/bytes";
import {
  booleanValue,
  checkConfig,
  expected,
  jsonObject,
  nonEmptyString,
  oneOf,
  positiveInteger,
  positiveNumber,
  stringList,
  stringValue,
} from "../core/config-check";
import { ConfigError } from "../core/errors";
import { QUEUE_NAME, QUEUE_NAME_RULE } from "./queue-gate";

/** `enqueue` (push only), `read` (dashboard/API reads), `admin`, or an explicit allowlist. */
export type TokenScope = "enqueue" | "read" | "admin" | ExplicitScope;

export interface ExplicitScope {
  /** Command names (any case) this token may run. */
  commands: string[];
  /** Glob patterns (`*`, `?`) every key must match; omitted: any key. */
  keys?: string[];
  /** SHA-1s of the Lua scripts EVAL/EVALSHA may run; `"push-idempotent"` names edgekiq's own. */
  scripts?: string[];
}

export interface BridgeToken {
  /** A label for logs and for the per-token connection pool. */
  name: string;
  /** The secret itself, or... */
  token?: string;
  /** ...its SHA-256 as 64 hex digits, so the file need not hold the secret. */
  sha256?: string;
  scope: TokenScope;
  /** Sidekiq 6 redis-namespace prefix the `enqueue`/`read` scopes are confined to. */
  namespace?: string;
  /**
   * `admin` only: may run any Lua script or function (EVAL, FCALL, SCRIPT, FUNCTION). A script can
   * run any command, SELECT included, so this token reaches every database of the server.
   */
  rawScripting?: boolean;
  /** `enqueue`/`read` only: the queues this token may push to or read (see scopes.ts). */
  queues?: string[];
  /** At most `requests` requests per `seconds` (a token bucket); more get 429 + Retry-After. */
  rateLimit?: RateLimit;
}

export interface RateLimit {
  requests: number;
  seconds: number;
}

export interface LoadTokensInput {
  /** The token file's text (JSON). */
  file?: string;
  /** Environment values: EDGEKIQ_BRIDGE_TOKENS (JSON as in the file), EDGEKIQ_BRIDGE_ENQUEUE_TOKEN,
   * EDGEKIQ_BRIDGE_READ_TOKEN, EDGEKIQ_BRIDGE_ADMIN_TOKEN, EDGEKIQ_BRIDGE_NAMESPACE. */
  env?: Record<string, string | undefined>;
}

/** Shortest secret accepted: a bridge token guards a database. */
export const MIN_TOKEN_LENGTH = 16;

const NAMED_SCOPES = ["enqueue", "read", "admin"] as const;

/** Lowercased: commands and hex digests compare in lowercase. */
const lowercase = v.transform((x: string) => x.toLowerCase());

const SCOPE = v.union(
  [
    oneOf(NAMED_SCOPES),
    v.object({
      commands: v.pipe(
        stringList,
        v.transform((list) => list.map((c) => c.toLowerCase())),
      ),
      keys: v.optional(stringList),
      scripts: v.optional(
        v.array(
          v.pipe(
            stringValue,
            v.check(
              (x) => x === "push-idempotent" || /^[0-9a-f]{40}$/i.test(x),
              expected('a SHA-1 (40 hex digits) or "push-idempotent"'),
            ),
            lowercase,
          ),
          expected("an array of SHA-1s"),
        ),
      ),
    }),
  ],
  expected('"enqueue", "read", "admin" or { commands, keys?, scripts? }'),
);

const TOKEN_ENTRY = jsonObject(
  v.pipe(
    v.object({
      name: v.optional(nonEmptyString),
      // The message never repeats the value: it is a secret.
      token: v.optional(
        v.pipe(
          v.string(`expected a string of at least ${MIN_TOKEN_LENGTH} characters`),
          v.check(
            (x) => x.length >= MIN_TOKEN_LENGTH && !/\s/.test(x),
            `expected at least ${MIN_TOKEN_LENGTH} characters, without spaces`,
          ),
        ),
      ),
      sha256: v.optional(
        v.pipe(
          stringValue,
          v.check((x) => /^[0-9a-f]{64}$/i.test(x), expected("64 hex digits")),
          lowercase,
        ),
      ),
      scope: SCOPE,
      namespace: v.optional(nonEmptyString),
      rawScripting: v.optional(booleanValue),
      queues: v.optional(
        v.pipe(
          stringList,
          v.minLength(1, "expected at least one queue name"),
          v.check(
            (list) => list.every((q) => QUEUE_NAME.test(q)),
            `expected queue names of ${QUEUE_NAME_RULE}`,
          ),
        ),
      ),
      rateLimit: v.optional(
        v.object(
          { requests: positiveInteger, seconds: positiveNumber },
          expected("{ requests, seconds }"),
        ),
      ),
    }),
    v.check(
      (e) => (e.token === undefined) !== (e.sha256 === undefined),
      'give exactly one of "token" or "sha256"',
    ),
    v.check(
      (e) => !e.rawScripting || e.scope === "admin",
      'rawScripting is for "admin" tokens only',
    ),
    v.check(
      (e) => !e.queues || e.scope === "enqueue" || e.scope === "read",
      'queues is for "enqueue" and "read" tokens only',
    ),
  ),
);

/** Reads and checks tokens; throws `ConfigError` saying which entry is wrong and why. */
export function loadTokens(input: LoadTokensInput): BridgeToken[] {
  const tokens: BridgeToken[] = [];
  if (input.file !== undefined) parseTokenJson(input.file, "token file", tokens);
  const env = input.env ?? {};
  if (env.EDGEKIQ_BRIDGE_TOKENS) {
    parseTokenJson(env.EDGEKIQ_BRIDGE_TOKENS, "EDGEKIQ_BRIDGE_TOKENS", tokens);
  }
  const namespace = env.EDGEKIQ_BRIDGE_NAMESPACE || undefined;
  for (const scope of NAMED_SCOPES) {
    const variable = `EDGEKIQ_BRIDGE_${scope.toUpperCase()}_TOKEN`;
    const value = env[variable];
    if (value) {
      tokens.push(
        checkToken({ name: `env-${scope}`, token: value, scope, namespace }, variable, tokens),
      );
    }
  }
  return tokens;
}

/** Parses a token list and appends it to `into` (names and tokens unique across all sources). */
function parseTokenJson(text: string, where: string, into: BridgeToken[]): void {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  const list = Array.isArray(data) ? data : (data as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list)) {
    throw new ConfigError(`${where}: expected { "tokens": [...] } or an array of tokens`);
  }
  list.forEach((entry, i) => {
    into.push(checkToken(entry, `${where}: tokens[${i}]`, into));
  });
}

/**
 * Checks one entry (from a file, the environment or code); `seen` are the tokens already
 * accepted, whose names and secrets must not repeat.
 */
export function checkToken(entry: unknown, where: string, seen: BridgeToken[] = []): BridgeToken {
  const given = (entry as { name?: unknown } | null)?.name;
  if (typeof given === "string" && given !== "") where = `${where} ("${given}")`;
  const {
    name = `token-${seen.length + 1}`,
    token,
    sha256,
    scope,
    namespace,
    rawScripting,
    queues,
    rateLimit,
  } = checkConfig(TOKEN_ENTRY, entry, where);
  if (seen.some((t) => t.name === name)) throw new ConfigError(`${where}: duplicate name`);
  if (token !== undefined && seen.some((t) => t.token === token)) {
    throw new ConfigError(`${where}: duplicate token`);
  }
  return {
    name,
    ...(token !== undefined ? { token } : {}),
    ...(sha256 !== undefined ? { sha256 } : {}),
    scope,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(rawScripting ? { rawScripting: true } : {}),
    ...(queues !== undefined ? { queues } : {}),
    ...(rateLimit !== undefined ? { rateLimit } : {}),
  };
}

/** Hex SHA-256 of a token: what a token file's `sha256` holds instead of the secret. */
export function sha256Hex(token: string): Promise<string> {
  return digestHex("SHA-256", token);
}

/** Returns the token an `Authorization` header carries, or undefined. */
export function createAuthenticator(
  tokens: readonly BridgeToken[],
): (authorization: string | null) => Promise<BridgeToken | undefined> {
  let digests: Promise<Uint8Array[]> | undefined;
  const known = () => {
    digests ??= Promise.all(
      tokens.map(async (t) => fromHex(t.sha256 ?? (await sha256Hex(t.token!)))),
    );
    return digests;
  };
  return async (authorization) => {
    const match = /^Bearer ([^\s]+)$/i.exec(authorization?.trim() ?? "");
    // Hash even a missing token, so a request without one costs the same as a wrong one.
    const presented = await digest("SHA-256", match?.[1] ?? "");
    let found = -1;
    const list = await known();
    for (let i = 0; i < list.length; i++) {
      const same = equalBytes(presented, list[i]!);
      // Branch-free select: keeps scanning after a match.
      found = same ? i : found;
    }
    return match && found >= 0 ? tokens[found] : undefined;
  };
}
