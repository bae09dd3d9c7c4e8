/**
 * Replies that mean Redis is up but refuses our settings: no password given (NOAUTH), a wrong
 * user or password (WRONGPASS), a user without a permission we need (NOPERM), a database the
 * server does not have. Retrying cannot fix any of them, and the last one is worse than fatal:
 * ioredis logs the failed SELECT and carries on in database 0. So the CLI stops at start with one
 * line that says what to change and where (issue 14, items 1 and 7).
 *
 * These arrive as connection events from ioredis, not as replies to our own commands, so the only
 * code to go by is the reply's first word (Redis's error prefix; a bad database is a plain `ERR`).
 */

/** Where the Redis settings came from, for "set it in …". */
export interface RedisTarget {
  /** `redis://127.0.0.1:6379/0` (no password). */
  where: string;
  /** `REDIS_URL`, `the --redis URL`, `config file edgekiq.json`. */
  source: string;
  username?: string;
  db?: number;
}

/** The line to print for a settings error, or undefined for anything else (an outage). */
export function settingsErrorMessage(err: unknown, target: RedisTarget): string | undefined {
  const reply = (err as { message?: unknown })?.message;
  if (typeof reply !== "string") return undefined;
  // A refused command inside MULTI aborts the EXEC: "EXECABORT … because of: NOPERM …".
  const code = /^(?:EXECABORT .*?because of: )?([A-Z]+)/.exec(reply)?.[1];
  const { where, source } = target;
  if (code === "NOAUTH") {
    return `Redis at ${where} needs a password: set it in ${source} (redis://:PASSWORD@host:port/db)`;
  }
  // Redis before 6 says "ERR invalid password".
  if (code === "WRONGPASS" || (code === "ERR" && /invalid password/i.test(reply))) {
    return `Redis at ${where} refused the user name or password (WRONGPASS): check them in ${source}`;
  }
  if (code === "NOPERM") {
    // The refusal itself, not the EXECABORT around it (the worker's first heartbeat is a MULTI).
    const refusal = reply.replace(/^EXECABORT .*?because of: /, "");
    return (
      `Redis user "${target.username ?? "default"}" at ${where} lacks a permission edgekiq needs ` +
      `(${refusal}): grant it with ACL SETUSER, or use another user in ${source}`
    );
  }
  if (code === "ERR" && /DB index is out of range|invalid DB index/i.test(reply)) {
    return (
      `Redis at ${where} has no database ${target.db ?? 0}: use one below the server's ` +
      `"databases" setting in ${source}`
    );
  }
  return undefined;
}
