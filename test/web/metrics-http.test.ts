// The Metrics tab over HTTP (node:http, no browser): the top-jobs table and a job's page from
// Sidekiq 7 metrics keys written here, the tab link, and escaping of hostile class names and of
// the `period` and `substr` parameters (where Sidekiq's own metrics page had XSS bugs).
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import { useTestRedis } from "../helpers/redis";
import { writeMetrics } from "./seed";
import { serve } from "./serve";

const t = await useTestRedis();
const AUTH = { username: "admin", password: "metrics pässword" };
const GOOD = {
  authorization: `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString("base64")}`,
};
const server = await serve(
  dashboard({ redis: fromIoredis(t.redis), auth: AUTH, basePath: "/sidekiq" }),
);
afterAll(() => server.close());
const url = (path: string) => `${server.url}/sidekiq${path}`;
const get = (path: string) => fetch(url(path), { headers: GOOD });

const EVIL = `Evil::Job"><img src=x onerror="window.__pwned=1">'&`;
const SLASHED = "Reports/Monthly Job";

beforeEach(async () => {
  await t.flush();
  await writeMetrics(
    t.redis,
    Date.now(),
    [
      ["HardJob|p", 4],
      ["HardJob|ms", 200],
      ["SleepJob|p", 1],
      ["SleepJob|ms", 6000],
      [`${EVIL}|p`, 2],
      [`${EVIL}|f`, 1],
      [`${EVIL}|ms`, 30],
      [`${SLASHED}|p`, 1],
      [`${SLASHED}|ms`, 10],
    ],
    [
      ["SleepJob", 15],
      [EVIL, 1],
    ],
  );
});

/**
 * What every dashboard page must hold to: no inline script, style or event handler. Attributes are
 * checked tag by tag with quoted values blanked, because the hostile class name is on the page as
 * escaped text and attribute values (where ` onerror=` is harmless).
 */
function expectNoInlineCode(page: string) {
  expect(page).not.toMatch(/<script(?![^>]*\bsrc=)/);
  const tags = (page.match(/<[a-z][^>]*>/gi) ?? []).map((tag) => tag.replace(/"[^"]*"/g, '""'));
  expect(tags.length).toBeGreaterThan(50);
  expect(tags.filter((tag) => /\s(style|on[a-z]+)=/i.test(tag))).toEqual([]);
}

describe("GET /metrics", () => {
  it("lists classes slowest first with processed, failed, total and average time", async () => {
    const res = await get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const page = await res.text();
    expectNoInlineCode(page);
    const rows = [
      ...page.matchAll(/<tr class="job-metrics" data-class="([^"]*)">([\s\S]*?)<\/tr>/g),
    ];
    expect(rows.map((r) => r[1])).toEqual([
      "SleepJob",
      "HardJob",
      "Evil::Job&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;&#39;&amp;",
      "Reports/Monthly Job",
    ]);
    const cells = (i: number) =>
      [...rows[i]![2]!.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ""));
    expect(cells(0)).toEqual(["SleepJob", "1", "0", "6.00 s", "6.00 s"]);
    expect(cells(1)).toEqual(["HardJob", "4", "0", "200 ms", "50 ms"]);
    expect(cells(2).slice(1)).toEqual(["2", "1", "30 ms", "30 ms"]);
    expect(page).toContain(`href="/sidekiq/metrics/SleepJob?period=1h"`);
    expect(page).toContain(`href="/sidekiq/metrics/${encodeURIComponent(SLASHED)}?period=1h"`);
  });

  it("the Metrics tab is in the navigation of every page, active on its own", async () => {
    const overview = await (await get("/")).text();
    expect(overview).toContain(`<a href="/sidekiq/metrics" class="">Metrics</a>`);
    const metrics = await (await get("/metrics")).text();
    expect(metrics).toContain(`<a href="/sidekiq/metrics" class="active">Metrics</a>`);
  });

  it("a hostile class name is text and its link is URL-encoded", async () => {
    const page = await (await get("/metrics")).text();
    expect(page).not.toContain("<img");
    expect(page).not.toContain(`onerror="`);
    expect(page).toContain(
      `>Evil::Job&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;&#39;&amp;</a>`,
    );
    expect(page).toContain(
      `href="/sidekiq/metrics/${encodeURIComponent(EVIL).replaceAll("'", "&#39;")}?period=1h"`,
    );
  });

  it("a hostile or unknown period falls back to 1h and is never echoed", async () => {
    for (const period of [`"><script>alert(1)</script>`, "3h", "1h ", "constructor", "__proto__"]) {
      const res = await get(`/metrics?period=${encodeURIComponent(period)}`);
      expect(res.status, period).toBe(200);
      const page = await res.text();
      expect(page).not.toContain("alert(1)");
      expect(page).toContain(`<input type="hidden" name="period" value="1h">`);
      expect(page).toContain(`<a class="active" href="/sidekiq/metrics?period=1h">1h</a>`);
      expect(page).toContain("SleepJob");
    }
    const eight = await (await get("/metrics?period=8h")).text();
    expect(eight).toContain(`<a class="active" href="/sidekiq/metrics?period=8h">8h</a>`);
  });

  it("substr filters case-insensitively and a hostile one is escaped in the box and the links", async () => {
    const hard = await (await get("/metrics?substr=hard")).text();
    expect(hard).toContain(`data-class="HardJob"`);
    expect(hard).not.toContain(`data-class="SleepJob"`);
    expect(hard).toContain(`href="/sidekiq/metrics?period=2h&amp;substr=hard"`);

    const evil = `"><script>alert(2)</script>`;
    const res = await get(`/metrics?period=2h&substr=${encodeURIComponent(evil)}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expectNoInlineCode(page);
    expect(page).not.toContain("<script>alert(2)");
    expect(page).toContain(`value="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"`);
    expect(page).toContain(
      `href="/sidekiq/metrics?period=4h&amp;substr=${encodeURIComponent(evil)}"`,
    );
    expect(page).toContain("No job ran in the last 2h matching");
  });
});

describe("GET /metrics/:name", () => {
  it("shows a job's totals, its busy minute and its histogram", async () => {
    const res = await get("/metrics/SleepJob");
    expect(res.status).toBe(200);
    const page = await res.text();
    expectNoInlineCode(page);
    expect(page).toContain(`<td data-total="processed">1</td>`);
    expect(page).toContain(`<td data-total="ms">6.00 s</td>`);
    expect(page).toContain(
      `<tr class="bucket" data-bucket="15"><td>5.75 s – 8.5 s</td><td>1</td></tr>`,
    );
    expect(page).toContain(`<tr class="bucket" data-bucket="0"><td>&lt; 20 ms</td><td>0</td></tr>`);
    expect(page).toContain(`<tr class="bucket" data-bucket="25"><td>≥ 335 s</td><td>0</td></tr>`);
    expect(page.match(/<tr class="minute">/g)).toHaveLength(1);
    expect(page).toContain(`<a href="/sidekiq/metrics" class="active">Metrics</a>`);
  });

  it("a hostile class name round-trips through its URL and stays text", async () => {
    const res = await get(`/metrics/${encodeURIComponent(EVIL)}?period=%22%3E%3Cb%3E`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<b>");
    expect(page).toContain(`<title>Metrics for Evil::Job&quot;&gt;&lt;img`);
    expect(page).toContain(`<td data-total="processed">2</td>`);
    expect(page).toContain(
      `<tr class="bucket" data-bucket="1"><td>20 ms – 30 ms</td><td>1</td></tr>`,
    );
    const slashed = await (await get(`/metrics/${encodeURIComponent(SLASHED)}`)).text();
    expect(slashed).toContain(`<span class="mono">Reports/Monthly Job</span>`);
    expect(slashed).toContain(`<td data-total="processed">1</td>`);
  });

  it("a class with no metrics is an empty page, not an error", async () => {
    const res = await get("/metrics/Never::Ran?period=4h");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain(`<td data-total="processed">0</td>`);
    expect(page).toContain("No run of this job in the last 4h.");
  });
});
