// edgekiq/api and the dashboard over the REST transport: the real @upstash/redis client talking
// HTTP to edgekiq's bridge in front of this file's database. Same operations as over TCP, same
// bytes in Redis.
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DeadSet, ProcessSet, Queue, RetrySet, Stats, WorkSet } from "../../src/api";
import { bridge } from "../../src/bridge";
import { Client } from "../../src/core/client";
import { fromUpstash } from "../../src/redis/rest";
import { dashboard } from "../../src/web";
import { serveFetch } from "../bridge/serve";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const TOKEN = "api-rest-admin-token-0123456789abcdef";
const b = bridge({ redis: t.redis, tokens: [{ name: "admin", token: TOKEN, scope: "admin" }] });
const served = await serveFetch(b);
afterAll(async () => {
  await served.close();
  await b.close();
});
const redis = fromUpstash(
  new UpstashRedis({ url: served.url, token: TOKEN, enableTelemetry: false }),
);

beforeEach(() => t.flush());

const retryPayload = (jid: string) =>
  `{"retry":2,"queue":"default","args":[12345678901234567890,3.0],"class":"FailJob","jid":"${jid}","created_at":1795917170.339934,"enqueued_at":1795917170.3399453,"error_message":"boom","error_class":"ArgumentError","failed_at":1795917175.458855,"retry_count":1}`;

describe("edgekiq/api over REST", () => {
  it("reads stats, queues, processes and running jobs", async () => {
    const client = new Client({ redis });
    await client.push({ class: "A", args: [1] });
    await client.push({ class: "A", args: [2], queue: "low" });
    await t.redis.set("stat:processed", "11");
    await t.redis.sadd("processes", "h:1:x");
    await t.redis.hset("h:1:x", {
      info: '{"hostname":"h","pid":1,"concurrency":4,"queues":["default"]}',
      busy: "1",
      beat: "1795917175.5",
      quiet: "false",
    });
    await t.redis.hset(
      "h:1:x:work",
      "t1",
      JSON.stringify({
        queue: "default",
        payload: retryPayload("c".repeat(24)),
        run_at: 1795917175,
      }),
    );
    const s = await new Stats({ redis }).fetch();
    expect(s).toMatchObject({
      processed: 11,
      enqueued: 2,
      processes: 1,
      busy: 1,
      queues: { default: 1, low: 1 },
    });
    expect((await new Stats({ redis }).history(2)).processed).toBeTypeOf("object");
    const page = await new Queue("default", { redis }).page();
    expect(page.items.map((j) => j.args)).toEqual([[1]]);
    const [p] = await new ProcessSet({ redis }).list();
    expect(p?.data.concurrency).toBe(4);
    await p!.quiet();
    expect(await t.redis.lrange("h:1:x-signals", 0, -1)).toEqual(["TSTP"]);
    const [w] = await new WorkSet({ redis }).list();
    expect(w?.payload).toBe(retryPayload("c".repeat(24)));
  });

  it("retry now, kill, delete and retryAll act on exact bytes (Lua scripts over REST)", async () => {
    for (const [i, id] of ["a", "b", "c", "d"].entries()) {
      await t.redis.zadd("retry", `${i + 1}.5`, retryPayload(id.repeat(24)));
    }
    const set = new RetrySet({ redis });
    expect(await (await set.findJob("a".repeat(24)))!.retry()).toBe(true);
    const pushed = (await t.redis.lindex("queue:default", 0))!;
    expect(pushed).toContain('"args":[12345678901234567890,3.0]');
    expect(pushed).toContain('"retry_count":0');
    expect(await (await set.findJob("b".repeat(24)))!.kill()).toBe(true);
    expect(await t.redis.zrange("dead", "0", "-1")).toEqual([retryPayload("b".repeat(24))]);
    expect(await (await set.findJob("c".repeat(24)))!.delete()).toBe(true);
    expect(await set.retryAll()).toBe(1);
    expect(await new DeadSet({ redis }).retryAll()).toBe(1);
    expect(await t.redis.llen("queue:default")).toBe(3);
    expect(await set.size()).toBe(0);
  });

  it("the dashboard runs over REST too", async () => {
    await t.redis.zadd("retry", "1.5", retryPayload("e".repeat(24)));
    const dash = dashboard({ redis, auth: "open" });
    const res = await dash.fetch(new Request("http://127.0.0.1/retries"));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("FailJob");
    const overview = await dash.fetch(new Request("http://127.0.0.1/"));
    expect(overview.status).toBe(200);
  });
});
