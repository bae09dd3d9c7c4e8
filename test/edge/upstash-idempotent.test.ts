// Idempotent pushes. @upstash/redis resends a request when fetch throws, even if the server had
// already run it (the response was lost). This test loses responses on purpose, at the socket,
// after the bridge has executed the push: a plain push lands twice, an idempotent one once.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { bridge } from "../../src/bridge";
import { Client } from "../../src/core/client";
import { ConfigError } from "../../src/core/errors";
import { pushIdempotent } from "../../src/redis/scripts/index.gen";
import { fromIoredis } from "../../src/redis/tcp";
import { type Served, serveFetch } from "../bridge/serve";
import { countingRedis } from "../helpers/counting-redis";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const TOKEN = "idempotent-enqueue-token-0123456789";
const b = bridge({ redis: t.redis, tokens: [{ name: "edge", token: TOKEN, scope: "enqueue" }] });
let drop = 0;
let requests = 0;
const served: Served = await serveFetch(
  {
    fetch: (request) => {
      requests++;
      return b.fetch(request);
    },
  },
  { dropResponse: () => drop-- > 0 },
);
afterAll(async () => {
  await served.close();
  await b.close();
});
beforeEach(async () => {
  await t.flush();
  drop = 0;
  requests = 0;
});

const rest = (idempotent: boolean) =>
  new Client({ redis: { url: served.url, token: TOKEN }, idempotent });

describe("a push whose response is lost", () => {
  it("lands twice without idempotent mode (the hazard this mode exists for)", async () => {
    drop = 1;
    const jid = await rest(false).push({ class: "HardJob", args: [1] });
    expect(requests).toBe(2);
    const jobs = await t.redis.lrange("queue:default", 0, -1);
    expect(jobs.map((j) => JSON.parse(j).jid)).toEqual([jid, jid]);
  });

  it("lands once with idempotent mode, and the caller still gets its jid", async () => {
    drop = 1;
    const jid = await rest(true).push({ class: "HardJob", args: [1] });
    expect(requests).toBeGreaterThanOrEqual(2);
    const jobs = await t.redis.lrange("queue:default", 0, -1);
    expect(jobs.map((j) => JSON.parse(j).jid)).toEqual([jid]);
    expect(await t.redis.smembers("queues")).toEqual(["default"]);
  });

  it("a bulk push lands each job once, scheduled ones too", async () => {
    drop = 2;
    const client = rest(true);
    const jids = await client.pushBulk({ class: "BulkJob", args: [[1], [2], [3]], queue: "low" });
    await client.push({ class: "Later", args: [], at: Date.now() / 1000 + 3600, jid: "later-1" });
    const queued = (await t.redis.lrange("queue:low", 0, -1)).map((j) => JSON.parse(j).jid);
    expect(queued.sort()).toEqual([...jids].sort());
    expect(await t.redis.zrange("schedule", 0, "-1")).toHaveLength(1);
  });
});

describe("idempotent mode (over TCP as well)", () => {
  it("writes the same payload as a plain push, plus a marker with the TTL", async () => {
    const plain = new Client({ redis: t.redis });
    const idem = new Client({ redis: t.redis, idempotent: { ttlSeconds: 120 } });
    await plain.push({ class: "A", args: [1, "x"], jid: "j-plain", queue: "q" });
    await idem.push({ class: "A", args: [1, "x"], jid: "j-idem", queue: "q" });
    const [second, first] = (await t.redis.lrange("queue:q", 0, -1)).map((j) => JSON.parse(j));
    expect(Object.keys(second)).toEqual(Object.keys(first));
    expect({ ...second, jid: 0, created_at: 0, enqueued_at: 0 }).toEqual({
      ...first,
      jid: 0,
      created_at: 0,
      enqueued_at: 0,
    });
    const ttl = await t.redis.ttl("edgekiq:pushed:j-idem");
    expect(ttl).toBeGreaterThan(110);
    expect(ttl).toBeLessThanOrEqual(120);
    expect(await t.redis.exists("edgekiq:pushed:j-plain")).toBe(0);
  });

  it("skips a jid it has already pushed", async () => {
    const client = new Client({ redis: t.redis, idempotent: true });
    expect(await client.push({ class: "A", args: [], jid: "same" })).toBe("same");
    expect(await client.push({ class: "A", args: [2], jid: "same" })).toBe("same");
    expect(await t.redis.llen("queue:default")).toBe(1);
    expect(await t.redis.ttl("edgekiq:pushed:same")).toBeGreaterThan(3500);
  });

  it("costs one script call per 1,000 jobs", async () => {
    const redis = countingRedis(fromIoredis(t.redis));
    const client = new Client({ redis, idempotent: true });
    await client.pushBulk({ class: "B", args: Array.from({ length: 2500 }, (_, i) => [i]) });
    expect(redis.trips.map((trip) => trip.kind)).toEqual([
      "evalScript",
      "evalScript",
      "evalScript",
    ]);
    expect(redis.trips[0]!.commands[0]![1]).toBe(pushIdempotent.sha1);
    expect(await t.redis.llen("queue:default")).toBe(2500);
  });

  it("refuses a TTL that is not a positive integer", () => {
    expect(() => new Client({ redis: t.redis, idempotent: { ttlSeconds: 0 } })).toThrow(
      ConfigError,
    );
    expect(() => new Client({ redis: t.redis, idempotent: { ttlSeconds: 1.5 } })).toThrow(
      /positive integer/,
    );
  });
});
