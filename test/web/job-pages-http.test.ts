// The dashboard's icon, job detail pages and set filters over HTTP (node:http, no browser): what
// each page says and links to, escaping of everything a job or a filter brings, and the edges
// (glob characters, paging of matches, backtraces in every stored form, jobs that are gone).
// The same features in Chromium are in layout-browser.test.ts and job-pages-browser.test.ts.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { encodeBacktrace } from "../../src/api";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import { useTestRedis } from "../helpers/redis";
import { serve } from "./serve";

const t = await useTestRedis();
const AUTH = { username: "admin", password: "pw" };
const GOOD = { authorization: `Basic ${Buffer.from("admin:pw").toString("base64")}` };
const server = await serve(dashboard({ redis: fromIoredis(t.redis), auth: AUTH, basePath: "/sq" }));
afterAll(() => server.close());
const url = (path: string) => `${server.url}/sq${path}`;
const EVIL = `"><script>window.pwned=1</script><img src=x onerror=alert(1)>`;

async function get(path: string): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(url(path), { headers: GOOD });
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

const jid = (n: number) => n.toString(16).padStart(24, "0");

function job(n: number, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    class: "Mailer",
    args: [n],
    jid: jid(n),
    queue: "default",
    ...fields,
  });
}

beforeEach(() => t.flush());

describe("favicon", () => {
  it("every page links an SVG icon under the base path, served with its type; /favicon.ico too", async () => {
    const page = await get("/queues");
    const href = page.body.match(/<link rel="icon" type="image\/svg\+xml" href="([^"]+)">/)?.[1];
    expect(href).toMatch(/^\/sq\/assets\/favicon\.svg\?v=[0-9a-f]{12}$/);
    for (const path of [href!, "/sq/favicon.ico"]) {
      const res = await fetch(`${server.url}${path}`, { headers: GOOD });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toBe("image/svg+xml");
      expect(await res.text(), path).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    }
    const csp = (await fetch(url("/"), { headers: GOOD })).headers.get("content-security-policy");
    expect(csp).toContain("img-src 'self'");
  });

  it("an asset name that is an Object property is not an asset", async () => {
    for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
      expect((await get(`/assets/${name}`)).status, name).toBe(404);
    }
  });
});

describe("backtraces on job detail pages", () => {
  const lines = ["app/jobs/mailer.rb:3:in `perform'", "lib/sidekiq/processor.rb:196:in `x'"];

  it("decodes every stored form: Sidekiq 7 strict base64, Sidekiq 6.4 MIME base64, a plain array", async () => {
    const strict = await encodeBacktrace(lines);
    const mime = `${strict.match(/.{1,60}/g)!.join("\n")}\n`;
    const forms: [string, unknown][] = [
      ["retry", strict],
      ["dead", mime],
      ["schedule", lines],
    ];
    for (const [i, [set, stored]] of forms.entries()) {
      await t.redis.zadd(set, "100.5", job(i + 1, { error_class: "E", error_backtrace: stored }));
      const path = { retry: "/retries", dead: "/morgue", schedule: "/scheduled" }[set];
      const page = await get(`${path}/${encodeURIComponent(`100.5-${jid(i + 1)}`)}`);
      expect(page.status, set).toBe(200);
      expect(page.body, set).toContain(
        '<pre class="backtrace">app/jobs/mailer.rb:3:in `perform&#39;\nlib/sidekiq/processor.rb',
      );
      expect(page.body, set).not.toContain("No backtrace stored");
    }
  });

  it("says when none is stored (and why, for a failed job), and shows an undecodable one as stored", async () => {
    await t.redis.zadd("retry", "1.5", job(1, { error_class: "E", error_message: "boom" }));
    await t.redis.zadd("schedule", "2.5", job(2));
    await t.redis.zadd("dead", "3.5", job(3, { error_class: "E", error_backtrace: EVIL }));
    const failed = await get(`/retries/1.5-${jid(1)}`);
    expect(failed.body).toContain('<p class="no-backtrace">No backtrace stored.');
    expect(failed.body).toContain("<code>backtrace: true</code>");
    const scheduled = await get(`/scheduled/2.5-${jid(2)}`);
    expect(scheduled.body).toContain('<p class="no-backtrace">No backtrace stored.</p>');
    const damaged = await get(`/morgue/3.5-${jid(3)}`);
    expect(damaged.body).toContain("The stored backtrace could not be decoded");
    expect(damaged.body).toContain("&quot;&gt;&lt;script&gt;window.pwned=1");
    expect(damaged.body).not.toContain("<script>window");
  });
});

describe("a queued job's detail page", () => {
  it("is linked from the queue page and shows the job's fields, escaped", async () => {
    const hostile = job(7, { class: `C${EVIL}`, args: [EVIL], tags: [EVIL] });
    await t.redis.sadd("queues", "default");
    await t.redis.lpush("queue:default", job(8), hostile, "not json at all");
    const list = await get("/queues/default");
    const links = [...list.body.matchAll(/href="(\/sq\/queues\/default\/jobs\/[^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(links).toEqual([
      "/sq/queues/default/jobs/0-",
      `/sq/queues/default/jobs/1-${jid(7)}`,
      `/sq/queues/default/jobs/2-${jid(8)}`,
    ]);
    const detail = await get(links[1]!.slice(3));
    expect(detail.status).toBe(200);
    expect(detail.body).toContain("&quot;&gt;&lt;script&gt;window.pwned=1");
    expect(detail.body).not.toContain("<script>window");
    expect(detail.body).not.toContain("<img src=x");
    expect(detail.body).toContain('action="/sq/queues/default/delete"');
    expect(detail.body).toContain(`name="jid" value="${jid(7)}"`);
    expect(detail.body).toContain('name="index" value="1"');
    // Search by jid links a queued job to the same page.
    expect((await get(`/search?jid=${jid(8)}`)).body).toContain(`href="${links[2]}"`);
    const invalid = await get(links[0]!.slice(3));
    expect(invalid.status).toBe(200);
    expect(invalid.body).toContain("Invalid payload");
    expect(invalid.body).toContain("not json at all");
  });

  it("finds a job that moved along the queue by its jid; a job that is gone or a bad key is a 404", async () => {
    await t.redis.sadd("queues", "default");
    await t.redis.lpush("queue:default", job(1));
    await t.redis.lpush("queue:default", job(2), job(3)); // job 1 is now at index 2
    const moved = await get(`/queues/default/jobs/0-${jid(1)}`);
    expect(moved.status).toBe(200);
    expect(moved.body).toContain('name="index" value="2"');
    for (const key of [`0-${jid(9)}`, "nope", "-1", `1e21-${jid(1)}`, `x-${jid(1)}`]) {
      const gone = await get(`/queues/default/jobs/${encodeURIComponent(key)}`);
      expect(gone.status, key).toBe(404);
      expect(gone.body, key).toContain("Job not found");
      expect(gone.body, key).toContain('href="/sq/queues/default"');
    }
  });
});

describe("set filters (?substr=)", () => {
  it("match text in the stored JSON literally (glob characters included), in the list's order", async () => {
    await t.redis.zadd("retry", "3", job(1, { args: ["a*b"] }));
    await t.redis.zadd("retry", "1", job(2, { args: ["axb"] }));
    await t.redis.zadd("retry", "2", job(3, { args: ["a*b again"] }));
    await t.redis.zadd("retry", "4", job(4, { args: ["a?b [x]"] }));
    const jids = (body: string) => [...body.matchAll(/data-jid="0+(\w)"/g)].map((m) => m[1]);
    expect(jids((await get("/retries?substr=a*b")).body)).toEqual(["3", "1"]);
    expect(jids((await get("/retries?substr=a?b [x]")).body)).toEqual(["4"]);
    expect(jids((await get("/retries?substr=")).body)).toEqual(["2", "3", "1", "4"]);
    // The dead set lists the latest death first, filtered or not.
    for (const n of [1, 2, 3]) await t.redis.zadd("dead", String(n), job(n, { args: ["x"] }));
    expect(jids((await get("/morgue?substr=x")).body)).toEqual(["3", "2", "1"]);
    const none = await get("/scheduled?substr=nothing");
    expect(none.body).toContain('No scheduled jobs contain <span class="mono">nothing</span>.');
  });

  it("page through the matches with the filter kept, and hide the act-on-everything buttons", async () => {
    for (let i = 1; i <= 30; i++) await t.redis.zadd("retry", String(i), job(i, { args: ["hit"] }));
    for (let i = 31; i <= 40; i++) await t.redis.zadd("retry", String(i), job(i));
    const first = await get("/retries?substr=hit");
    expect(first.body.match(/<tr class="entry"/g)).toHaveLength(25);
    expect(first.body).toContain('<span class="badge">30</span>');
    expect(first.body).toContain('href="/sq/retries?substr=hit&amp;page=2"');
    expect(first.body).not.toContain("/retries/all/");
    const second = await get("/retries?substr=hit&page=2");
    expect(second.body.match(/<tr class="entry"/g)).toHaveLength(5);
    expect(second.body).toContain('value="hit"');
    const unfiltered = await get("/retries");
    expect(unfiltered.body).toContain('<span class="badge">40</span>');
    expect(unfiltered.body).toContain('action="/sq/retries/all/delete"');
  });

  it("echo a hostile filter as text, in the box and in the pager links", async () => {
    for (let i = 1; i <= 30; i++) await t.redis.zadd("retry", String(i), job(i, { args: [EVIL] }));
    const needle = `<script>window.pwned=1</script>`;
    const page = await get(`/retries?substr=${encodeURIComponent(needle)}`);
    expect(page.status).toBe(200);
    expect(page.body.match(/<tr class="entry"/g)).toHaveLength(25);
    expect(page.body).toContain(
      'name="substr" value="&lt;script&gt;window.pwned=1&lt;/script&gt;"',
    );
    expect(page.body).toContain(`?substr=${encodeURIComponent(needle)}&amp;page=2"`);
    expect(page.body).not.toContain("<script>window");
  });
});
