// DNS rebinding against the dashboard, over real HTTP with forged `Host` headers (what a browser
// sends once attacker.example resolves to 127.0.0.1): an open dashboard answers loopback names
// only, an authenticated one the names it is given (any host when none are given, since a
// rebinding page has no credentials), and the refusal comes before anything is read or done.
import { request as httpRequest } from "node:http";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { ConfigError } from "../../src/core/errors";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import { useTestRedis } from "../helpers/redis";
import { serve } from "./serve";

const t = await useTestRedis();
const redis = fromIoredis(t.redis);
const AUTH = { username: "ops", password: "pw" };
const BASIC = `Basic ${btoa("ops:pw")}`;

const open = await serve(dashboard({ redis, auth: "open" }));
const authed = await serve(dashboard({ redis, auth: AUTH }));
const named = await serve(
  dashboard({ redis, auth: AUTH, allowedHosts: ["jobs.example.com", "[::1]"] }),
);
afterAll(() => Promise.all([open.close(), authed.close(), named.close()]));
beforeEach(() => t.flush());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP request to `server` with any `Host` header (fetch would send the real one). */
function send(
  server: { url: string },
  host: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: { ...options.headers, host },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("an open dashboard", () => {
  it("refuses a rebound page: no form token to read, no queue to clear", async () => {
    await new Client({ redis }).push({ class: "Keep", args: [], queue: "default" });
    const port = new URL(open.url).port;
    const evil = `attacker.example:${port}`;
    // The attacker's script, same-origin in the browser's eyes: read a token, then post it.
    const page = await send(open, evil, "/queues");
    expect(page.status).toBe(421);
    expect(page.body).toBe("Misdirected request: host not allowed\n");
    expect(page.body).not.toContain("authenticity_token");
    expect(page.headers["set-cookie"]).toBeUndefined();
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    const cookie = String(page.headers["set-cookie"] ?? "").split(";")[0] ?? "";
    const token = /name="authenticity_token" value="([^"]+)"/.exec(page.body)?.[1] ?? "";
    const clear = await send(open, evil, "/queues/default", {
      method: "POST",
      headers: {
        cookie,
        origin: `http://${evil}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ authenticity_token: token, action: "clear" }).toString(),
    });
    expect(clear.status).toBe(421);
    expect(await t.redis.llen("queue:default")).toBe(1);
  });

  it("answers loopback names with any port, and nothing else", async () => {
    const port = new URL(open.url).port;
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      "LOCALHOST",
      "127.0.0.2:80",
      `localhost.:${port}`,
    ]) {
      expect((await send(open, host, "/stats")).status, host).toBe(200);
    }
    for (const host of [
      `attacker.example:${port}`,
      "127.0.0.1.attacker.example",
      "localhost.attacker.example",
      "attacker-localhost",
      "10.0.0.1",
      "[::2]",
    ]) {
      expect((await send(open, host, "/stats")).status, host).toBe(421);
    }
  });

  it("checks both the URL's host and the Host header, whichever the adapter filled in", async () => {
    const web = dashboard({ redis, auth: "open" });
    const get = (url: string, headers: Record<string, string> = {}) =>
      web.fetch(new Request(url, { headers })).then((r) => r.status);
    expect(await get("http://localhost/stats")).toBe(200);
    expect(await get("http://attacker.example/stats")).toBe(421);
    expect(await get("http://localhost/stats", { host: "attacker.example" })).toBe(421);
    expect(await get("http://localhost/stats", { host: "a b" })).toBe(421);
    expect(await get("http://localhost/stats", { host: "user@localhost" })).toBe(421);
  });
});

describe("an authenticated dashboard", () => {
  it("answers any host by default, still only with credentials", async () => {
    const evil = `attacker.example:${new URL(authed.url).port}`;
    expect((await send(authed, evil, "/queues")).status).toBe(401);
    expect(
      (await send(authed, evil, "/queues", { headers: { authorization: BASIC } })).status,
    ).toBe(200);
  });

  it("answers only the configured names when given, before asking for credentials", async () => {
    const port = new URL(named.url).port;
    for (const host of [`jobs.example.com:${port}`, "Jobs.Example.COM.", `[::1]:${port}`]) {
      const res = await send(named, host, "/queues", { headers: { authorization: BASIC } });
      expect(res.status, host).toBe(200);
    }
    for (const host of [`127.0.0.1:${port}`, `attacker.example:${port}`, "example.com"]) {
      const res = await send(named, host, "/queues", { headers: { authorization: BASIC } });
      expect(res.status, host).toBe(421);
      expect((await send(named, host, "/queues")).status, host).toBe(421);
    }
  });

  it("refuses an allowlist that is empty or holds something other than host names", () => {
    for (const allowedHosts of [[], ["https://jobs.example.com"], ["jobs.example.com:443"], [""]]) {
      expect(() => dashboard({ redis, auth: AUTH, allowedHosts }), String(allowedHosts)).toThrow(
        ConfigError,
      );
    }
  });
});
