// Names that are also properties of every plain object (`__proto__`, `constructor`, `toString`)
// or that objects reorder ("10") are data like any other: they show up in /stats/queues in
// longest-first order, in the API's per-queue lengths, in a worker's queue list, and
// `/assets/<name>` finds only the dashboard's own files.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { Stats } from "../../src/api/stats";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import { parseQueues } from "../../src/worker/queues";
import { useTestRedis } from "../helpers/redis";
import { serve } from "./serve";

const t = await useTestRedis();
const redis = fromIoredis(t.redis);
const server = await serve(dashboard({ redis, auth: "open" }));
afterAll(() => server.close());
beforeEach(() => t.flush());

async function seedQueues(): Promise<void> {
  const lengths: [string, number][] = [
    ["__proto__", 4],
    ["constructor", 3],
    ["10", 2],
    ["toString", 1],
  ];
  for (const [q, n] of lengths) {
    await t.redis.sadd("queues", q);
    for (let i = 0; i < n; i++) await t.redis.lpush(`queue:${q}`, `{"class":"A","args":[${i}]}`);
  }
}

describe("queue names that are object properties", () => {
  it("/stats/queues lists every one, longest first", async () => {
    await seedQueues();
    const res = await fetch(`${server.url}/stats/queues`);
    const text = await res.text();
    expect(text).toBe('{"__proto__":4,"constructor":3,"10":2,"toString":1}');
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("link")).toBeNull();
  });

  it("Stats#fetch and Stats#queues keep them as own keys", async () => {
    await seedQueues();
    const stats = new Stats({ redis });
    for (const queues of [await stats.queues(), (await stats.fetch()).queues]) {
      expect(Object.hasOwn(queues, "__proto__")).toBe(true);
      expect(Object.getOwnPropertyDescriptor(queues, "__proto__")?.value).toBe(4);
      expect(queues.constructor).toBe(3);
      expect(JSON.parse(JSON.stringify(queues))).toEqual(
        JSON.parse('{"__proto__":4,"constructor":3,"10":2,"toString":1}'),
      );
    }
    expect((await stats.fetch()).enqueued).toBe(10);
  });

  it("a worker keeps queues named like object properties", () => {
    const q = parseQueues(["toString", "__proto__", "constructor", "default"]);
    expect(q.names).toEqual(["toString", "__proto__", "constructor", "default"]);
    expect(Object.hasOwn(q.weights, "__proto__")).toBe(true);
  });

  it("/assets/<name> serves only the dashboard's own files", async () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect((await fetch(`${server.url}/assets/${name}`)).status, name).toBe(404);
    }
    expect((await fetch(`${server.url}/assets/app.css`)).status).toBe(200);
  });
});
