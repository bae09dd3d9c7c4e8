// The dashboard over HTTP (node:http, no browser): authentication, security headers, CSRF,
// escaping, base paths, actions through POST only. Browser behaviour is in dashboard-browser.test.ts.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { ConfigError } from "../../src/core/errors";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import { useTestRedis } from "../helpers/redis";
import { serve } from "./serve";

const t = await useTestRedis();
const redis = fromIoredis(t.redis);
const client = new Client({ redis });
const AUTH = { username: "admin", password: "s3cret pässword" };
const basic = (u: string, p: string) =>
  `Basic ${Buffer.from(`${u}:${p}`, "utf8").toString("base64")}`;
const GOOD = { authorization: basic(AUTH.username, AUTH.password) };

const server = await serve(dashboard({ redis, auth: AUTH, basePath: "/sidekiq" }));
afterAll(() => server.close());
const url = (path: string) => `${server.url}/sidekiq${path}`;

beforeEach(() => t.flush());

/** GETs a page and returns the CSRF cookie and the form token in it. */
async function session(path = "/retries") {
  const res = await fetch(url(path), { headers: GOOD });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("edgekiq_csrf="))!;
  const page = await res.text();
  const token = page.match(/name="authenticity_token" value="([^"]+)"/)?.[1];
  return { cookie: cookie.split(";")[0]!, token, page };
}

function post(
  path: string,
  form: Record<string, string | string[]>,
  headers: Record<string, string>,
) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of [v].flat()) body.append(k, x);
  return fetch(url(path), {
    method: "POST",
    body,
    redirect: "manual",
    headers: { ...GOOD, "content-type": "application/x-www-form-urlencoded", ...headers },
  });
}

describe("authentication", () => {
  it("refuses to build without an auth choice", () => {
    expect(() => dashboard({ redis } as never)).toThrow(ConfigError);
    expect(() => dashboard({ redis, auth: { username: "", password: "" } })).toThrow(ConfigError);
  });

  it("answers 401 with a Basic challenge without or with wrong credentials, 200 with the right ones", async () => {
    const none = await fetch(url("/"));
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic realm="edgekiq"/);
    expect(none.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(
      (await fetch(url("/"), { headers: { authorization: basic("admin", "nope") } })).status,
    ).toBe(401);
    expect((await fetch(url("/"), { headers: { authorization: "Bearer x" } })).status).toBe(401);
    expect((await fetch(url("/"), { headers: GOOD })).status).toBe(200);
    // Assets and JSON are behind the same door.
    expect((await fetch(url("/stats"))).status).toBe(401);
  });

  it("takes a function of the request, and serves open only when told to", async () => {
    const fn = await serve(dashboard({ redis, auth: (r) => r.headers.get("x-ok") === "yes" }));
    try {
      expect((await fetch(`${fn.url}/`)).status).toBe(401);
      expect((await fetch(`${fn.url}/`, { headers: { "x-ok": "yes" } })).status).toBe(200);
    } finally {
      await fn.close();
    }
    const open = await serve(dashboard({ redis, auth: "open" }));
    try {
      expect((await fetch(`${open.url}/queues`)).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe("headers", () => {
  it("sends a CSP without inline script, nosniff, no-store and no framing on pages", async () => {
    const res = await fetch(url("/"), { headers: GOOD });
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const cookie = res.headers.getSetCookie().join(";");
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/sidekiq/);
    const page = await res.text();
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)/); // every script is an external file
    expect(page).not.toMatch(/\sstyle=/);
    expect(page).not.toMatch(/\son[a-z]+=/i);
  });

  it("serves the bundled CSS and JS from memory with their types", async () => {
    const page = await (await fetch(url("/"), { headers: GOOD })).text();
    const js = page.match(/src="([^"]+app\.js[^"]*)"/)![1]!;
    const css = page.match(/href="([^"]+app\.css[^"]*)"/)![1]!;
    const jsRes = await fetch(`${server.url}${js}`, { headers: GOOD });
    expect(jsRes.headers.get("content-type")).toMatch(/javascript/);
    expect(await jsRes.text()).toContain("edgekiqPollInterval");
    const cssRes = await fetch(`${server.url}${css}`, { headers: GOOD });
    expect(cssRes.headers.get("content-type")).toMatch(/text\/css/);
    expect((await fetch(url("/assets/nope.js"), { headers: GOOD })).status).toBe(404);
  });

  it("answers /stats with Sidekiq's JSON shape", async () => {
    await client.push({ class: "A", args: [] });
    await t.redis.set("stat:processed", "5");
    const body = await (await fetch(url("/stats"), { headers: GOOD })).json();
    expect(body.sidekiq).toMatchObject({ processed: 5, failed: 0, enqueued: 1, busy: 0, dead: 0 });
    expect(body.server_utc_time).toMatch(/^\d\d:\d\d:\d\d UTC$/);
  });
});

describe("CSRF", () => {
  async function retryEntry() {
    const payload = JSON.stringify({
      class: "A",
      args: [],
      jid: "a".repeat(24),
      queue: "default",
      retry_count: 1,
    });
    await t.redis.zadd("retry", "100.5", payload);
    return `100.5-${"a".repeat(24)}`;
  }

  it("a POST with the cookie and token from the page goes through", async () => {
    const key = await retryEntry();
    const { cookie, token } = await session();
    const res = await post(
      `/retries/${key}`,
      { authenticity_token: token!, action: "retry" },
      { cookie },
    );
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/sidekiq/retries");
    expect(await t.redis.llen("queue:default")).toBe(1);
  });

  it("refuses a POST without a token, with a wrong token, without the cookie or from another origin", async () => {
    const key = await retryEntry();
    const { cookie, token } = await session();
    const other = await session();
    const cases: [Record<string, string>, Record<string, string>][] = [
      [{ action: "retry" }, { cookie }],
      [{ action: "retry", authenticity_token: "x".repeat(43) }, { cookie }],
      [{ action: "retry", authenticity_token: token! }, {}],
      [{ action: "retry", authenticity_token: other.token! }, { cookie }],
      [
        { action: "retry", authenticity_token: token! },
        { cookie, origin: "https://evil.example" },
      ],
      [
        { action: "retry", authenticity_token: token! },
        { cookie, "sec-fetch-site": "cross-site" },
      ],
    ];
    for (const [form, headers] of cases) {
      const res = await post(`/retries/${key}`, form, headers);
      expect(res.status, JSON.stringify({ form, headers })).toBe(403);
    }
    expect(await t.redis.zcard("retry")).toBe(1);
    expect(await t.redis.llen("queue:default")).toBe(0);
  });

  it("GET never acts: an action URL fetched with GET changes nothing", async () => {
    const key = await retryEntry();
    for (const path of [
      `/retries/${key}?action=retry`,
      "/retries/all/delete",
      "/queues/default/delete",
    ]) {
      const res = await fetch(url(path), { headers: GOOD });
      expect(res.status).not.toBe(303);
    }
    expect(await t.redis.zcard("retry")).toBe(1);
  });
});

describe("pages and actions", () => {
  it("escapes hostile args, error messages, queue names and class names", async () => {
    const evil = `<script>window.pwned=1</script>"><img src=x onerror=alert(1)>`;
    const payload = JSON.stringify({
      class: `Evil${evil}`,
      args: [evil, { k: evil }],
      jid: "b".repeat(24),
      queue: `q${evil}`,
      error_class: evil,
      error_message: evil,
      tags: [evil],
    });
    await t.redis.zadd("retry", "100.5", payload);
    await t.redis.zadd("dead", "100.5", payload);
    await t.redis.sadd("queues", `q${evil}`);
    await t.redis.lpush(`queue:q${evil}`, payload);
    const key = encodeURIComponent(`100.5-${"b".repeat(24)}`);
    for (const path of [
      "/retries",
      `/retries/${key}`,
      "/morgue",
      "/queues",
      `/queues/${encodeURIComponent(`q${evil}`)}`,
      `/search?jid=${encodeURIComponent(evil)}`,
    ]) {
      const res = await fetch(url(path), { headers: GOOD });
      expect(res.status, path).toBe(200);
      const page = await res.text();
      expect(page, path).not.toContain("<script>window");
      expect(page, path).not.toContain("<img src=x");
      expect(page, path).toContain("&lt;script&gt;window.pwned=1&lt;/script&gt;");
    }
  });

  it("routes with and without the base path (Hono mount strips it)", async () => {
    const res = await fetch(`${server.url}/queues/`, { headers: GOOD });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('href="/sidekiq/queues"');
  });

  it("deletes a queue job by jid and position, clears a queue, and bulk-acts on set entries", async () => {
    const keep = await client.push({ class: "A", args: [1] });
    const gone = await client.push({ class: "A", args: [2] });
    const { cookie, token } = await session("/queues/default");
    expect(
      (
        await post(
          "/queues/default/delete",
          { authenticity_token: token!, jid: gone!, index: "0" },
          { cookie },
        )
      ).status,
    ).toBe(303);
    expect((await t.redis.lrange("queue:default", 0, -1)).map((j) => JSON.parse(j).jid)).toEqual([
      keep,
    ]);

    for (let i = 1; i <= 3; i++) {
      await t.redis.zadd(
        "retry",
        `${i}.5`,
        JSON.stringify({ class: "A", args: [], jid: String(i).repeat(24), queue: "default" }),
      );
    }
    const keys = [1, 2].map((i) => `${i}.5-${String(i).repeat(24)}`);
    expect(
      (
        await post(
          "/retries",
          { authenticity_token: token!, key: keys, action: "kill" },
          { cookie },
        )
      ).status,
    ).toBe(303);
    expect(await t.redis.zcard("dead")).toBe(2);
    expect(
      (await post("/morgue/all/retry", { authenticity_token: token! }, { cookie })).status,
    ).toBe(303);
    expect(await t.redis.zcard("dead")).toBe(0);
    expect(
      (await post("/retries/all/delete", { authenticity_token: token! }, { cookie })).status,
    ).toBe(303);
    expect(await t.redis.zcard("retry")).toBe(0);
    expect(
      (await post("/queues/default", { authenticity_token: token!, action: "clear" }, { cookie }))
        .status,
    ).toBe(303);
    expect(await t.redis.exists("queue:default")).toBe(0);
  });

  it("quiet and stop on the busy page signal the process", async () => {
    await t.redis.sadd("processes", "host:1:abc");
    await t.redis.hset("host:1:abc", {
      info: '{"hostname":"host","pid":1,"concurrency":5,"queues":["default"]}',
      busy: "0",
      beat: String(Date.now() / 1000),
      quiet: "false",
    });
    const { cookie, token, page } = await session("/busy");
    expect(page).toContain("host:1:abc");
    await post(
      "/busy",
      { authenticity_token: token!, identity: "host:1:abc", action: "quiet" },
      { cookie },
    );
    await post("/busy", { authenticity_token: token!, action: "stop" }, { cookie });
    expect(await t.redis.lrange("host:1:abc-signals", 0, -1)).toEqual(["TERM", "TSTP"]);
  });

  it("shows 404 for a job that is gone and refuses unknown actions", async () => {
    const res = await fetch(url(`/retries/${encodeURIComponent("1.5-nope")}`), { headers: GOOD });
    expect(res.status).toBe(404);
    const { cookie, token } = await session();
    expect(
      (await post("/retries/1.5-x", { authenticity_token: token!, action: "explode" }, { cookie }))
        .status,
    ).toBe(400);
  });

  it("checks every form field and names the bad one, before anything reaches Redis", async () => {
    await t.redis.lpush("queue:default", '{"class":"A","args":[],"jid":"j1","queue":"default"}');
    const { cookie, token } = await session();
    const refused = async (path: string, form: Record<string, string | string[]>) => {
      const res = await post(path, { authenticity_token: token!, ...form }, { cookie });
      return { status: res.status, text: await res.text() };
    };
    // An index LINDEX cannot take ("1e+21") used to answer 500.
    expect(await refused("/queues/default/delete", { jid: "j1", index: "1e21" })).toEqual({
      status: 400,
      text: expect.stringMatching(/^Bad request: form: index: expected a list position/),
    });
    expect(await refused("/busy", { action: "nuke" })).toMatchObject({
      status: 400,
      text: expect.stringContaining('action: expected "quiet" or "stop", got "nuke"'),
    });
    expect(await refused("/queues/default", { action: ["clear", "clear"] })).toMatchObject({
      status: 400,
      text: expect.stringContaining("form: action:"),
    });
    expect(await refused("/morgue", { action: "kill", key: "1.5-x" })).toMatchObject({
      status: 400,
      text: expect.stringContaining('action: expected "retry" or "delete", got "kill"'),
    });
    expect(await t.redis.llen("queue:default")).toBe(1);
    // A good post still works: the job found at its index is deleted.
    const ok = await post(
      "/queues/default/delete",
      { authenticity_token: token!, jid: "j1", index: "0" },
      { cookie },
    );
    expect(ok.status).toBe(303);
    expect(await t.redis.llen("queue:default")).toBe(0);
  });
});
