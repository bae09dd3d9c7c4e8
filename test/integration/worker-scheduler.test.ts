// The scheduler on a real Redis: due jobs of `retry` then `schedule` move to their queues in one
// atomic Lua call per batch, with enqueued_at edited inside the string, and never twice.
import { describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { Keys } from "../../src/core/keys";
import { fromIoredis } from "../../src/redis/tcp";
import { enqueueDueJobs } from "../../src/worker/scheduled";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
const redis = fromIoredis(t.redis);
const keys = new Keys();

/** How many arrays are nested down the first element (iterative: deep values overflow recursion). */
function depthOf(value: unknown): number {
  let depth = 0;
  for (let v = value; Array.isArray(v); v = v[0]) depth++;
  return depth;
}

describe("scheduler", () => {
  it("moves due jobs to their queues with a fresh enqueued_at, keeping every other byte", async () => {
    await t.flush();
    const now = Date.now() / 1000;
    const noEnq =
      '{"retry":true,"queue":"mail","class":"A","args":[12345678901234567890,3.0],"jid":"a1","created_at":1795917170.0}';
    const withEnq =
      '{"retry":true,"queue":"default","args":[{"job_class":"X","enqueued_at":"2026-11-29T01:54:16Z","n":{"enqueued_at":5}}],"class":"B","jid":"b1","created_at":1.5,"enqueued_at":1795917170.3388467,"error_message":"x","retry_count":0}';
    const future = '{"queue":"default","class":"C","args":[],"jid":"c1"}';
    await t.redis.zadd("schedule", now - 5, noEnq, now + 3600, future);
    await t.redis.zadd("retry", now - 1, withEnq);
    const before = Date.now() / 1000;
    expect(await enqueueDueJobs(redis, keys, "seconds")).toBe(2);
    const [mail] = await t.redis.lrange("queue:mail", 0, -1);
    const [dflt] = await t.redis.lrange("queue:default", 0, -1);
    // appended enqueued_at; all other bytes identical
    expect(mail!.startsWith(noEnq.slice(0, -1))).toBe(true);
    const m = JSON.parse(mail!);
    expect(m.enqueued_at).toBeGreaterThanOrEqual(before - 0.01);
    expect(mail).toMatch(/,"enqueued_at":\d+\.\d+\}$/);
    // replaced only the top-level enqueued_at; the nested ones in args stay
    expect(dflt).toContain('"enqueued_at":"2026-11-29T01:54:16Z","n":{"enqueued_at":5}');
    expect(JSON.parse(dflt!).enqueued_at).toBeGreaterThanOrEqual(before - 0.01);
    expect(dflt!.replace(/"enqueued_at":\d+\.\d+,"error_message"/, "")).toBe(
      withEnq.replace(/"enqueued_at":1795917170\.3388467,"error_message"/, ""),
    );
    expect(await t.redis.smembers("queues")).toEqual(expect.arrayContaining(["mail", "default"]));
    expect(await t.redis.zrange("schedule", "0", "-1")).toEqual([future]);
    expect(await t.redis.zcard("retry")).toBe(0);
  });

  it("writes integer milliseconds in milliseconds mode", async () => {
    await t.flush();
    await t.redis.zadd("schedule", 1, '{"queue":"default","class":"A","args":[],"jid":"a"}');
    await enqueueDueJobs(redis, keys, "milliseconds");
    const [job] = await t.redis.lrange("queue:default", 0, -1);
    expect(job).toMatch(/"enqueued_at":\d{13}\}$/);
  });

  it("moves more than one batch and never moves a job twice under concurrent pollers", async () => {
    await t.flush();
    const args: (string | number)[] = [];
    for (let i = 0; i < 1000; i++)
      args.push(1 + i, `{"queue":"default","class":"A","args":[${i}],"jid":"j${i}"}`);
    await t.redis.zadd("schedule", ...args);
    const pollers = Array.from({ length: 4 }, () => fromIoredis(t.connect()));
    const moved = await Promise.all(pollers.map((p) => enqueueDueJobs(p, keys, "seconds")));
    expect(moved.reduce((a, b) => a + b, 0)).toBe(1000);
    const jobs = await t.redis.lrange("queue:default", 0, -1);
    expect(new Set(jobs.map((j) => JSON.parse(j).jid)).size).toBe(1000);
    expect(jobs).toHaveLength(1000);
  });

  it("a member that is not a job goes to dead instead of blocking the set", async () => {
    await t.flush();
    const notJobs = [
      "garbage",
      '{"class":"NoQueue","args":[]}',
      '{"queue":"default","class":"Cut"',
      '{"queue":"default","args":["never closed}',
      '{"queue":"default","class":"Tail"} trailing',
      '[{"queue":"default","class":"InArray"}]',
      '{"queue":"","class":"Empty"}',
      '{"queue":7,"class":"Number"}',
      '{"queue":"bad\\x","class":"BadEscape"}',
    ];
    const good = '{"queue":"default","class":"Good","args":[]}';
    await t.redis.zadd("schedule", ...notJobs.flatMap((m, i) => [i + 1, m]), 99, good);
    expect(await enqueueDueJobs(redis, keys, "seconds")).toBe(notJobs.length + 1);
    expect((await t.redis.zrange("dead", "0", "-1")).sort()).toEqual([...notJobs].sort());
    // The batch went on past them: the good job moved, nothing else did.
    const queued = await t.redis.lrange("queue:default", 0, -1);
    expect(queued.map((j) => JSON.parse(j).class)).toEqual(["Good"]);
    expect(await t.redis.zcard("schedule")).toBe(0);
  });

  it("moves what Redis's cjson cannot decode (5,000 levels, an escaped lone surrogate) byte for byte", async () => {
    await t.flush();
    const deep = `${"[".repeat(5000)}1${"]".repeat(5000)}`;
    const members = [
      `{"retry":3,"queue":"default","class":"Deep","args":[${deep}],"jid":"deep-s"}`,
      '{"retry":3,"queue":"default","class":"Lone","args":["a\\ud800b"],"jid":"lone-s"}',
    ];
    const failed = members.map((m) =>
      m.replace(/"jid":"(\w+)-s"}$/, '"jid":"$1-r","error_message":"x","retry_count":0}'),
    );
    for (const m of [...members, ...failed]) expect(() => JSON.parse(m)).not.toThrow();
    await t.redis.zadd("schedule", 1, members[0]!, 2, members[1]!);
    await t.redis.zadd("retry", 1, failed[0]!, 2, failed[1]!);
    expect(await enqueueDueJobs(redis, keys, "seconds")).toBe(4);
    const queued = await t.redis.lrange("queue:default", 0, -1);
    // Each arrives exactly once, with its bytes unchanged apart from the appended enqueued_at
    // (compared as booleans: a failure message holding a 10,000-bracket string helps no one).
    expect(queued).toHaveLength(4);
    const byJid = new Map(queued.map((q) => [JSON.parse(q).jid as string, q]));
    for (const m of [...members, ...failed]) {
      const q = byJid.get(JSON.parse(m).jid) ?? "";
      expect(q.replace(/,"enqueued_at":\d+\.\d+\}$/, "}") === m, JSON.parse(m).jid).toBe(true);
    }
    expect(await t.redis.zcard("dead")).toBe(0);
    expect(await t.redis.smembers("queues")).toEqual(["default"]);
  });

  it("routes by the top-level queue member exactly as JSON.parse reads it", async () => {
    await t.flush();
    const cases: [member: string, queue: string][] = [
      ['{"args":[{"queue":"nested"}],"class":"A","queue":"top"}', "top"],
      ['{"args":["\\"queue\\":\\"fake\\""],"queue":"real"}', "real"],
      ['{"args":["ends in a backslash \\\\"],"queue":"after-backslash"}', "after-backslash"],
      ['{"queue":"first","class":"Dup","queue":"last"}', "last"],
      ['{"\\u0071ueue":"escaped-key","class":"A"}', "escaped-key"],
      ['{"class":"A","queue":"caf\\u00e9 \\"q\\" \\ud83d\\ude00"}', 'café "q" 😀'],
      ['{"class":"A","queue":"lone\\udc00"}', "lone\udc00"],
      ['{\n  "class" : "Pretty",\n  "queue" : "spaced"\n}\n', "spaced"],
    ];
    for (const [member, queue] of cases) expect(JSON.parse(member).queue).toBe(queue);
    await t.redis.zadd("schedule", ...cases.flatMap(([m], i) => [i + 1, m]));
    expect(await enqueueDueJobs(redis, keys, "seconds")).toBe(cases.length);
    expect(await t.redis.zcard("dead")).toBe(0);
    for (const [member, queue] of cases) {
      // The key the engine's own client writes for this name (a lone surrogate becomes U+FFFD).
      const [moved] = await t.redis.lrange(keys.queue(queue), 0, -1);
      expect(moved, queue).toBeDefined();
      expect(JSON.parse(moved!).enqueued_at).toBeGreaterThan(1e9);
      expect(moved!.replace(/,"enqueued_at":\d+\.\d+(\s*\}\s*)$/, "$1")).toBe(member);
    }
  });

  it("a running worker runs deep and lone-surrogate jobs from schedule and retry", async () => {
    await t.flush();
    const deep = `${"[".repeat(5000)}1${"]".repeat(5000)}`;
    const ran = new Map<string, unknown[]>();
    const worker = testWorker(t.redis);
    worker.register("Odd", (args, ctx) => void ran.set(ctx.jid, args));
    await worker.start();
    const job = (jid: string, args: string, extra = "") =>
      `{"retry":3,"queue":"default","class":"Odd","args":${args},"jid":"${jid}"${extra}}`;
    const failed = ',"error_message":"x","error_class":"E","failed_at":1.5,"retry_count":0';
    const now = Date.now() / 1000;
    await t.redis.zadd(
      "schedule",
      now,
      job("deep-s", `[${deep}]`),
      now,
      job("lone-s", '["\\ud800"]'),
    );
    await t.redis.zadd(
      "retry",
      now,
      job("deep-r", `[${deep}]`, failed),
      now,
      job("lone-r", '["\\ud800"]', failed),
    );
    await waitFor(() => ran.size === 4, { what: "all four jobs to run" });
    expect(ran.get("lone-s")).toEqual(["\ud800"]);
    expect(ran.get("lone-r")).toEqual(["\ud800"]);
    expect(depthOf(ran.get("deep-s"))).toBe(5001);
    expect(depthOf(ran.get("deep-r"))).toBe(5001);
    expect(await t.redis.zcard("dead")).toBe(0);
  });

  it("a running worker polls: perform_in jobs run when due, and failed jobs come back from retry", async () => {
    await t.flush();
    let attempts = 0;
    const ran: string[] = [];
    const worker = testWorker(t.redis);
    worker.register("LaterJob", (a) => void ran.push(a[0] as string));
    worker.register("FlakyJob", () => {
      attempts++;
      if (attempts === 1) throw new Error("first time fails");
    });
    await worker.start();
    await client.performIn(0.3, "LaterJob", "soon");
    await client.push({ class: "FlakyJob", args: [] });
    // The default delay is 15+ s: make the retry due now by hand, as the Web UI's "retry now".
    await waitFor(async () => (await t.redis.zcard("retry")) === 1);
    const [member] = await t.redis.zrange("retry", "0", "0");
    await t.redis.zadd("retry", Date.now() / 1000, member!);
    await waitFor(() => ran.length === 1 && attempts === 2, { what: "scheduled + retried" });
    expect(ran).toEqual(["soon"]);
    await waitFor(
      async () => (await t.redis.zcard("retry")) + (await t.redis.zcard("schedule")) === 0,
    );
  });
});
