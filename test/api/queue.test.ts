// Queue API on a real Redis, with jobs written by our client: listing, paging, latency, find,
// delete by exact string, clear.
import { beforeEach, describe, expect, it } from "vitest";
import { Queue } from "../../src/api";
import { Client } from "../../src/core/client";
import { fromIoredis } from "../../src/redis/tcp";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const redis = fromIoredis(t.redis);
const client = new Client({ redis });

beforeEach(() => t.flush());

describe("Queue", () => {
  it("Queue.all lists every queue the client pushed to, sorted", async () => {
    await client.push({ class: "A", args: [], queue: "mailers" });
    await client.push({ class: "A", args: [], queue: "critical" });
    const all = await Queue.all({ redis });
    expect(all.map((q) => q.name)).toEqual(["critical", "mailers"]);
  });

  it("pages newest first by default and oldest first on request, with list positions", async () => {
    const jids: string[] = [];
    for (let i = 0; i < 7; i++) jids.push((await client.push({ class: "A", args: [i] }))!);
    const q = new Queue("default", { redis });
    expect(await q.size()).toBe(7);
    const p1 = await q.page(1, 3);
    expect(p1.total).toBe(7);
    expect(p1.items.map((j) => j.args[0])).toEqual([6, 5, 4]);
    expect(p1.items.map((j) => j.index)).toEqual([0, 1, 2]);
    const p3 = await q.page(3, 3);
    expect(p3.items.map((j) => j.args[0])).toEqual([0]);
    const oldest = await q.page(1, 3, { oldestFirst: true });
    expect(oldest.items.map((j) => j.args[0])).toEqual([0, 1, 2]);
    expect(oldest.items.map((j) => j.index)).toEqual([6, 5, 4]);
    expect(oldest.items[0]!.jid).toBe(jids[0]);
  });

  it("latency is the age of the oldest job, in seconds", async () => {
    await t.redis.lpush(
      "queue:default",
      JSON.stringify({
        class: "A",
        args: [],
        jid: "a".repeat(24),
        enqueued_at: Date.now() / 1000 - 42.5,
      }),
    );
    await client.push({ class: "A", args: [] });
    const latency = await new Queue("default", { redis }).latency();
    expect(latency).toBeGreaterThan(42);
    expect(latency).toBeLessThan(60);
    expect(await new Queue("empty", { redis }).latency()).toBe(0);
  });

  it("findJob finds by jid; delete removes that exact string and nothing else", async () => {
    const keep = await client.push({ class: "A", args: ["keep"] });
    const gone = await client.push({ class: "A", args: ["gone"] });
    // Same bytes as another job except the jid: delete must not touch it.
    const q = new Queue("default", { redis });
    const job = await q.findJob(gone!);
    expect(job?.args).toEqual(["gone"]);
    expect(await job!.delete()).toBe(true);
    expect(await job!.delete()).toBe(false);
    expect(await q.size()).toBe(1);
    expect((await q.findJob(keep!))?.jid).toBe(keep);
    expect(await q.findJob("nope")).toBeUndefined();
  });

  it("findJobNear uses the position hint and falls back to a scan when the list moved", async () => {
    const first = await client.push({ class: "A", args: [1] });
    await client.push({ class: "A", args: [2] });
    const q = new Queue("default", { redis });
    expect((await q.findJobNear(first!, 1))?.index).toBe(1);
    await client.push({ class: "A", args: [3] }); // shifts positions
    const moved = await q.findJobNear(first!, 1);
    expect(moved?.jid).toBe(first);
    expect(moved?.index).toBe(2);
  });

  it("keeps the stored bytes: rawArgs shows big integers and 3.0 as written", async () => {
    const raw =
      '{"retry":true,"queue":"default","args":[12345678901234567890,3.0,"x"],"class":"A","jid":"0123456789abcdef01234567","created_at":1795917170.3387341,"enqueued_at":1795917170.3388467}';
    await t.redis.lpush("queue:default", raw);
    const [job] = (await new Queue("default", { redis }).page()).items;
    expect(job!.value).toBe(raw);
    expect(job!.rawArgs).toBe('[12345678901234567890,3.0,"x"]');
    expect(job!.enqueuedAt?.getTime()).toBe(1795917170338);
    expect(await job!.delete()).toBe(true);
  });

  it("clear deletes the list and forgets the queue name", async () => {
    await client.push({ class: "A", args: [], queue: "low" });
    await new Queue("low", { redis }).clear();
    expect(await t.redis.exists("queue:low")).toBe(0);
    expect(await t.redis.smembers("queues")).toEqual([]);
  });

  it("works with a Sidekiq 6 namespace", async () => {
    const nsClient = new Client({ redis, namespace: "app" });
    await nsClient.push({ class: "A", args: [1] });
    const q = new Queue("default", { redis, namespace: "app" });
    expect(await q.size()).toBe(1);
    expect((await Queue.all({ redis, namespace: "app" })).map((x) => x.name)).toEqual(["default"]);
    expect(await new Queue("default", { redis }).size()).toBe(0);
  });
});
