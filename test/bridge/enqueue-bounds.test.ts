// What an enqueue token may add to `queues` (#13 item 5: one 2.6 MB pipeline added 200,000 queue
// names, and the dashboard's queue list then took 17 s). Queue names are checked wherever a push
// names one: SADD members, `queue:<name>` keys, the push script's arguments, and the top-level
// "queue" of every job written (a scheduled or retried job is later pushed to that queue).
// Names already in `queues` always pass; new ones are counted per token up to `maxNewQueues`.
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type Bridge, bridge } from "../../src/bridge";
import { Client } from "../../src/core/client";
import { fromUpstash } from "../../src/redis/rest";
import { useTestRedis } from "../helpers/redis";
import { serveFetch } from "./serve";

const t = await useTestRedis();
const TOKEN = "bounds-enqueue-token-0123456789";
const bridges: Bridge[] = [];
afterAll(async () => {
  for (const b of bridges) await b.close();
});
beforeEach(() => t.flush());

function enqueueBridge(maxNewQueues?: number): Bridge {
  const b = bridge({
    redis: t.redis,
    tokens: [{ name: "edge", token: TOKEN, scope: "enqueue" }],
    ...(maxNewQueues === undefined ? {} : { maxNewQueues }),
  });
  bridges.push(b);
  return b;
}

async function post(b: Bridge, body: unknown, path = "/") {
  const res = await b.fetch(
    new Request(`http://bridge.test${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
  return { status: res.status, body: (await res.json()) as { error?: string } };
}

const job = (queue: unknown, extra = "") =>
  `{"class":"A","args":[],"queue":${JSON.stringify(queue)},"jid":"j"${extra}}`;

describe("the enqueue token's queue names", () => {
  it("refuses a transaction of 90,000 new queue names whole: `queues` stays empty", async () => {
    const b = enqueueBridge();
    const names = Array.from({ length: 200_000 }, (_, i) => `q${i}`);
    // The 200,000 names in one request: over the argument limit before anything else.
    const all = await post(b, [["SADD", "queues", ...names]], "/pipeline");
    expect(all.status).toBe(413);
    // 90,000 fit the argument limit; the queue limit refuses them.
    const a = await post(
      b,
      [
        ["SADD", "queues", ...names.slice(0, 90_000)],
        ["LPUSH", "queue:default", job("default")],
      ],
      "/multi-exec",
    );
    expect(a.status).toBe(403);
    expect(a.body.error).toBe(
      "NOPERM this token may create at most 1000 new queues (the bridge's maxNewQueues)",
    );
    expect(await t.redis.scard("queues")).toBe(0);
    expect(await t.redis.exists("queue:default")).toBe(0);
  });

  it("takes names of 1-128 letters, digits, _ - . : and nothing else", async () => {
    const b = enqueueBridge();
    for (const name of ["a-b_c.d:e", "X9", "q".repeat(128)]) {
      expect((await post(b, ["SADD", "queues", name])).status).toBe(200);
    }
    for (const name of ["", "a b", "q".repeat(129), "é", "a\nb", "a/b", "<script>"]) {
      const sadd = await post(b, ["SADD", "queues", name]);
      expect({ name, status: sadd.status }).toEqual({ name, status: 403 });
      expect(sadd.body.error).toMatch(/^NOPERM queue names must be 1-128 letters/);
      expect((await post(b, ["LPUSH", `queue:${name}`, job(name)])).status).toBe(403);
    }
    expect(await t.redis.scard("queues")).toBe(3);
  });

  it("counts new names across requests up to maxNewQueues; existing queues always pass", async () => {
    const b = enqueueBridge(3);
    await t.redis.sadd("queues", "existing-1", "existing-2");
    const served = await serveFetch(b);
    try {
      const client = new Client({
        redis: fromUpstash(
          new UpstashRedis({ url: served.url, token: TOKEN, enableTelemetry: false }),
        ),
      });
      for (const queue of ["existing-1", "n1", "n2", "existing-2", "n3", "n1"]) {
        await client.push({ class: "A", args: [], queue });
      }
      await expect(client.push({ class: "A", args: [], queue: "n4" })).rejects.toThrow(
        /at most 3 new queues/,
      );
      await client.push({ class: "A", args: [], queue: "existing-1" });
      expect((await t.redis.smembers("queues")).sort()).toEqual([
        "existing-1",
        "existing-2",
        "n1",
        "n2",
        "n3",
      ]);
      expect(await t.redis.llen("queue:existing-1")).toBe(2);
    } finally {
      await served.close();
    }
  });

  it("counts a job's own top-level queue, in LPUSH, ZADD and the push script", async () => {
    const b = enqueueBridge(0);
    await t.redis.sadd("queues", "default");
    // Its own queue is known: fine; nested "queue" keys (arguments) are not queues.
    const nested = job("default", ',"wrapped":{"queue":"elsewhere"},"x":[{"queue":1}]');
    expect((await post(b, ["LPUSH", "queue:default", nested])).status).toBe(200);
    const elsewhere = job("elsewhere");
    const escaped = '{"class":"A","q\\u0075eue":"elsewhere"}';
    const twice = '{"queue":"default","class":"A","queue":"elsewhere"}';
    for (const command of [
      ["LPUSH", "queue:default", elsewhere],
      ["LPUSH", "queue:default", escaped],
      ["LPUSH", "queue:default", twice],
      ["ZADD", "schedule", 1e10, elsewhere],
      ["ZADD", "schedule", "NX", 1e10, elsewhere],
    ]) {
      const a = await post(b, command);
      expect({ command, status: a.status }).toEqual({ command, status: 403 });
    }
    const notString = await post(b, ["LPUSH", "queue:default", job(7)]);
    expect(notString).toEqual({
      status: 403,
      body: { error: 'NOPERM a job\'s "queue" must be a string' },
    });
    const served = await serveFetch(b);
    try {
      const idempotent = new Client({
        redis: fromUpstash(
          new UpstashRedis({ url: served.url, token: TOKEN, enableTelemetry: false }),
        ),
        idempotent: true,
      });
      await expect(idempotent.push({ class: "A", args: [], queue: "brand-new" })).rejects.toThrow(
        /at most 0 new queues/,
      );
      const later = { class: "A", args: [], queue: "default", at: Date.now() / 1000 + 60 };
      await expect(idempotent.push(later)).resolves.toBeTypeOf("string");
    } finally {
      await served.close();
    }
    expect(await t.redis.smembers("queues")).toEqual(["default"]);
    expect(await t.redis.llen("queue:default")).toBe(1);
  });
});
