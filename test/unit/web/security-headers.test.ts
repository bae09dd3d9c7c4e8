// The dashboard's security headers, now set by Hono's secureHeaders: exactly the policy it always
// sent, on every response (here a 401, which needs no Redis), and none of the middleware's other
// defaults (HSTS above all, which would pin the host app to HTTPS).
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { dashboard } from "../../../src/web";

const redis = new Redis({ lazyConnect: true });
afterAll(() => redis.disconnect());

describe("dashboard security headers", () => {
  it("sends the exact CSP, nosniff, DENY, same-origin referrers, no-store, and nothing else", async () => {
    const app = dashboard({ redis, auth: { username: "u", password: "p" } });
    const res = await app.fetch(new Request("http://localhost/"));
    expect(res.status).toBe(401);
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(res.headers.get("cache-control")).toBe("no-store");
    for (const name of [
      "strict-transport-security",
      "cross-origin-opener-policy",
      "cross-origin-resource-policy",
      "origin-agent-cluster",
      "x-xss-protection",
      "x-dns-prefetch-control",
      "x-download-options",
      "x-permitted-cross-domain-policies",
    ]) {
      expect(res.headers.has(name), name).toBe(false);
    }
  });
});
