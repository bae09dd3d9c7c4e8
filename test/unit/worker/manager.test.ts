// The manager's slot logic without Redis: it fills every free slot with one batch fetch, blocks
// on every queue when they are empty (and fetches nothing meanwhile), hands unstarted jobs back
// at quiet and abandons what is still running when a stop runs out of time. Fetch, processor and
// writes are stand-ins for their narrow interfaces; the ledger is the real one.
import { describe, expect, it } from "vitest";
import type { RedisCommand } from "../../../src/redis/types";
import { ShutdownError } from "../../../src/worker/errors";
import { Ledger } from "../../../src/worker/ledger";
import type { Logger } from "../../../src/worker/logger";
import { Manager } from "../../../src/worker/manager";

const tick = () => new Promise((r) => setTimeout(r, 5));

function setup(concurrency: number, queues = ["a", "b"]) {
  const ledger = new Ledger(queues, concurrency);
  const fetches: number[] = [];
  /** What the next fetchBatch calls bring, one list of [queue, json] per call; then nothing. */
  const batches: [number, string][][] = [];
  /** Per queue: how to answer the BLMOVE in flight (a job string, or null for a timeout). */
  const blocked = new Map<number, (json: string | null) => void>();
  const fetch = {
    async fetchBatch(n: number) {
      fetches.push(n);
      return (batches.shift() ?? []).map(([q, json]) => ledger.hold(q, json));
    },
    block(i: number) {
      return new Promise<number>((resolve) =>
        blocked.set(i, (json) => {
          blocked.delete(i);
          resolve(json === null ? -1 : ledger.hold(i, json));
        }),
      );
    },
    requeueCommands(entry: number) {
      return [["rpush", `queue:${ledger.queueOf(entry)}`, ledger.jsonOf(entry)]] as const;
    },
  };
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const abandoned: (Error | undefined)[] = [];
  const processor = {
    run(entry: number) {
      ledger.start(entry);
      const json = ledger.jsonOf(entry);
      started.push(json);
      return new Promise<void>((resolve) =>
        finish.set(json, () => {
          ledger.release(entry);
          resolve();
        }),
      );
    },
    abandon(reason?: Error) {
      abandoned.push(reason);
    },
  };
  const handedBack: [string, readonly RedisCommand[]][] = [];
  const writes = {
    add(entry: number, commands: readonly RedisCommand[]) {
      handedBack.push([ledger.jsonOf(entry), commands]);
    },
  };
  const warnings: [string, unknown][] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (msg, fields) => warnings.push([msg, fields]),
    error() {},
  };
  const manager = new Manager({
    fetch,
    writes,
    processor,
    ledger,
    concurrency,
    queueCount: queues.length,
    order: () => queues.map((_, i) => i),
    logger,
    report: () => undefined,
  });
  return {
    manager,
    ledger,
    fetches,
    batches,
    blocked,
    started,
    finish,
    abandoned,
    handedBack,
    warnings,
  };
}

describe("Manager", () => {
  it("fills every free slot with one batch fetch, and fetches again as slots free up", async () => {
    const t = setup(3);
    t.batches.push([
      [0, "j1"],
      [1, "j2"],
      [0, "j3"],
    ]);
    t.manager.start();
    await tick();
    expect(t.fetches).toEqual([3]);
    expect(t.started).toEqual(["j1", "j2", "j3"]);
    expect(t.manager.busy).toBe(3);
    // All slots busy: no fetch until one frees.
    await tick();
    expect(t.fetches).toEqual([3]);
    t.batches.push([[1, "j4"]]);
    t.finish.get("j2")!();
    await tick();
    expect(t.fetches).toEqual([3, 1]);
    expect(t.started).toEqual(["j1", "j2", "j3", "j4"]);
  });

  it("blocks on every queue when they are empty; a finished job then costs no fetch", async () => {
    const t = setup(2);
    t.batches.push([[0, "j1"]]);
    t.manager.start();
    await tick();
    // The first fetch brought one job; the second found nothing: block on both queues.
    expect(t.fetches).toEqual([2, 1]);
    expect([...t.blocked.keys()].sort()).toEqual([0, 1]);
    t.finish.get("j1")!();
    await tick();
    expect(t.fetches).toEqual([2, 1]);
    // A delivery on queue b starts at once; the free lane makes the next batch fetch worth it.
    t.blocked.get(1)!("j2");
    await tick();
    expect(t.started).toEqual(["j1", "j2"]);
    expect(t.fetches).toEqual([2, 1, 1]);
  });

  it("quiet hands unstarted jobs back to their queues and keeps a possibly non-UTF-8 one", async () => {
    const t = setup(1, ["a", "b", "c"]);
    t.manager.start();
    await tick();
    expect([...t.blocked.keys()].sort()).toEqual([0, 1, 2]);
    // Every lane delivers at once with one slot: one job runs, two wait in the buffer.
    t.blocked.get(0)!("runs");
    t.blocked.get(1)!("waits");
    t.blocked.get(2)!("bad \uFFFD");
    await tick();
    expect(t.started).toEqual(["runs"]);
    let dropped = false;
    const quiet = t.manager.quiet(async () => {
      dropped = true;
    });
    await quiet;
    expect(dropped).toBe(true);
    expect(t.handedBack).toEqual([["waits", [["rpush", "queue:1", "waits"]]]]);
    // Its LREM could miss its real bytes: it stays in the list, held, for the stop to requeue.
    expect(t.ledger.held(2)).toEqual(new Map([["bad \uFFFD", 1]]));
    // The job in flight keeps running; nothing more is fetched.
    expect(t.manager.busy).toBe(1);
    expect(t.fetches).toEqual([1]);
  });

  it("stop abandons the jobs still running after its time, with the shutdown reason", async () => {
    const t = setup(2);
    t.batches.push([[0, '{"class":"Slow","jid":"abc123"}']]);
    t.manager.start();
    await tick();
    await t.manager.quiet(async () => {
      for (const answer of [...t.blocked.values()]) answer(null);
    });
    await t.manager.stop(20);
    expect(t.abandoned).toHaveLength(1);
    expect(t.abandoned[0]).toBeInstanceOf(ShutdownError);
    expect(t.warnings).toEqual([
      ["Shutdown timeout reached; requeueing unfinished jobs", { busy: 1, jids: ["abc123"] }],
    ]);
  });

  it("stop returns as soon as the running jobs finish, abandoning nothing mid-run", async () => {
    const t = setup(2);
    t.batches.push([[0, "quick"]]);
    t.manager.start();
    await tick();
    await t.manager.quiet(async () => {
      for (const answer of [...t.blocked.values()]) answer(null);
    });
    const stop = t.manager.stop(10_000);
    t.finish.get("quick")!();
    await stop;
    expect(t.abandoned).toEqual([undefined]);
    expect(t.warnings).toEqual([]);
  });
});
