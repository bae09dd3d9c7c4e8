// A worker starting after a 2-hour outage (every process was down): it reads the markers and
// enqueues the missed ticks by each entry's policy, and nothing for an entry that is not due.
import { beforeEach, describe, expect, it } from "vitest";
import { periodic } from "../../src/index";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();
beforeEach(() => t.flush());

const minute = 60_000;
const flooredMinute = (ms: number) => ms - (ms % minute);

describe("a worker catching up after a 2-hour outage", () => {
  it('missed: "skip" enqueues the latest missed tick; "all" every one up to maxMissed', async () => {
    const table = [
      periodic("skip", "* * * * *", "Tick", [], { queue: "skip" }),
      periodic("all", "* * * * *", "Tick", [], { queue: "all", missed: "all", maxMissed: 200 }),
      periodic("bounded", "* * * * *", "Tick", [], {
        queue: "bounded",
        missed: "all",
        maxMissed: 30,
      }),
      periodic("yearly", "0 0 1 1 *", "Tick", [], { queue: "yearly" }),
    ];
    const latest = flooredMinute(Date.now());
    const before = latest - 120 * minute; // the last tick enqueued before the outage
    for (const e of table) await t.redis.hset(`edgekiq:periodic:${e.name}`, "last", before);
    await t.redis.hset("edgekiq:periodic:yearly", "last", Date.parse("2026-01-01T00:00:00Z"));

    const worker = testWorker(t.connect(), { queues: ["idle"], periodic: table });
    await worker.start();
    await waitFor(async () => (await t.redis.llen("queue:bounded")) >= 30, { what: "bounded" });
    await waitFor(async () => (await t.redis.llen("queue:all")) >= 120, { what: "all" });
    await worker.stop();
    const ticks = async (name: string) =>
      (await t.redis.lrange(`edgekiq:periodic-runs:${name}`, 0, -1)).map((r) => JSON.parse(r).at);
    const skip = await ticks("skip");
    expect(await t.redis.llen("queue:skip")).toBe(skip.length);
    expect(skip.length).toBeGreaterThanOrEqual(1);
    expect(skip.length).toBeLessThanOrEqual(2); // the latest missed tick (+1 if a minute turned)
    expect(skip.at(-1)).toBeGreaterThanOrEqual(latest);
    // 120 missed ticks (before+1 … latest), plus one if the minute turned during the test.
    expect(await t.redis.llen("queue:all")).toBeGreaterThanOrEqual(120);
    expect(await t.redis.llen("queue:all")).toBeLessThanOrEqual(121);
    const all = (await ticks("all")).sort();
    expect(all.length).toBe(50); // the run log keeps the newest 50
    expect(await t.redis.llen("queue:bounded")).toBeLessThanOrEqual(31);
    expect(await t.redis.llen("queue:yearly")).toBe(0);
  });

  it("a started worker takes no more entries", async () => {
    const worker = testWorker(t.connect(), { queues: ["idle"] });
    await worker.start();
    expect(() => worker.periodic("late", "@hourly", "Late")).toThrow(
      "Worker: periodic entries must be added before start()",
    );
  });
});
