// The bridge's enqueue scope and periodic jobs: @upstash/redis through the bridge with an enqueue
// token runs cronTick (the tick script, by SHA-1 or by its text after a script flush) and nothing
// more: no other keys in the script's places, no marker pushed into the future, no registry or
// pause writes, no reads, no declare script.
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { bridge } from "../../src/bridge";
import { Keys } from "../../src/core/keys";
import { tickCall } from "../../src/core/periodic/tick";
import { cronTick, periodic } from "../../src/index";
import { periodicDeclare, periodicTick } from "../../src/redis/scripts/index.gen";
import { useTestRedis } from "../helpers/redis";
import { serveFetch } from "./serve";

const t = await useTestRedis();
const TOKEN = "periodic-enqueue-token-0123456789";
const b = bridge({ redis: t.redis, tokens: [{ name: "edge", token: TOKEN, scope: "enqueue" }] });
const served = await serveFetch(b);
const upstash = new UpstashRedis({
  url: served.url,
  token: TOKEN,
  automaticDeserialization: false,
  enableTelemetry: false,
});
afterAll(async () => {
  await served.close();
  await b.close();
});
beforeEach(() => t.flush());

const entry = periodic("reports", "*/10 * * * *", "Report", [7], { queue: "reports" });
const keys = new Keys();

/** Sends one tick call as the given command through the enqueue token; the error text or "ok". */
async function send(command: string[]): Promise<string> {
  try {
    const res = await fetch(served.url, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(command),
    });
    const body = (await res.json()) as { error?: string };
    return body.error ?? "ok";
  } catch (err) {
    return (err as Error).message;
  }
}

function tickCommand(mutate: (keys: string[], args: string[]) => void = () => {}): string[] {
  const now = Date.now();
  const call = tickCall(keys, entry, [now - (now % 600_000)], {
    nowMs: now,
    timestamps: "seconds",
    declareUntil: now + 60_000,
  });
  const k = [...call.keys];
  const a = call.args.map(String);
  mutate(k, a);
  return ["evalsha", periodicTick.sha1, String(k.length), ...k, ...a];
}

describe("an enqueue token and periodic jobs", () => {
  it("runs cronTick through @upstash/redis, also after the script cache was flushed", async () => {
    await t.redis.script("FLUSH");
    const now = Date.now();
    const first = await cronTick({ redis: upstash, periodic: [entry], now });
    expect(first.entries[0]!.last).toBe(now - (now % 600_000));
    // The first call of a new entry records its tick; pretend the marker is one tick older.
    await t.redis.hset("edgekiq:periodic:reports", "last", first.entries[0]!.last! - 600_000);
    const second = await cronTick({ redis: upstash, periodic: [entry], now });
    expect(second.pushed).toBe(1);
    const [job] = await t.redis.lrange("queue:reports", 0, -1);
    expect(JSON.parse(job!)).toMatchObject({ class: "Report", args: [7], queue: "reports" });
    expect(await t.redis.zrange("edgekiq:periodic", "0", "-1")).toEqual(["reports"]);
  });

  it("accepts the tick call as cronTick sends it", async () => {
    expect(await send(tickCommand())).toBe("ok");
  });

  const refusals: [string, (k: string[], a: string[]) => void, RegExp][] = [
    ["another entry's state key", (k) => (k[2] = "edgekiq:periodic:other"), /out of place/],
    ["a foreign key as the run log", (k) => (k[3] = "stat:processed"), /out of place/],
    ["a registry elsewhere", (k) => (k[4] = "processes"), /out of place/],
    ["a queue name that is not the key's", (_, a) => (a[1] = "default"), /out of place/],
    [
      "a bad entry name",
      (k, a) => {
        a[0] = "a b";
        k[2] = "edgekiq:periodic:a b";
        k[3] = "edgekiq:periodic-runs:a b";
      },
      /out of place/,
    ],
    ["an unbounded run log", (_, a) => (a[3] = "100000"), /out of place/],
    [
      "a tick a year ahead",
      (_, a) => (a[7] = String(Date.now() + 365 * 86_400_000)),
      /no later than now/,
    ],
    ["a jid that is not one", (_, a) => (a[8] = 'x","at":1'), /bad jid/],
    [
      "a job for a bad queue name",
      (_, a) => (a[9] = '{"class":"A","args":[],"queue":"a b"}'),
      /queue names/,
    ],
  ];
  for (const [what, mutate, message] of refusals) {
    it(`refuses ${what}`, async () => {
      expect(await send(tickCommand(mutate))).toMatch(message);
      expect(await t.redis.exists("edgekiq:periodic:reports", "queue:reports")).toBe(0);
    });
  }

  it("refuses everything else periodic: pause, registry, reads, the declare script", async () => {
    for (const command of [
      ["hset", "edgekiq:periodic:reports", "paused", "1"],
      ["zadd", "edgekiq:periodic", "1", "x"],
      ["hgetall", "edgekiq:periodic:reports"],
      ["lrange", "edgekiq:periodic-runs:reports", "0", "-1"],
      ["evalsha", periodicDeclare.sha1, "1", "edgekiq:periodic", "1", "2", "a", "b", "1"],
    ]) {
      expect(await send(command)).toMatch(/^NOPERM/);
    }
  });
});
