/**
 * Bridge tokens:
 *
 * 1. `loadTokens({ file, env })` turns a token file's text and/or environment values into checked
 *    `BridgeToken`s (no file system here: the caller reads the file, so this runs anywhere);
 * 2. `createAuthenticator(tokens)` finds the token a request carries in constant time: the
 *    presented token is hashed (SHA-256) and compared with every known digest, without stopping
 *    early, so neither the match nor its position leaks through timing.
 *
 * File format (JSON): `{ "tokens": [{ "name", "token" | "sha256", "scope", "namespace"? }] }`,
 * or the array alone. See docs/bridge.md.
 */
import { digest, digestHex, equalBytes, fromHex } from "../core/bytes";
import { ConfigError } from "../core/errors";

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

const SCOPES = new Set(["enqueue", "read", "admin"]);

/** Reads and checks tokens; throws `ConfigError` saying which entry is wrong and why. */
export function loadTokens(input: LoadTokensInput): BridgeToken[] {
  const tokens: BridgeToken[] = [];
  if (input.file !== undefined) parseTokenJson(input.file, "token file", tokens);
  const env = input.env ?? {};
  if (env.EDGEKIQ_BRIDGE_TOKENS) {
    parseTokenJson(env.EDGEKIQ_BRIDGE_TOKENS, "EDGEKIQ_BRIDGE_TOKENS", tokens);
  }
  const namespace = env.EDGEKIQ_BRIDGE_NAMESPACE || undefined;
  for (const scope of ["enqueue", "read", "admin"] as const) {
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

/** Checks one entry (from a file, the environment or code). */
export function checkToken(entry: unknown, where: string, seen: BridgeToken[] = []): BridgeToken {
  const e = entry as Record<string, unknown> | null;
  if (!e || typeof e !== "object" || Array.isArray(e)) {
    throw new ConfigError(`${where}: expected an object`);
  }
  const name = e.name ?? `token-${seen.length + 1}`;
  if (typeof name !== "string" || name === "") {
    throw new ConfigError(`${where}: name must be a non-empty string`);
  }
  where = `${where} ("${name}")`;
  if (seen.some((t) => t.name === name)) throw new ConfigError(`${where}: duplicate name`);
  const { token, sha256 } = e;
  if ((token === undefined) === (sha256 === undefined)) {
    throw new ConfigError(`${where}: give exactly one of "token" or "sha256"`);
  }
  if (token !== undefined) {
    if (typeof token !== "string" || token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
      throw new ConfigError(
        `${where}: token must be at least ${MIN_TOKEN_LENGTH} characters, without spaces`,
      );
    }
    if (seen.some((t) => t.token === token)) throw new ConfigError(`${where}: duplicate token`);
  }
  if (sha256 !== undefined && (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/i.test(sha256))) {
    throw new ConfigError(`${where}: sha256 must be 64 hex digits`);
  }
  const namespace = e.namespace;
  if (namespace !== undefined && (typeof namespace !== "string" || namespace === "")) {
    throw new ConfigError(`${where}: namespace must be a non-empty string`);
  }
  return {
    name,
    ...(token !== undefined ? { token: token as string } : {}),
    ...(sha256 !== undefined ? { sha256: (sha256 as string).toLowerCase() } : {}),
    scope: checkScope(e.scope, where),
    ...(namespace !== undefined ? { namespace: namespace as string } : {}),
  };
}

function checkScope(scope: unknown, where: string): TokenScope {
  if (typeof scope === "string") {
    if (SCOPES.has(scope)) return scope as TokenScope;
    throw new ConfigError(
      `${where}: scope must be "enqueue", "read", "admin" or { commands, keys?, scripts? }, got "${scope}"`,
    );
  }
  const s = scope as Record<string, unknown> | null;
  if (!s || typeof s !== "object" || Array.isArray(s)) {
    throw new ConfigError(`${where}: scope is missing`);
  }
  const strings = (value: unknown, field: string, required: boolean): string[] | undefined => {
    if (value === undefined && !required) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) {
      throw new ConfigError(`${where}: scope.${field} must be an array of non-empty strings`);
    }
    return value as string[];
  };
  const commands = strings(s.commands, "commands", true)!;
  const keys = strings(s.keys, "keys", false);
  const scripts = strings(s.scripts, "scripts", false);
  for (const sha of scripts ?? []) {
    if (sha !== "push-idempotent" && !/^[0-9a-f]{40}$/i.test(sha)) {
      throw new ConfigError(`${where}: scope.scripts entries are SHA-1s (40 hex digits)`);
    }
  }
  return {
    commands: commands.map((c) => c.toLowerCase()),
    ...(keys ? { keys } : {}),
    ...(scripts ? { scripts: scripts.map((x) => x.toLowerCase()) } : {}),
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
