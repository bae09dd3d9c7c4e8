// The bridge's `allowedHosts`, over real HTTP with forged `Host` headers: a configured bridge
// answers only its names (421 with a JSON error, before the token or body is looked at); without
// the option it answers any host, since every request needs a token anyway.
import { request as httpRequest } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { bridge } from "../../src/bridge";
import { ConfigError } from "../../src/core/errors";
import { useTestRedis } from "../helpers/redis";
import { serveFetch } from "./serve";

const t = await useTestRedis();
const TOKEN = "host-check-admin-token-0123456789";
const tokens = [{ name: "admin", token: TOKEN, scope: "admin" as const }];
const named = bridge({ redis: t.redis, tokens, allowedHosts: ["redis-bridge.example.com"] });
const anyHost = bridge({ redis: t.redis, tokens });
const servedNamed = await serveFetch(named);
const servedAny = await serveFetch(anyHost);
afterAll(async () => {
  await Promise.all([servedNamed.close(), servedAny.close()]);
  await Promise.all([named.close(), anyHost.close()]);
});

/** `POST /` of `["PING"]` with the token and any `Host` header. */
function ping(port: number, host: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path: "/",
        method: "POST",
        headers: { host, authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers["content-type"]),
            body,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end('["PING"]');
  });
}

describe("bridge allowedHosts", () => {
  it("answers its configured name and refuses every other host with 421", async () => {
    const { port } = servedNamed;
    expect(await ping(port, `redis-bridge.example.com:${port}`)).toMatchObject({
      status: 200,
      body: '{"result":"PONG"}',
    });
    expect((await ping(port, "REDIS-BRIDGE.example.com")).status).toBe(200);
    for (const host of [`127.0.0.1:${port}`, "attacker.example", "redis-bridge.example.com.evil"]) {
      expect(await ping(port, host), host).toEqual({
        status: 421,
        type: "application/json",
        body: '{"error":"ERR host not allowed"}',
      });
    }
  });

  it("answers any host when no names are configured", async () => {
    const { port } = servedAny;
    for (const host of [`127.0.0.1:${port}`, "attacker.example", "redis-bridge.example.com"]) {
      expect((await ping(port, host)).status, host).toBe(200);
    }
  });

  it("refuses an allowlist entry that is not a host name", () => {
    expect(() => bridge({ redis: t.redis, tokens, allowedHosts: ["http://x.example"] })).toThrow(
      ConfigError,
    );
  });
});
