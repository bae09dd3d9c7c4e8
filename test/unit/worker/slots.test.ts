// The job slots behind the work hash, the TTIN dump and the stray check, without Redis.
import { describe, expect, it } from "vitest";
import { Slots } from "../../../src/worker/slots";

const dump = (slots: Slots) => {
  const out: [string, string, string][] = [];
  slots.each((tid, job) => out.push([tid, job.queue, job.payload]));
  return out;
};

describe("Slots", () => {
  it("hands out slot 0 first, reuses a released slot and keeps its tid", () => {
    const slots = new Slots(["a", "b"], 2);
    const s0 = slots.take(0, "j1");
    const s1 = slots.take(1, "j2");
    expect([s0, s1]).toEqual([0, 1]);
    expect(slots.busy).toBe(2);
    expect(dump(slots)).toEqual([
      ["0", "a", "j1"],
      ["1", "b", "j2"],
    ]);
    slots.release(s0);
    expect(slots.busy).toBe(1);
    expect(dump(slots)).toEqual([["1", "b", "j2"]]);
    expect(slots.take(0, "j3")).toBe(0);
    expect(dump(slots)[0]).toEqual(["0", "a", "j3"]);
  });

  it("counts a string held twice twice, per queue, and ignores a double release", () => {
    const slots = new Slots(["a", "b"], 3);
    slots.take(0, "same");
    const s = slots.take(0, "same");
    slots.take(1, "same");
    const held = new Map<string, number>();
    slots.addHeld(0, held);
    expect(held.get("same")).toBe(2);
    slots.release(s);
    slots.release(s);
    expect(slots.busy).toBe(2);
    const after = new Map<string, number>();
    slots.addHeld(0, after);
    expect(after.get("same")).toBe(1);
  });

  it("adds a slot when all are taken rather than dropping a job", () => {
    const slots = new Slots(["a"], 1);
    slots.take(0, "x");
    expect(slots.take(0, "y")).toBe(1);
    expect(slots.busy).toBe(2);
    const runAt = Math.floor(Date.now() / 1000);
    slots.each((_, job) => expect(job.run_at).toBeGreaterThanOrEqual(runAt - 1));
  });
});
