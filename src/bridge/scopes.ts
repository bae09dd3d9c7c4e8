/**
 * Judges one command against a token's scope before anything reaches Redis:
 *
 * - `enqueue`: exactly what a Sidekiq push needs and nothing else: SADD on `queues`, LPUSH on
 *   `queue:<name>`, ZADD on `schedule`, and edgekiq's idempotent push script (EVALSHA by its SHA-1,
 *   or EVAL of that exact script) with each key in its expected place, all under the token's
 *   namespace. It cannot read, delete or run any other script.
 * - `read`: read-only commands (not KEYS or SCAN, as Upstash's read-only tokens), on keys in the
 *   token's namespace when it has one.
 * - `admin`: everything the bridge supports.
 * - explicit: the listed commands, every key matching one of the patterns, scripts by SHA-1.
 *
 * Returns undefined when allowed, else the NOPERM message for a 403.
 */
import { digestHex } from "../core/bytes";
import { Keys } from "../core/keys";
import { pushIdempotent } from "../redis/scripts/index.gen";
import { commandInfo } from "./commands";
import type { BridgeToken, TokenScope } from "./tokens";

/** A scope compiled once per token. */
export type ScopeCheck = (name: string, args: readonly string[]) => Promise<string | undefined>;

export function compileScope(token: BridgeToken): ScopeCheck {
  const scope: TokenScope = token.scope;
  if (scope === "admin") return async () => undefined;
  if (scope === "enqueue") return enqueueScope(new Keys(token.namespace));
  if (scope === "read") return readScope(token.namespace);
  return explicitScope(scope.commands, scope.keys, scope.scripts);
}

function denied(name: string, why = ""): string {
  return `NOPERM this token has no permissions to run the '${name}' command${why}`;
}

function enqueueScope(keys: Keys): ScopeCheck {
  const queuePrefix = keys.queue("");
  const markerPrefix = keys.pushed("");
  const isQueue = (k: string | undefined) =>
    k !== undefined && k.length > queuePrefix.length && k.startsWith(queuePrefix);
  const isMarker = (k: string | undefined) =>
    k !== undefined && k.length > markerPrefix.length && k.startsWith(markerPrefix);
  const outside = " on keys outside the queue keys";

  return async (name, args) => {
    switch (name) {
      case "sadd":
        return args[0] === keys.queues ? undefined : denied(name, outside);
      case "lpush":
        return isQueue(args[0]) ? undefined : denied(name, outside);
      case "zadd":
        return args[0] === keys.schedule ? undefined : denied(name, outside);
      case "evalsha":
      case "eval": {
        const sha =
          name === "eval" ? await digestHex("SHA-1", args[0] ?? "") : args[0]?.toLowerCase();
        if (sha !== pushIdempotent.sha1) return denied(name, " (only the push script)");
        // The script's keys: queues, schedule, then (marker, queue) pairs, in that order.
        const n = Number(args[1]);
        const scriptKeys = args.slice(2, 2 + n);
        const ok =
          /^\d+$/.test(args[1] ?? "") &&
          n >= 2 &&
          n % 2 === 0 &&
          scriptKeys.length === n &&
          scriptKeys[0] === keys.queues &&
          scriptKeys[1] === keys.schedule &&
          scriptKeys.every((k, i) => i < 2 || (i % 2 === 0 ? isMarker(k) : isQueue(k)));
        return ok ? undefined : denied(name, outside);
      }
      default:
        return denied(name);
    }
  };
}

/** What `read` never allows even though it only reads: whole-keyspace walks and scripts. */
const READ_EXCLUDED = new Set(["keys", "scan", "eval_ro", "evalsha_ro", "fcall_ro", "pubsub"]);

function readScope(namespace: string | undefined): ScopeCheck {
  const prefix = new Keys(namespace).prefix;
  return async (name, args) => {
    const info = commandInfo(name);
    if (!info?.read || READ_EXCLUDED.has(name)) return denied(name);
    if (!prefix) return undefined;
    const keys = info.keys(args);
    if (keys === undefined) return denied(name, " (its keys cannot be checked)");
    return keys.every((k) => k.startsWith(prefix))
      ? undefined
      : denied(name, ` on keys outside the namespace`);
  };
}

function explicitScope(
  commands: readonly string[],
  patterns: readonly string[] | undefined,
  scripts: readonly string[] | undefined,
): ScopeCheck {
  const allowed = new Set(commands);
  const matchers = patterns?.map(globToRegExp);
  const shas = new Set(
    (scripts ?? []).map((s) => (s === "push-idempotent" ? pushIdempotent.sha1 : s)),
  );
  return async (name, args) => {
    if (!allowed.has(name)) return denied(name);
    if (name === "eval" || name === "evalsha" || name === "eval_ro" || name === "evalsha_ro") {
      const sha = name.startsWith("evalsha")
        ? args[0]?.toLowerCase()
        : await digestHex("SHA-1", args[0] ?? "");
      if (!sha || !shas.has(sha)) return denied(name, " (script not in this token's list)");
    }
    if (name === "fcall" || name === "fcall_ro")
      return denied(name, " (functions cannot be scoped)");
    if (!matchers) return undefined;
    const info = commandInfo(name);
    const keys = info?.keys(args);
    if (keys === undefined) return denied(name, " (its keys cannot be checked)");
    return keys.every((k) => matchers.some((m) => m.test(k)))
      ? undefined
      : denied(name, " on keys outside this token's patterns");
  };
}

/** `queue:*` -> /^queue:[\s\S]*$/; `?` is one character; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const ch of glob) {
    if (ch === "*") source += "[\\s\\S]*";
    else if (ch === "?") source += "[\\s\\S]";
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "u");
}
