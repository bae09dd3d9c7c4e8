// The bridge's audit hook in process: refused requests only (401, 403, 421) with the token's name
// and never a secret or an argument, the address given by the server or a `clientAddress` hook,
// nothing for a request that ran, and a hook that throws does not change the answer.
import { describe, expect, it } from "vitest";
import { bridge } from "../../src/bridge";
import type { AuditEvent } from "../../src/core/audit";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const SECRET = "enqueue-secret-token-0123456789";

function post(body: unknown, token?: string, host = "127.0.0.1"): Request {
  return new Request(`http://${host}/`, {
    method: "POST",
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: JSON.stringify(body),
  });
}

describe("bridge onAudit", () => {
  it("records refused requests with the token's name, and nothing for allowed ones", async () => {
    const events: AuditEvent[] = [];
    const b = bridge({
      redis: t.redis,
      tokens: [{ name: "edge-signup", token: SECRET, scope: "enqueue" }],
      allowedHosts: ["127.0.0.1"],
      onAudit: (e) => void events.push(e),
    });
    try {
      const info = { remoteAddress: "10.1.2.3" };
      expect((await b.fetch(post(["get", "secret-key-name"], SECRET), info)).status).toBe(403);
      expect((await b.fetch(post(["get", "x"], "wrong-token"), info)).status).toBe(401);
      expect((await b.fetch(post(["get", "x"], SECRET, "evil.example"), info)).status).toBe(421);
      expect((await b.fetch(post(["sadd", "queues", "default"], SECRET), info)).status).toBe(200);
      expect(events.map((e) => [e.status, e.actor, e.outcome, e.client])).toEqual([
        [403, "edge-signup", "refused", "10.1.2.3"],
        [401, null, "refused", "10.1.2.3"],
        [421, null, "refused", "10.1.2.3"],
      ]);
      expect(events[0]).toMatchObject({
        source: "bridge",
        action: "bridge.request",
        target: "/ get",
      });
      expect(events[0]!.reason).toMatch(/^NOPERM .*'get'/);
      expect(events[2]!.reason).toBe("ERR host not allowed");
      const all = JSON.stringify(events);
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain("wrong-token");
      expect(all).not.toContain("secret-key-name");
    } finally {
      await b.close();
    }
  });

  it("takes the address from clientAddress, and survives a hook that throws", async () => {
    const seen: (string | null)[] = [];
    const b = bridge({
      redis: t.redis,
      tokens: [{ name: "edge", token: SECRET, scope: "enqueue" }],
      clientAddress: (r) => r.headers.get("x-forwarded-for"),
      onAudit: (e) => {
        seen.push(e.client);
        throw new Error("sink down");
      },
    });
    try {
      const req = post(["get", "x"]);
      req.headers.set("x-forwarded-for", "203.0.113.9");
      const res = await b.fetch(req);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "WRONGPASS invalid or missing auth token" });
      expect(seen).toEqual(["203.0.113.9"]);
    } finally {
      await b.close();
    }
  });
});
