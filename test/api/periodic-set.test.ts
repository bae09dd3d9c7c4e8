// PeriodicSet on a real Redis: the registry the fleet declares (cronTick and workers), last and
// next runs, pause/unpause (fleet-wide: the tick script reads the flag), enqueue now, the newest
// runs with their jids, and entries leaving the registry once nothing declares them.
import { beforeEach, describe, expect, it } from "vitest";
import { PeriodicSet } from "../../src/api/periodic-set";
import { cronTick, defineJob, periodic } from "../../src/index";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "../integration/worker-helpers";

const t = await useTestRedis();
beforeEach(() => t.flush());
const set = new PeriodicSet({ redis: t.redis });
const at = (text: string) => Date.parse(text);

const Report = defineJob({ name: "Report", queue: "reports", tags: ["nightly"] });
const table = [
  periodic("report", "30 2 * * *", Report, ["pdf"], { tz: "Europe/Berlin" }),
  periodic("sweep", "*/5 * * * *", "Sweep"),
];

describe("PeriodicSet", () => {
  it("lists declared entries with their definition, last and next runs", async () => {
    const now = at("2026-06-01T12:04:00Z");
    await cronTick({ redis: t.redis, periodic: table, now });
    const list = await set.list(now);
    expect(list.map((e) => e.name)).toEqual(["report", "sweep"]);
    expect(list[0]).toMatchObject({
      name: "report",
      cron: "30 2 * * *",
      tz: "Europe/Berlin",
      class: "Report",
      queue: "reports",
      args: ["pdf"],
      options: { retry: true, queue: "reports", tags: ["nightly"] },
      missed: "skip",
      paused: false,
      lastTick: at("2026-06-01T00:30:00Z"),
      nextTick: at("2026-06-02T00:30:00Z"),
      declaredUntil: now + 600_000,
    });
    expect(list[1]).toMatchObject({
      lastTick: at("2026-06-01T12:00:00Z"),
      nextTick: at("2026-06-01T12:05:00Z"),
    });
    expect(await set.get("sweep", now)).toEqual(list[1]);
    expect(await set.get("nope", now)).toBeUndefined();
  });

  it("pause stops every sender's pushes at once; unpause resumes at the next tick", async () => {
    const now = at("2026-06-01T12:04:00Z");
    await cronTick({ redis: t.redis, periodic: table, now });
    expect(await set.pause("sweep")).toBe(true);
    expect((await set.get("sweep", now))!.paused).toBe(true);
    const paused = await cronTick({ redis: t.redis, periodic: table, now: now + 60_000 });
    expect(paused.entries.find((e) => e.name === "sweep")).toMatchObject({
      pushed: 0,
      paused: true,
    });
    expect(await set.unpause("sweep")).toBe(true);
    expect((await cronTick({ redis: t.redis, periodic: table, now: now + 90_000 })).pushed).toBe(0);
    const resumed = await cronTick({ redis: t.redis, periodic: table, now: now + 360_000 });
    expect(resumed.pushed).toBe(1);
    expect(await set.pause("nope")).toBe(false);
  });

  it("enqueue now pushes the entry's job and logs it as a manual run; runs lists jids", async () => {
    const now = at("2026-06-01T12:05:00Z");
    await cronTick({ redis: t.redis, periodic: table, now: now - 60_000 }); // new: records 12:00
    await cronTick({ redis: t.redis, periodic: table, now });
    const jid = await set.enqueueNow("report", now + 1000);
    expect(jid).toMatch(/^[0-9a-f]{24}$/);
    const [job] = (await t.redis.lrange("queue:reports", 0, -1)).map((j) => JSON.parse(j));
    expect(job).toMatchObject({
      class: "Report",
      args: ["pdf"],
      queue: "reports",
      jid,
      tags: ["nightly"],
    });
    const reportRuns = await set.runs("report");
    expect(reportRuns).toEqual([{ at: now + 1000, jid, enqueuedAt: now + 1000, manual: true }]);
    const sweepRuns = await set.runs("sweep");
    expect(sweepRuns).toHaveLength(1);
    const [swept] = (await t.redis.lrange("queue:default", 0, -1)).map((j) => JSON.parse(j));
    expect(sweepRuns[0]).toEqual({ at: now, jid: swept.jid, enqueuedAt: now, manual: false });
    expect(await set.enqueueNow("nope")).toBeUndefined();
  });

  it("workers declare their entries while they run; removed from the code, an entry leaves", async () => {
    const worker = testWorker(t.connect(), { queues: ["idle"], periodic: table });
    await worker.start();
    await waitFor(async () => (await set.list()).length === 2, { what: "two entries" });
    await worker.stop();
    // A later deploy declares only "sweep": once the old declaration has lapsed, "report" is
    // gone from the list, and the next declaration removes it from the registry.
    const later = testWorker(t.connect(), { queues: ["idle"], periodic: [table[1]!] });
    const lapsed = Date.now() + 61_000;
    expect((await set.list(lapsed)).map((e) => e.name)).toEqual([]);
    await t.redis.zadd("edgekiq:periodic", Date.now() - 1, "report");
    await later.start();
    await waitFor(async () => (await t.redis.zscore("edgekiq:periodic", "report")) === null, {
      what: "report removed",
    });
    expect((await set.list()).map((e) => e.name)).toEqual(["sweep"]);
    // Its marker is kept a while (a slow redeploy must not run a tick twice), then expires.
    expect(await t.redis.pttl("edgekiq:periodic:report")).toBeGreaterThan(6 * 86_400_000);
  });
});
