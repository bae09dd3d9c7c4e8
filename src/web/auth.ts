/**
 * Who may use the dashboard. Authentication is required: basic auth with a username and password
 * (compared in constant time), or a function of the request (a session check, an SSO header).
 * `"open"` turns it off and must be asked for explicitly; the CLI allows that only on loopback.
 */
import { digest, equalBytes, fromBase64 } from "../core/bytes";
import { ConfigError } from "../core/errors";

export type DashboardAuth =
  | { username: string; password: string; realm?: string }
  | ((request: Request) => boolean | Promise<boolean>)
  | "open";

export type Authenticator = (request: Request) => Promise<Response | undefined>;

/** Builds the check; a missing or malformed `auth` is a configuration error, never "open". */
export function authenticator(auth: DashboardAuth | undefined): Authenticator {
  if (auth === "open") return async () => undefined;
  if (typeof auth === "function") {
    return async (request) => ((await auth(request)) === true ? undefined : unauthorized());
  }
  if (
    auth &&
    typeof auth === "object" &&
    typeof auth.username === "string" &&
    typeof auth.password === "string" &&
    auth.username !== "" &&
    auth.password !== ""
  ) {
    // Hashing both sides first makes the comparison length-independent as well as constant-time.
    const expected = digest("SHA-256", `${auth.username}:${auth.password}`);
    const realm = (auth.realm ?? "edgekiq").replace(/["\\]/g, "");
    return async (request) => {
      const given = basicCredentials(request.headers.get("authorization"));
      if (given !== undefined && equalBytes(await expected, await digest("SHA-256", given)))
        return undefined;
      return unauthorized(realm);
    };
  }
  throw new ConfigError(
    'dashboard: `auth` is required: { username, password }, a function (request) => boolean, or "open" to serve without authentication',
  );
}

function unauthorized(realm?: string): Response {
  const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
  if (realm) headers["www-authenticate"] = `Basic realm="${realm}", charset="UTF-8"`;
  return new Response("Authentication required\n", { status: 401, headers });
}

/** `user:pass` from `Authorization: Basic ...` (UTF-8), or undefined. */
function basicCredentials(header: string | null): string | undefined {
  const match = header?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
  if (!match) return undefined;
  try {
    return new TextDecoder().decode(fromBase64(match[1]!));
  } catch {
    return undefined;
  }
}
