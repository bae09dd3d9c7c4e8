// The stray decision: a job in our own in-progress list that the ledger does not hold goes back
// to its queue only when two checks in a row find it unheld. Lists are in memory here (the real
// Redis path is covered by the chaos suite's dropped-connection tests).
import { describe, expect, it } from "vitest";
import { Ledger } from "../../../src/worker/ledger";
import { type OwnLists, StrayCheck } from "../../../src/worker/strays";

/** Our in-progress lists and queues, in memory; requeue removes one copy and pushes it back. */
class MemoryLists implements OwnLists {
  readonly queues = ["a", "b"];
  readonly lists: string[][] = [[], []];
  readonly requeued: string[][] = [[], []];
  async inProgress(i: number): Promise<string[]> {
    return [...this.lists[i]!];
  }
  async requeueStrays(i: number, jsons: readonly string[]): Promise<number> {
    let n = 0;
    for (const json of jsons) {
      const at = this.lists[i]!.indexOf(json);
      if (at === -1) continue; // a late ack removed it meanwhile
      this.lists[i]!.splice(at, 1);
      this.requeued[i]!.push(json);
      n++;
    }
    return n;
  }
}

function setup() {
  const lists = new MemoryLists();
  const ledger = new Ledger(lists.queues, 4);
  return { lists, ledger, check: new StrayCheck(lists, ledger) };
}

describe("StrayCheck", () => {
  it("requeues a job unheld in two checks in a row, not after one", async () => {
    const { lists, check } = setup();
    lists.lists[0]!.push("lost");
    expect(await check.run()).toBe(0);
    expect(lists.lists[0]).toEqual(["lost"]);
    expect(await check.run()).toBe(1);
    expect(lists.requeued[0]).toEqual(["lost"]);
    expect(lists.lists[0]).toEqual([]);
  });

  it("never takes a job being fetched right now: its reply arrives before the next check", async () => {
    const { lists, ledger, check } = setup();
    // Redis moved it; the fetch reply is still on its way.
    lists.lists[0]!.push("coming");
    expect(await check.run()).toBe(0);
    ledger.hold(0, "coming");
    expect(await check.run()).toBe(0);
    expect(await check.run()).toBe(0);
    expect(lists.requeued[0]).toEqual([]);
  });

  it("never takes a held job, in whatever state: buffered, running, or its write in flight", async () => {
    const { lists, ledger, check } = setup();
    const buffered = ledger.hold(0, "buffered");
    const runningJob = ledger.hold(0, "running");
    ledger.start(runningJob);
    const finishing = ledger.hold(1, "acking");
    ledger.start(finishing);
    ledger.finish(finishing);
    lists.lists[0]!.push("buffered", "running");
    lists.lists[1]!.push("acking");
    for (let k = 0; k < 3; k++) expect(await check.run()).toBe(0);
    expect(lists.requeued).toEqual([[], []]);
    expect(buffered).not.toBe(runningJob);
  });

  it("counts duplicates: only the copies beyond what is held, and only those seen twice", async () => {
    const { lists, ledger, check } = setup();
    ledger.hold(0, "dup");
    lists.lists[0]!.push("dup", "dup", "dup"); // one held, two stray
    expect(await check.run()).toBe(0);
    // A third unheld copy arrives: it has been seen once only.
    lists.lists[0]!.push("dup");
    expect(await check.run()).toBe(2);
    expect(lists.requeued[0]).toEqual(["dup", "dup"]);
    expect(lists.lists[0]).toEqual(["dup", "dup"]);
    expect(await check.run()).toBe(1);
    expect(lists.lists[0]).toEqual(["dup"]);
  });

  it("keeps queues apart: the same string held for one queue does not cover another", async () => {
    const { lists, ledger, check } = setup();
    ledger.hold(0, "same");
    lists.lists[0]!.push("same");
    lists.lists[1]!.push("same");
    await check.run();
    expect(await check.run()).toBe(1);
    expect(lists.requeued).toEqual([[], ["same"]]);
  });

  it("forgets a suspect that was released and left the list between checks", async () => {
    const { lists, ledger, check } = setup();
    const e = ledger.hold(0, "acked");
    lists.lists[0]!.push("acked");
    // The LRANGE saw it just before its ack was written and the ledger released it.
    ledger.release(e);
    expect(await check.run()).toBe(0);
    lists.lists[0] = [];
    expect(await check.run()).toBe(0);
    // Pushed again later (a new job with the same string): a fresh suspect, not confirmed.
    lists.lists[0]!.push("acked");
    expect(await check.run()).toBe(0);
    expect(lists.requeued[0]).toEqual([]);
  });
});
