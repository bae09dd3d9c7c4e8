// ProcessSet, WorkSet and Stats on a real Redis, from heartbeat data shaped exactly as Sidekiq 6.4
// and 7.3 write it (wire spec §1.3, §1.4, §7.1; the live-captured values).
import { beforeEach, describe, expect, it } from "vitest";
import { ArgumentError, ProcessSet, Stats, WorkSet } from "../../src/api";
import { Client } from "../../src/core/client";
import { statDate } from "../../src/core/keys";
import { fromIoredis } from "../../src/redis/tcp";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const redis = fromIoredis(t.redis);

beforeEach(() => t.flush());

const ID64 = "vm:16724:bb103992f4fd";
const ID73 = "vm:17778:c3fa4e76b73d";
const JOB64 =
  '{"retry":true,"queue":"default","args":[1,"two"],"class":"SleepJob","jid":"cd80d118aaaaaaaaaaaaaaaa","created_at":1795917170.3387341,"enqueued_at":1795917170.3388467}';
const JOB73 =
  '{"retry":true,"queue":"critical","args":[],"class":"OtherJob","jid":"7e505f5b41f04a722bd4327c","created_at":1795917256.3890402,"enqueued_at":1795917256.3890975}';

async function writeHeartbeats(beat = Date.now() / 1000) {
  await t.redis.sadd("processes", ID64, ID73);
  await t.redis.hset(ID64, {
    info: `{"hostname":"vm","started_at":1795917175.4562154,"pid":16724,"tag":"app","concurrency":2,"queues":["default","critical"],"labels":[],"identity":"${ID64}"}`,
    busy: "1",
    beat: String(beat),
    quiet: "false",
    rtt_us: "412",
    rss: "40212",
  });
  await t.redis.hset(ID73, {
    info: `{"hostname":"vm","started_at":1795917260.3827956,"pid":17778,"tag":"","concurrency":5,"queues":["default","critical"],"weights":[{"default":0,"critical":2}],"labels":["blue"],"identity":"${ID73}","version":"7.3.10","embedded":false}`,
    busy: "1",
    beat: String(beat),
    quiet: "true",
    rtt_us: "300",
    rss: "51200",
  });
  // 6.4: `<id>:workers`, payload double-encoded; 7.x: `<id>:work`.
  await t.redis.hset(
    `${ID64}:workers`,
    "dtt",
    JSON.stringify({ queue: "default", payload: JOB64, run_at: 1795917220 }),
  );
  await t.redis.hset(
    `${ID73}:work`,
    "f0r",
    JSON.stringify({ queue: "critical", payload: JOB73, run_at: 1795917210 }),
  );
}

describe("ProcessSet", () => {
  it("lists Ruby 6.4 and 7.3 processes with their info and live fields", async () => {
    await writeHeartbeats();
    const procs = await new ProcessSet({ redis }).list();
    expect(procs.map((p) => p.identity)).toEqual([ID64, ID73]);
    expect(procs[0]!.data).toMatchObject({
      hostname: "vm",
      pid: 16724,
      tag: "app",
      concurrency: 2,
      busy: 1,
      quiet: false,
      rss: 40212,
      rtt_us: 412,
    });
    expect(procs[1]!.data).toMatchObject({
      version: "7.3.10",
      labels: ["blue"],
      quiet: true,
      concurrency: 5,
    });
    expect(procs[1]!.stopping).toBe(true);
    expect(await new ProcessSet({ redis }).totalConcurrency()).toBe(7);
    expect(await new ProcessSet({ redis }).totalRssKb()).toBe(91412);
  });

  it("cleanup removes members whose heartbeat expired, at most once a minute unless forced", async () => {
    await writeHeartbeats();
    await t.redis.sadd("processes", "gone:1:abc");
    const set = new ProcessSet({ redis });
    expect((await set.list()).length).toBe(2); // skipped, and removed by the first cleanup
    expect(await t.redis.sismember("processes", "gone:1:abc")).toBe(0);
    await t.redis.sadd("processes", "gone:2:abc");
    expect(await set.cleanup()).toBe(0); // throttled by process_cleanup
    expect(await t.redis.ttl("process_cleanup")).toBeGreaterThan(0);
    expect(await set.cleanup({ force: true })).toBe(1);
  });

  it("quiet, stop and dumpThreads push TSTP, TERM and TTIN to <id>-signals with a 60 s TTL", async () => {
    await writeHeartbeats();
    const p = await new ProcessSet({ redis }).get(ID64);
    await p!.quiet();
    await p!.stop();
    await p!.dumpThreads();
    expect(await t.redis.lrange(`${ID64}-signals`, 0, -1)).toEqual(["TTIN", "TERM", "TSTP"]);
    const ttl = await t.redis.ttl(`${ID64}-signals`);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it("refuses to quiet or stop an embedded process", async () => {
    await t.redis.sadd("processes", "emb:1:x");
    await t.redis.hset("emb:1:x", { info: '{"identity":"emb:1:x","embedded":true}', busy: "0" });
    const p = await new ProcessSet({ redis }).get("emb:1:x");
    await expect(p!.quiet()).rejects.toThrow(/embedded/);
    expect(await t.redis.exists("emb:1:x-signals")).toBe(0);
  });
});

describe("WorkSet", () => {
  it("reads both :workers (6.4) and :work (7.x), oldest start first, payload bytes kept", async () => {
    await writeHeartbeats();
    const work = await new WorkSet({ redis }).list();
    expect(work.map((w) => [w.process, w.tid, w.queue, w.run_at])).toEqual([
      [ID73, "f0r", "critical", 1795917210],
      [ID64, "dtt", "default", 1795917220],
    ]);
    expect(work[1]!.payload).toBe(JOB64);
    expect(work[1]!.job.klass).toBe("SleepJob");
    expect(await new WorkSet({ redis }).size()).toBe(2);
    expect((await new WorkSet({ redis }).findWorkByJid("7e505f5b41f04a722bd4327c"))?.tid).toBe(
      "f0r",
    );
  });

  it("accepts a payload stored as an object and skips processes whose heartbeat expired", async () => {
    await writeHeartbeats();
    await t.redis.hset(`${ID73}:work`, "obj", `{"queue":"q","payload":${JOB73},"run_at":1}`);
    await t.redis.del(ID64); // heartbeat expired; its workers hash lingers
    const work = await new WorkSet({ redis }).list();
    expect(work.map((w) => w.tid)).toEqual(["obj", "f0r"]);
    expect(work[0]!.payload).toBe(JOB73);
  });
});

describe("Stats", () => {
  it("counts everything in two pipelines", async () => {
    await writeHeartbeats();
    const client = new Client({ redis });
    await client.push({ class: "A", args: [] });
    await client.push({ class: "A", args: [], queue: "low" });
    await client.push({ class: "A", args: [], queue: "low" });
    await client.push({ class: "A", args: [], at: Date.now() / 1000 + 100 });
    await t.redis.zadd("retry", "1.5", "r1", "2.5", "r2");
    await t.redis.zadd("dead", "1.5", "d1");
    await t.redis.set("stat:processed", "1234");
    await t.redis.set("stat:failed", "56");
    const s = await new Stats({ redis }).fetch();
    expect(s).toMatchObject({
      processed: 1234,
      failed: 56,
      enqueued: 3,
      scheduled: 1,
      retries: 2,
      dead: 1,
      processes: 2,
      busy: 2,
      queues: { low: 2, default: 1 },
    });
    expect(Object.keys(s.queues)).toEqual(["low", "default"]);
    expect(s.default_queue_latency).toBeGreaterThanOrEqual(0);
    expect(s.default_queue_latency).toBeLessThan(10);
  });

  it("history reads the dated UTC keys, newest first; days out of range are refused", async () => {
    const now = Date.UTC(2026, 10, 29, 1, 0, 0);
    await t.redis.set(`stat:processed:${statDate(now)}`, "10");
    await t.redis.set(`stat:processed:${statDate(now - 86_400_000)}`, "7");
    await t.redis.set(`stat:failed:${statDate(now - 86_400_000)}`, "2");
    const h = await new Stats({ redis }).history(3, new Date(now));
    expect(h.processed).toEqual({ "2026-11-29": 10, "2026-11-28": 7, "2026-11-27": 0 });
    expect(h.failed).toEqual({ "2026-11-29": 0, "2026-11-28": 2, "2026-11-27": 0 });
    await expect(new Stats({ redis }).history(0)).rejects.toThrow(ArgumentError);
    await expect(new Stats({ redis }).history(1826)).rejects.toThrow(ArgumentError);
  });

  it("reset sets the lifetime counters to 0", async () => {
    await t.redis.set("stat:processed", "9");
    await t.redis.set("stat:failed", "3");
    await new Stats({ redis }).reset();
    expect(await t.redis.mget("stat:processed", "stat:failed")).toEqual(["0", "0"]);
  });
});
