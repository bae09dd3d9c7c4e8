// Deeply nested job payloads (valid JSON that JSON.parse takes, but that recursive walkers such
// as JSON.stringify cannot print) on every page that shows jobs: a 100k-deep job's detail, and
// list pages holding one 20k-deep ActiveJob job next to ordinary ones. The pages answer 200 and
// show the stored bytes, pretty-printed down to a depth and verbatim below it.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import { useTestRedis } from "../helpers/redis";
import { jid } from "./seed";
import { serve } from "./serve";

const t = await useTestRedis();
const server = await serve(dashboard({ redis: fromIoredis(t.redis), auth: "open" }));
afterAll(() => server.close());
beforeEach(() => t.flush());

const nested = (depth: number) => `${"[".repeat(depth)}"core"${"]".repeat(depth)}`;
const WRAPPER = "ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper";

/** A job whose first argument is nested `depth` levels deep (ActiveJob-wrapped if asked). */
function deepJob(n: number, depth: number, activeJob = false): string {
  const args = activeJob
    ? `[{"job_class":"DeepJob","job_id":"aj-${n}","arguments":[${nested(depth)},1234567890123456789012,3.0]}]`
    : `[${nested(depth)},1234567890123456789012,3.0]`;
  const cls = activeJob ? `"class":"${WRAPPER}","wrapped":"DeepJob"` : `"class":"DeepJob"`;
  return `{${cls},"queue":"default","args":${args},"jid":"${jid(n)}","retry":true,"enqueued_at":1795917297.5,"error_class":"SystemStackError","error_message":"stack level too deep","failed_at":1795917297.5,"retry_count":3}`;
}

const escaped = (text: string) => text.replace(/"/g, "&quot;");

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: await res.text() };
}

describe("deeply nested payloads", () => {
  it("a 100k-deep dead job's detail page: pretty down to a depth, the stored bytes below it", async () => {
    const value = deepJob(1, 100_000);
    expect(JSON.parse(value).jid).toBe(jid(1)); // valid JSON
    await t.redis.zadd("dead", "1795917300.5", value);
    const page = await get(`/morgue/${encodeURIComponent(`1795917300.5-${jid(1)}`)}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("DeepJob");
    // The payload, indented at the top and verbatim (compact) deep down, and the raw string.
    expect(page.body).toContain(escaped(`"class": "DeepJob",\n  "queue": "default"`));
    expect(page.body).toContain(escaped(`${"[".repeat(1000)}"core"${"]".repeat(1000)}`));
    expect(page.body).toContain("1234567890123456789012");
    expect(page.body).toContain(`<pre class="payload raw">${escaped(value)}</pre>`);
    const list = await get("/morgue");
    expect(list.status).toBe(200);
    expect(list.body).toContain(jid(1));
  });

  it("list pages with a 20k-deep ActiveJob job answer 200 and show the others too", async () => {
    const deep = deepJob(2, 20_000, true);
    const plain = `{"class":"PlainJob","queue":"default","args":[1],"jid":"${jid(3)}","enqueued_at":1795917297.5}`;
    await t.redis.sadd("queues", "default");
    await t.redis.lpush("queue:default", deep, plain);
    await t.redis.zadd("retry", "1795917400.5", deep);
    await t.redis.zadd("schedule", "1795917500.5", deep);
    await t.redis.sadd("processes", "host:1:deep");
    await t.redis.hset("host:1:deep", {
      info: '{"hostname":"host","pid":1,"concurrency":5,"queues":["default"]}',
      busy: "1",
      beat: String(Date.now() / 1000),
    });
    await t.redis.hset(
      "host:1:deep:work",
      "t1",
      JSON.stringify({ queue: "default", payload: deep, run_at: 1795917297 }),
    );
    for (const path of ["/queues/default", "/retries", "/scheduled", "/busy"]) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      expect(page.body, path).toContain("DeepJob");
      // The unwrapped arguments, from the stored bytes (truncated for the list).
      expect(page.body, path).toContain(`<code class="args">${"[".repeat(2000)}…</code>`);
    }
    expect((await get("/queues/default")).body).toContain("PlainJob");
    expect((await get(`/search?jid=${jid(2)}`)).body).toContain("/retries/");
  });

  it("a 20k-deep ActiveJob job's detail shows each argument from its stored bytes", async () => {
    await t.redis.zadd("retry", "1795917400.5", deepJob(4, 20_000, true));
    const page = await get(`/retries/${encodeURIComponent(`1795917400.5-${jid(4)}`)}`);
    expect(page.status).toBe(200);
    // One argument per line; the big integer and the float keep their bytes.
    expect(page.body).toMatch(/\n1234567890123456789012\n3\.0<\/pre>/);
    expect(page.body).toContain(`${"[".repeat(50)}`);
  });
});
