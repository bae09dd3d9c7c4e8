// The ledger of in-flight jobs: what the work hash, the TTIN dump and the stray check read,
// without Redis.
import { describe, expect, it } from "vitest";
import { Ledger } from "../../../src/worker/ledger";

const running = (ledger: Ledger) => {
  const out: [string, string, string][] = [];
  ledger.each((tid, job) => out.push([tid, job.queue, job.payload]));
  return out;
};

describe("Ledger", () => {
  it("holds a job from hold to release; only start..finish counts as running", () => {
    const ledger = new Ledger(["a", "b"], 2);
    const e = ledger.hold(1, "j1");
    expect([ledger.queueOf(e), ledger.jsonOf(e)]).toEqual([1, "j1"]);
    expect(ledger.held(1)).toEqual(new Map([["j1", 1]]));
    expect(ledger.busy).toBe(0);
    ledger.start(e);
    expect(ledger.busy).toBe(1);
    expect(running(ledger)).toEqual([["0", "b", "j1"]]);
    ledger.finish(e);
    // Its write is not known to be written yet: no longer running, still held.
    expect(ledger.busy).toBe(0);
    expect(running(ledger)).toEqual([]);
    expect(ledger.held(1)).toEqual(new Map([["j1", 1]]));
    ledger.release(e);
    expect(ledger.held(1).size).toBe(0);
  });

  it("hands out tid 0 first, reuses a freed tid and lists running jobs in tid order", () => {
    const ledger = new Ledger(["a", "b"], 2);
    const e1 = ledger.hold(0, "j1");
    const e2 = ledger.hold(1, "j2");
    ledger.start(e1);
    ledger.start(e2);
    expect(running(ledger)).toEqual([
      ["0", "a", "j1"],
      ["1", "b", "j2"],
    ]);
    ledger.finish(e1);
    const e3 = ledger.hold(0, "j3");
    ledger.start(e3);
    expect(running(ledger)).toEqual([
      ["0", "a", "j3"],
      ["1", "b", "j2"],
    ]);
    // j1 still waits for its ack: held, under another entry than j3.
    expect(e3).not.toBe(e1);
    expect(ledger.held(0)).toEqual(
      new Map([
        ["j1", 1],
        ["j3", 1],
      ]),
    );
  });

  it("counts a string held twice twice, per queue, and ignores a second release", () => {
    const ledger = new Ledger(["a", "b"], 3);
    ledger.hold(0, "same");
    const twice = ledger.hold(0, "same");
    ledger.hold(1, "same");
    expect(ledger.held(0).get("same")).toBe(2);
    ledger.release(twice);
    ledger.release(twice);
    expect(ledger.held(0).get("same")).toBe(1);
    expect(ledger.held(1).get("same")).toBe(1);
  });

  it("releases a running job at once (nothing to write, or handed back by a hard stop)", () => {
    const ledger = new Ledger(["a"], 1);
    const e = ledger.hold(0, "x");
    ledger.start(e);
    ledger.release(e);
    expect(ledger.busy).toBe(0);
    expect(running(ledger)).toEqual([]);
    expect(ledger.held(0).size).toBe(0);
    // The freed tid and entry are reused, not grown.
    const again = ledger.hold(0, "y");
    ledger.start(again);
    expect(again).toBe(e);
    expect(running(ledger)).toEqual([["0", "a", "y"]]);
  });

  it("grows rather than dropping a job when more are held or running than its size", () => {
    const ledger = new Ledger(["a"], 1);
    const entries = ["x", "y", "z"].map((j) => ledger.hold(0, j));
    for (const e of entries) ledger.start(e);
    expect(ledger.busy).toBe(3);
    expect(running(ledger).map(([tid]) => tid)).toEqual(["0", "1", "2"]);
    const runAt = Math.floor(Date.now() / 1000);
    ledger.each((_, job) => expect(job.run_at).toBeGreaterThanOrEqual(runAt - 1));
  });
});
