/**
 * Which host names a server answers to: the defence against DNS rebinding, shared by the dashboard
 * and the bridge.
 *
 * A page on `attacker.example` whose name is then re-pointed at 127.0.0.1 reaches a local server
 * as a same-origin page: the browser lets it read the answers, sends `Origin` and `Host` as
 * `attacker.example`, and an origin check that compares the two finds nothing wrong. Only the
 * server can notice that it was asked for a name it does not carry, so every request (GET
 * included: a GET is enough to read a form token) must name an allowed host.
 *
 * 1. `hostAllowlist(hosts)`: a check of the request's host (the `Host` header and the host of its
 *    URL, which some adapters build from a fixed base) against host names, ports ignored: the
 *    attack changes the name, never needs a port, and default ports vanish from URLs.
 * 2. `"loopback"`: the default for servers without authentication: `localhost`, `127.0.0.0/8` and
 *    `[::1]`, names a rebinding page cannot carry (no DNS answer is involved for them).
 */
import { ConfigError } from "./errors";

/** True when a request may be served. */
export type HostCheck = (request: Request) => boolean;

/**
 * Host names without a port (`jobs.example.com`), `"loopback"` (localhost, 127.0.0.0/8 and
 * `[::1]`) or `"any"` (no check).
 */
export type AllowedHosts = readonly string[] | "loopback" | "any";

/** `what` names the option in configuration errors. */
export function hostAllowlist(hosts: AllowedHosts, what: string): HostCheck {
  if (hosts === "any") return () => true;
  const allowed = hosts === "loopback" ? isLoopbackHost : nameSet(hosts, what);
  return (request) => {
    const header = request.headers.get("host");
    let urlHost: string;
    try {
      urlHost = new URL(request.url).host;
    } catch {
      return false;
    }
    for (const authority of header === null ? [urlHost] : [urlHost, header]) {
      const name = hostName(authority);
      if (name === undefined || !allowed(name)) return false;
    }
    return true;
  };
}

function nameSet(hosts: readonly string[], what: string): (name: string) => boolean {
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw new ConfigError(`${what}: give at least one host name, or leave it out`);
  }
  const names = new Set<string>();
  for (const entry of hosts) {
    const name = typeof entry === "string" ? hostName(entry) : undefined;
    // A port, scheme or path is refused rather than guessed at.
    if (name === undefined || name !== entry.toLowerCase().replace(/\.$/, "")) {
      throw new ConfigError(
        `${what}: "${String(entry)}" is not a host name; give names like "jobs.example.com" (no scheme, path or port)`,
      );
    }
    names.add(name);
  }
  return (name) => names.has(name);
}

/**
 * The host name of a `Host` value (`Jobs.Example.com:8080` -> `jobs.example.com`, `[::1]:80` ->
 * `[::1]`), lower-cased and without a trailing dot; undefined when it is not a plain
 * `host[:port]` (browsers never send anything else).
 */
export function hostName(authority: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::\d{1,5})?$/.exec(authority.toLowerCase());
  if (!match) return undefined;
  const name = match[1]!.replace(/\.$/, "");
  return name === "" ? undefined : name;
}

/** `localhost`, `127.x.x.x` and IPv6 `::1` (with or without brackets). */
export function isLoopbackHost(name: string): boolean {
  return (
    name === "localhost" || name === "[::1]" || name === "::1" || /^127(\.\d{1,3}){3}$/.test(name)
  );
}
