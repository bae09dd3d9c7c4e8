// cronTick and the tick script on a real Redis: one job per tick whoever sends it, missed-tick
// policies after a 2-hour outage, clock skew, pause, new entries, and the job's exact shape.
import { beforeEach, describe, expect, it } from "vitest";
import { cronTick, defineJob, periodic } from "../../src/index";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const redis = t.redis;
beforeEach(() => t.flush());

const at = (text: string) => Date.parse(text);
const jobs = async (queue = "default") =>
  (await redis.lrange(`queue:${queue}`, 0, -1)).map((j) => JSON.parse(j)).reverse();

describe("cronTick", () => {
  const every5 = periodic("every5", "*/5 * * * *", "Sweep", ["all"]);

  it("pushes the due tick once, however many times it is called for it", async () => {
    const now = at("2026-06-01T12:05:10Z");
    const first = await cronTick({ redis, periodic: [every5], now });
    expect(first.pushed).toBe(1);
    expect(first.entries[0]).toMatchObject({ name: "every5", pushed: 1, paused: false });
    expect(first.entries[0]!.last).toBe(at("2026-06-01T12:05:00Z"));
    for (const later of ["2026-06-01T12:05:20Z", "2026-06-01T12:09:59Z"]) {
      expect((await cronTick({ redis, periodic: [every5], now: at(later) })).pushed).toBe(0);
    }
    expect(await redis.llen("queue:default")).toBe(1);
    expect(
      (await cronTick({ redis, periodic: [every5], now: at("2026-06-01T12:10:00Z") })).pushed,
    ).toBe(1);
    expect(await redis.llen("queue:default")).toBe(2);
  });

  it("writes what Client#push writes: class, args, queue, retry, jid, timestamps; queues set", async () => {
    const Sweep = defineJob({ name: "Sweep", queue: "maint", retry: 2, tags: ["cron"] });
    const e = periodic("sweep", "@hourly", Sweep, [1, { a: "b" }]);
    const now = at("2026-06-01T12:00:30Z");
    await cronTick({ redis, periodic: [e], now });
    const [job] = await jobs("maint");
    expect(Object.keys(job)).toEqual([
      "retry",
      "queue",
      "tags",
      "class",
      "args",
      "jid",
      "created_at",
      "enqueued_at",
    ]);
    expect(job).toMatchObject({ retry: 2, queue: "maint", class: "Sweep", args: [1, { a: "b" }] });
    expect(job.jid).toMatch(/^[0-9a-f]{24}$/);
    expect(job.created_at).toBe(now / 1000);
    expect(await redis.smembers("queues")).toEqual(["maint"]);
    const runs = (await redis.lrange("edgekiq:periodic-runs:sweep", 0, -1)).map((r) =>
      JSON.parse(r),
    );
    expect(runs).toEqual([{ at: at("2026-06-01T12:00:00Z"), jid: job.jid, enqueued_at: now }]);
  });

  it("a new entry does not run a tick older than a minute, and starts from it", async () => {
    const daily = periodic("daily", "30 2 * * *", "Report");
    const r = await cronTick({ redis, periodic: [daily], now: at("2026-06-01T12:00:00Z") });
    expect(r.pushed).toBe(0);
    expect(r.entries[0]!.last).toBe(at("2026-06-01T02:30:00Z"));
    const next = await cronTick({ redis, periodic: [daily], now: at("2026-06-02T02:30:05Z") });
    expect(next.pushed).toBe(1);
  });

  it('a new entry with missed: "all" starts with its latest tick, not a backlog', async () => {
    const e = periodic("new-all", "* * * * * *", "Tick", [], { missed: "all" });
    const r = await cronTick({ redis, periodic: [e], now: at("2026-06-01T12:00:30Z") });
    expect(r.pushed).toBe(1);
    expect(r.entries[0]!.last).toBe(at("2026-06-01T12:00:30Z"));
  });

  describe("after a 2-hour outage", () => {
    const minutely = (missed: "skip" | "all", maxMissed?: number) =>
      periodic(`m-${missed}-${maxMissed}`, "* * * * *", "Tick", [], { missed, maxMissed });

    it('missed: "skip" enqueues only the latest missed tick', async () => {
      const e = minutely("skip");
      await cronTick({ redis, periodic: [e], now: at("2026-06-01T10:00:00Z") });
      const r = await cronTick({ redis, periodic: [e], now: at("2026-06-01T12:00:30Z") });
      expect(r.pushed).toBe(1);
      const runs = await redis.lrange(`edgekiq:periodic-runs:${e.name}`, 0, -1);
      expect(runs.map((x) => JSON.parse(x).at)).toEqual([
        at("2026-06-01T12:00:00Z"),
        at("2026-06-01T10:00:00Z"),
      ]);
    });

    it('missed: "all" enqueues every missed tick up to maxMissed (the latest ones)', async () => {
      const e = minutely("all", 50);
      await cronTick({ redis, periodic: [e], now: at("2026-06-01T10:00:00Z") });
      const r = await cronTick({ redis, periodic: [e], now: at("2026-06-01T12:00:30Z") });
      // 120 ticks were missed (10:01 … 12:00); the bound keeps the latest 50.
      expect(r.pushed).toBe(50);
      const ticks = (await redis.lrange(`edgekiq:periodic-runs:${e.name}`, 0, 49))
        .map((x) => JSON.parse(x).at)
        .sort();
      expect(new Date(ticks[0]).toISOString()).toBe("2026-06-01T11:11:00.000Z");
      expect(new Date(ticks[49]).toISOString()).toBe("2026-06-01T12:00:00.000Z");
      expect(new Set(ticks).size).toBe(50);
      expect(await redis.llen("queue:default")).toBe(51);
    });

    it('missed: "all" within the bound enqueues exactly the missed ticks', async () => {
      const e = minutely("all", 200);
      await cronTick({ redis, periodic: [e], now: at("2026-06-01T10:00:00Z") });
      const r = await cronTick({ redis, periodic: [e], now: at("2026-06-01T12:00:30Z") });
      expect(r.pushed).toBe(120);
      expect(await redis.llen("queue:default")).toBe(121);
    });
  });

  it("clock skew: a sender 5 s ahead takes the tick early; the others never push it again", async () => {
    const e = periodic("skew", "* * * * *", "Tick");
    await cronTick({ redis, periodic: [e], now: at("2026-06-01T09:59:00Z") });
    // The fast host sees 10:00:02 at real 09:59:57.
    expect((await cronTick({ redis, periodic: [e], now: at("2026-06-01T10:00:02Z") })).pushed).toBe(
      1,
    );
    // Right and slow clocks reach 10:00 later: nothing more for that tick.
    expect((await cronTick({ redis, periodic: [e], now: at("2026-06-01T10:00:00Z") })).pushed).toBe(
      0,
    );
    expect((await cronTick({ redis, periodic: [e], now: at("2026-06-01T10:00:05Z") })).pushed).toBe(
      0,
    );
    // A slow host (5 s behind) still on 09:59:58 sends the old tick: the marker never goes back.
    const slow = await cronTick({ redis, periodic: [e], now: at("2026-06-01T09:59:58Z") });
    expect(slow.pushed).toBe(0);
    expect(slow.entries[0]!.last).toBe(at("2026-06-01T10:00:00Z"));
    expect(await redis.llen("queue:default")).toBe(2);
  });

  it("a paused entry advances its marker and pushes nothing; unpaused, it resumes at the next tick", async () => {
    const e = periodic("pausable", "* * * * *", "Tick");
    await cronTick({ redis, periodic: [e], now: at("2026-06-01T10:00:00Z") });
    await redis.hset("edgekiq:periodic:pausable", "paused", "1");
    const r = await cronTick({ redis, periodic: [e], now: at("2026-06-01T10:03:00Z") });
    expect(r.entries[0]).toMatchObject({
      pushed: 0,
      paused: true,
      last: at("2026-06-01T10:03:00Z"),
    });
    await redis.hdel("edgekiq:periodic:pausable", "paused");
    expect((await cronTick({ redis, periodic: [e], now: at("2026-06-01T10:03:30Z") })).pushed).toBe(
      0,
    );
    expect((await cronTick({ redis, periodic: [e], now: at("2026-06-01T10:04:00Z") })).pushed).toBe(
      1,
    );
    expect(await redis.llen("queue:default")).toBe(2);
  });

  it("declares its entries in the registry for registryTtl seconds", async () => {
    const now = at("2026-06-01T10:00:00Z");
    await cronTick({ redis, periodic: [every5], now, registryTtl: 120 });
    expect(Number(await redis.zscore("edgekiq:periodic", "every5"))).toBe(now + 120_000);
    const def = JSON.parse((await redis.hget("edgekiq:periodic:every5", "def"))!);
    expect(def).toEqual({
      cron: "*/5 * * * *",
      tz: null,
      class: "Sweep",
      queue: "default",
      args: ["all"],
      options: { retry: true, queue: "default" },
      missed: "skip",
      maxMissed: 100,
    });
    // An earlier call never shortens a later declaration.
    await cronTick({ redis, periodic: [every5], now: now - 60_000, registryTtl: 60 });
    expect(Number(await redis.zscore("edgekiq:periodic", "every5"))).toBe(now + 120_000);
  });

  it("runs with a flushed script cache (EVAL fallback)", async () => {
    await redis.script("FLUSH");
    const r = await cronTick({ redis, periodic: [every5], now: at("2026-06-01T10:00:01Z") });
    expect(r.pushed).toBe(1);
  });

  it("refuses a table with a duplicate name or a foreign item, and a schema failure", async () => {
    await expect(cronTick({ redis, periodic: [every5, every5] })).rejects.toThrow(
      /two periodic entries are named "every5"/,
    );
    await expect(cronTick({ redis, periodic: [{ name: "x" }] })).rejects.toThrow(
      /periodic\(\.\.\.\)/,
    );
    const Typed = defineJob({
      name: "Typed",
      args: {
        "~standard": {
          version: 1,
          vendor: "test",
          validate: (v: unknown) =>
            (v as unknown[])[0] === 1
              ? { value: v }
              : { issues: [{ message: "want 1", path: [0] }] },
        },
      } as never,
    });
    await expect(
      cronTick({ redis, periodic: [periodic("typed", "* * * * *", Typed, [2])] }),
    ).rejects.toThrow(/Invalid arguments for job "Typed": args\[0\]: want 1|want 1/);
    expect(await redis.llen("queue:default")).toBe(0);
  });
});
