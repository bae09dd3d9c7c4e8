// Per-queue bridge tokens and per-token rate limits, through the real @upstash/redis client over
// HTTP: an enqueue token for `mailers` and `critical` pushes there and nowhere else (LPUSH, SADD,
// a scheduled job naming another queue, the idempotent push script; alone, in a pipeline or in
// MULTI); a queue-limited read token reads its own queue only; and a 10,000-request fuzz with
// case tricks, duplicate keys and escapes lands nothing outside the allowed queues.
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { bridge } from "../../src/bridge";
import { Client } from "../../src/core/client";
import { fromUpstash } from "../../src/redis/rest";
import { useTestRedis } from "../helpers/redis";
import { serveFetch } from "./serve";

const t = await useTestRedis();
const ENQUEUE = "mailers-enqueue-token-0123456789";
const READ = "mailers-read-token-0123456789abc";
const LIMITED = "rate-limited-token-0123456789abc";
const ALLOWED = ["mailers", "critical"];
const b = bridge({
  redis: t.redis,
  tokens: [
    { name: "mailers", token: ENQUEUE, scope: "enqueue", queues: ALLOWED },
    { name: "mailers-read", token: READ, scope: "read", queues: ["mailers"] },
    {
      name: "limited",
      token: LIMITED,
      scope: "enqueue",
      rateLimit: { requests: 3, seconds: 3600 },
    },
  ],
});
const served = await serveFetch(b);
afterAll(async () => {
  await served.close();
  await b.close();
});

function upstash(token: string) {
  return new UpstashRedis({
    url: served.url,
    token,
    automaticDeserialization: false,
    enableTelemetry: false,
    retry: false,
  });
}

const producer = upstash(ENQUEUE);
const client = new Client({ redis: fromUpstash(producer) });
const idempotent = new Client({ redis: fromUpstash(producer), idempotent: true });

beforeEach(() => t.flush());

/** Every key and its values, sorted: the state to compare before and after. */
async function snapshot(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const key of (await t.redis.keys("*")).sort()) {
    const type = await t.redis.type(key);
    if (type === "list") out[key] = await t.redis.lrange(key, 0, -1);
    else if (type === "zset") out[key] = (await t.redis.zrange(key, "0", "-1")).sort();
    else if (type === "set") out[key] = (await t.redis.smembers(key)).sort();
    else out[key] = [type];
  }
  return out;
}

describe("a queue-limited enqueue token", () => {
  it("pushes to its queues, now and scheduled, plain and idempotent", async () => {
    await client.push({ class: "Mail", args: [1], queue: "mailers" });
    await client.push({ class: "Mail", args: [2], queue: "critical", at: Date.now() / 1000 + 60 });
    await idempotent.push({ class: "Mail", args: [3], queue: "mailers" });
    await client.pushBulk({ class: "Mail", args: [[4], [5]], queue: "critical" });
    expect(await t.redis.llen("queue:mailers")).toBe(2);
    expect(await t.redis.llen("queue:critical")).toBe(2);
    expect(await t.redis.zcard("schedule")).toBe(1);
  });

  it("cannot push to another queue by any route", async () => {
    const attempts: [string, () => Promise<unknown>][] = [
      ["push", () => client.push({ class: "Mail", args: [], queue: "default" })],
      [
        "scheduled",
        () =>
          client.push({ class: "Mail", args: [], queue: "default", at: Date.now() / 1000 + 60 }),
      ],
      ["idempotent", () => idempotent.push({ class: "Mail", args: [], queue: "default" })],
      ["case", () => client.push({ class: "Mail", args: [], queue: "Mailers" })],
      ["raw lpush", () => producer.lpush("queue:default", '{"class":"X","queue":"default"}')],
      [
        "job naming another queue",
        () => producer.lpush("queue:mailers", '{"class":"X","queue":"default"}'),
      ],
      [
        "duplicate queue key",
        () => producer.lpush("queue:mailers", '{"class":"X","queue":"mailers","queue":"default"}'),
      ],
      [
        "escaped name",
        () => producer.lpush("queue:mailers", '{"class":"X","queue":"\\u0064efault"}'),
      ],
      ["no queue field", () => producer.lpush("queue:mailers", '{"class":"X"}')],
      [
        "schedule member",
        () => producer.zadd("schedule", { score: 1, member: '{"class":"X","queue":"default"}' }),
      ],
      ["sadd", () => producer.sadd("queues", "mailers", "default")],
      [
        "pipeline",
        () =>
          producer
            .pipeline()
            .lpush("queue:mailers", '{"class":"X","queue":"mailers"}')
            .lpush("queue:default", '{"class":"X","queue":"default"}')
            .exec(),
      ],
      [
        "multi",
        () =>
          producer
            .multi()
            .sadd("queues", "mailers")
            .zadd("schedule", { score: 1, member: '{"class":"X","queue":"critical"}' })
            .zadd("schedule", { score: 2, member: '{"queue":"other","class":"X"}' })
            .exec(),
      ],
    ];
    for (const [what, attempt] of attempts) {
      await expect(attempt(), what).rejects.toThrow(/NOPERM/);
    }
    expect(await snapshot()).toEqual({});
  });

  it("a limited read token reads its queue and nothing else", async () => {
    await t.redis.lpush("queue:mailers", '{"class":"A","queue":"mailers"}');
    await t.redis.lpush("queue:default", '{"class":"B","queue":"default"}');
    await t.redis.zadd("dead", 1, '{"class":"C","queue":"default"}');
    const reader = upstash(READ);
    expect(await reader.llen("queue:mailers")).toBe(1);
    expect(await reader.lrange("queue:mailers", 0, -1)).toEqual([
      '{"class":"A","queue":"mailers"}',
    ]);
    for (const attempt of [
      () => reader.lrange("queue:default", 0, -1),
      () => reader.zrange("dead", 0, -1),
      () => reader.zrange("schedule", 0, -1),
      () => reader.lpush("queue:mailers", "x"),
      () => reader.pipeline().llen("queue:mailers").llen("queue:default").exec(),
    ]) {
      await expect(attempt()).rejects.toThrow(/NOPERM/);
    }
  });
});

describe("a token's rate limit", () => {
  it("answers 429 with Retry-After once the bucket is empty, before reading the body", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${served.url}/`, {
        method: "POST",
        headers: { authorization: `Bearer ${LIMITED}` },
        body: JSON.stringify(["sadd", "queues", "default"]),
      });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        expect(await res.json()).toEqual({ error: "ERR too many requests for this token" });
      } else await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // One request regained per 1,200 s at 3 per hour.
    expect(Number(retryAfter)).toBeGreaterThan(1000);
    // Other tokens are not limited by it.
    expect(await upstash(ENQUEUE).sadd("queues", "mailers")).toBe(1);
  });
});

describe("fuzz: 10,000 requests with a queue-limited token", () => {
  // Deterministic, so a failure can be replayed.
  let seed = 0x5eed;
  /** mulberry32: every bit usable (a plain LCG's low bits cycle, and `% 2` would alternate). */
  const rand = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * n);
  };
  const pick = <T>(list: readonly T[]): T => list[rand(list.length)]!;
  const NAMES = [
    "mailers",
    "critical",
    "default",
    "Mailers",
    "MAILERS",
    "mailers ",
    " mailers",
    "mailers\u0000",
    "mailers:x",
    "criticaL",
    "queue:mailers",
    "mailer",
    "ma\u0131lers",
  ];
  /** Half the time an allowed name, so that enough requests pass for the check to mean something. */
  const name = () => (rand(2) ? pick(ALLOWED) : pick(NAMES));
  const job = (): string => {
    const q = name();
    const escaped = JSON.stringify(q).replace(
      /[a-z]/,
      (c) => `\\u00${c.charCodeAt(0).toString(16)}`,
    );
    switch (rand(8)) {
      case 0:
        return JSON.stringify({ class: "F", args: [q] });
      case 1:
        return `{"class":"F","queue":"${pick(ALLOWED)}","queue":${JSON.stringify(q)}}`;
      case 2:
        return `{"class":"F","queue":${escaped}}`;
      case 3:
        return `{"args":{"queue":"mailers"},"class":"F","queue":${JSON.stringify(q)}}`;
      case 4:
        return `  {"class":"F" , "queue" : ${JSON.stringify(q)} }  `;
      case 5:
        return `{"class":"F","queue":${rand(2) ? "null" : '["mailers"]'}}`;
      default:
        return JSON.stringify({ class: "F", queue: q, args: [rand(1000)] });
    }
  };
  const command = (): string[] => {
    const q = name();
    switch (rand(9)) {
      case 0:
        return ["sadd", "queues", q, ...(rand(3) ? [] : [name()])];
      case 1:
      case 2:
        return ["lpush", `queue:${q}`, job(), ...(rand(3) ? [] : [job()])];
      case 3:
      case 4:
        return ["zadd", "schedule", String(rand(1e9)), job()];
      case 5:
        return ["zadd", pick(["schedule", "Schedule", "retry", "dead"]), "1", job()];
      case 6:
        return ["rpush", `queue:${q}`, job()];
      case 7:
        return [pick(["del", "flushdb", "set", "lrem", "rename"]), `queue:${q}`, "x"];
      default:
        return ["lpush", pick(["QUEUE:mailers", "queue:", "queues", "schedule"]), job()];
    }
  };
  /** Command names in random case: the bridge must not care. */
  const caseTrick = (c: string[]): string[] => [
    [...c[0]!].map((ch) => (rand(2) ? ch.toUpperCase() : ch)).join(""),
    ...c.slice(1),
  ];

  it("lands nothing outside the allowed queues; what it accepts is only allowed queues", async () => {
    await t.redis.lpush("queue:default", '{"class":"Keep","queue":"default"}');
    await t.redis.set("unrelated", "keep");
    const before = await snapshot();
    const raw = async (path: string, body: unknown) => {
      const res = await fetch(`${served.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${ENQUEUE}` },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      return res.status;
    };
    const outcomes = { accepted: 0, refused: 0 };
    const count = (ok: boolean): void => {
      if (ok) outcomes.accepted++;
      else outcomes.refused++;
    };
    const one = async (): Promise<void> => {
      const size = 1 + rand(3);
      const commands = Array.from({ length: size }, command);
      switch (rand(5)) {
        case 0: {
          // The real client: a pipeline of its own methods.
          const p = producer.pipeline();
          for (const [name, key, ...rest] of commands) {
            if (name === "sadd") p.sadd(key!, rest[0]!, ...rest.slice(1));
            else if (name === "zadd" && rest.length === 2) {
              p.zadd(key!, { score: Number(rest[0]), member: rest[1]! });
            } else if (name === "lpush") p.lpush(key!, ...rest);
            else p.rpush(key!, ...rest);
          }
          return p.exec().then(
            () => count(true),
            () => count(false),
          );
        }
        case 1: {
          const m = producer.multi();
          for (const [name, key, ...rest] of commands) {
            if (name === "lpush") m.lpush(key!, ...rest);
            else if (name === "sadd") m.sadd(key!, rest[0]!, ...rest.slice(1));
            else m.zadd(key!, { score: 1, member: rest.at(-1)! });
          }
          return m.exec().then(
            () => count(true),
            () => count(false),
          );
        }
        case 2:
          count((await raw("/", caseTrick(commands[0]!))) === 200);
          return;
        case 3:
          count((await raw("/multi-exec", commands.map(caseTrick))) === 200);
          return;
        default:
          count((await raw("/pipeline", commands.map(caseTrick))) === 200);
      }
    };
    const REQUESTS = 10_000;
    const PARALLEL = 8;
    for (let i = 0; i < REQUESTS; i += PARALLEL) {
      await Promise.all(Array.from({ length: PARALLEL }, one));
    }
    expect(outcomes.accepted + outcomes.refused).toBe(REQUESTS);
    // The fuzz must exercise both sides, or it proves nothing.
    expect(outcomes.accepted).toBeGreaterThan(100);
    expect(outcomes.refused).toBeGreaterThan(REQUESTS / 2);

    const after = await snapshot();
    const allowedKeys = new Set(["queues", "schedule", "queue:mailers", "queue:critical"]);
    for (const key of Object.keys(after)) {
      if (key in before) expect(after[key], key).toEqual(before[key]);
      else expect(allowedKeys.has(key), key).toBe(true);
    }
    for (const name of after.queues ?? []) expect(ALLOWED).toContain(name);
    const landed = [
      ...(after["queue:mailers"] ?? []),
      ...(after["queue:critical"] ?? []),
      ...(after.schedule ?? []),
    ];
    expect(landed.length).toBeGreaterThan(50);
    for (const json of landed) {
      // Every parser keeps one of the duplicates: check each "queue" value, as well as the last.
      const parsed = JSON.parse(json) as { queue?: unknown };
      expect(ALLOWED, json).toContain(parsed.queue);
      for (const m of json.matchAll(/"queue"\s*:\s*("(?:[^"\\]|\\.)*")/g)) {
        if (json.indexOf('"args":{"queue"') !== -1 && m.index < json.indexOf('"class"')) continue;
        expect(ALLOWED, json).toContain(JSON.parse(m[1]!));
      }
    }
  }, 180_000);
});
