// Every dashboard list is a bounded window: with 200,000 names in `queues` (what one enqueue
// token's pipeline once added) the queue list, the summary bar, /stats and /stats/queues answer
// with bodies whose size does not depend on the number of queues, and the busy page pages
// through processes. Sizes and counts are asserted, never wall time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import { useTestRedis } from "../helpers/redis";
import { serve } from "./serve";

const t = await useTestRedis();
const server = await serve(dashboard({ redis: fromIoredis(t.redis), auth: "open" }));
afterAll(() => server.close());

const QUEUES = 200_000;
const name = (i: number) => `flood-${String(i).padStart(6, "0")}`;

async function get(path: string) {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

const rows = (body: string, cls: string) => body.split(`<tr class="${cls}"`).length - 1;

describe("200,000 queues", () => {
  beforeAll(async () => {
    await t.flush();
    for (let i = 0; i < QUEUES; i += 10_000) {
      await t.redis.sadd("queues", ...Array.from({ length: 10_000 }, (_, k) => name(i + k)));
    }
    await t.redis.sadd("queues", "default");
    await t.redis.lpush("queue:default", '{"class":"A","args":[],"jid":"j1","queue":"default"}');
  }, 60_000);

  it("/queues answers one page of about 100 queues and says how many pages there are", async () => {
    const first = await get("/queues");
    expect(first.status).toBe(200);
    expect(first.body.length).toBeLessThan(150_000);
    expect(rows(first.body, "queue")).toBeGreaterThanOrEqual(100);
    expect(rows(first.body, "queue")).toBeLessThan(150);
    expect(first.body).toContain('<span class="badge">200,001</span>');
    expect(first.body).toContain("Page 1 of about 2,001");
    const next = /<a class="page next" rel="next" href="([^"]+)"/.exec(first.body)?.[1];
    expect(next).toMatch(/^\/queues\?cursor=\d+&amp;page=2$/);
    const second = await get(next!.replace(/&amp;/g, "&"));
    expect(second.status).toBe(200);
    expect(second.body.length).toBeLessThan(150_000);
    expect(second.body).toContain("Page 2 of about 2,001");
    const names = (body: string) => [
      ...body.matchAll(/<tr class="queue">\s*<td><a [^>]+>([^<]+)</g),
    ];
    const one = new Set(names(first.body).map((m) => m[1]));
    expect(names(second.body).filter((m) => one.has(m[1]))).toEqual([]);
  });

  it("the summary bar and /stats count 1,000 queues and say so", async () => {
    const page = await get("/retries");
    expect(page.status).toBe(200);
    expect(page.body.length).toBeLessThan(50_000);
    expect(page.body).toMatch(/Enqueued in [\d,]+ of 200,001 queues/);
    const stats = JSON.parse((await get("/stats")).body);
    expect(stats.sidekiq.enqueued).toBeGreaterThanOrEqual(0);
    expect(stats.sidekiq.enqueued).toBeLessThanOrEqual(1);
  });

  it("/stats/queues answers a window of lengths with a link to the next", async () => {
    const res = await get("/stats/queues");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.body.length).toBeLessThan(60_000);
    const lengths = JSON.parse(res.body) as Record<string, number>;
    expect(Object.keys(lengths).length).toBeGreaterThanOrEqual(1000);
    expect(Object.keys(lengths).length).toBeLessThan(1200);
    expect(res.headers.get("link")).toMatch(/^<\/stats\/queues\?cursor=\d+>; rel="next"$/);
  });
});

describe("small lists", () => {
  beforeAll(() => t.flush());

  it("few queues: one sorted page, no pager, no filter box; the filter still works", async () => {
    await t.redis.sadd("queues", "mailers", "critical", "default", "bulk-mail");
    const page = await get("/queues");
    const names = [...page.body.matchAll(/<tr class="queue">\s*<td><a [^>]+>([^<]+)</g)].map(
      (m) => m[1],
    );
    expect(names).toEqual(["bulk-mail", "critical", "default", "mailers"]);
    expect(page.body).not.toContain('class="pager"');
    expect(page.body).not.toContain('name="filter"');
    const filtered = await get("/queues?filter=mail");
    expect(
      [...filtered.body.matchAll(/<tr class="queue">\s*<td><a [^>]+>([^<]+)</g)].map((m) => m[1]),
    ).toEqual(["bulk-mail", "mailers"]);
    expect((await get("/queues?cursor=not-a-cursor")).status).toBe(200);
  });

  it("/busy pages through 120 processes, 50 or so at a time, with their running jobs", async () => {
    const beat = String(Date.now() / 1000);
    for (let i = 0; i < 120; i++) {
      const id = `host-${String(i).padStart(3, "0")}:1:abc`;
      await t.redis.sadd("processes", id);
      await t.redis.hset(id, {
        info: JSON.stringify({
          hostname: `host-${i}`,
          pid: 1,
          concurrency: 5,
          queues: ["default"],
        }),
        busy: "1",
        beat,
      });
      await t.redis.hset(
        `${id}:work`,
        "t1",
        JSON.stringify({
          queue: "default",
          payload: JSON.stringify({ class: `Job${i}`, args: [], jid: `jid-${i}` }),
          run_at: Math.floor(Date.now() / 1000),
        }),
      );
    }
    const first = await get("/busy");
    expect(first.status).toBe(200);
    const shown = rows(first.body, "process");
    expect(shown).toBeGreaterThanOrEqual(50);
    expect(shown).toBeLessThan(120);
    expect(rows(first.body, "work")).toBe(shown);
    expect(first.body).toContain('<span class="badge">120</span>');
    expect(first.body).toContain("Page 1 of about 3");
    expect(first.body).toContain("On this page: ");
    const summary = /data-stat="busy">(\d+)</.exec(first.body)?.[1];
    expect(summary).toBe("120");
  });
});
