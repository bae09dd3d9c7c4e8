// Pure parts of flow control: the canonical JSON and digest behind unique locks, and the
// over-limit reschedule plan (payload bytes kept, count carried, cap honoured).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, uniqueDigest } from "../../src/core/unique";
import {
  DEFAULT_MAX_RESCHEDULES,
  defaultOverLimitBackoff,
  overLimitPlan,
} from "../../src/worker/limits";
import type { Registration } from "../../src/worker/types";

describe("canonicalJson / uniqueDigest", () => {
  it("sorts object keys at every depth and leaves arrays in order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson([1, "x", true])).toBe('[1,"x",true]');
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it("is the SHA-256 of class, queue and args, the same whatever the key order", async () => {
    const d = await uniqueDigest("Sync", "default", [{ x: 1, y: 2 }]);
    expect(d).toBe(createHash("sha256").update('["Sync","default",[{"x":1,"y":2}]]').digest("hex"));
    expect(await uniqueDigest("Sync", "default", [{ y: 2, x: 1 }])).toBe(d);
    expect(await uniqueDigest("Sync", "other", [{ x: 1, y: 2 }])).not.toBe(d);
    expect(await uniqueDigest("Sync", "default", [{ x: 1, y: 3 }])).not.toBe(d);
  });
});

describe("overLimitPlan", () => {
  const reg = (options: Registration["options"] = {}) =>
    ({ className: "J", definition: undefined, handler: () => undefined, options }) as Registration;
  const json = '{"class":"J","args":[12345678901234567890,3.0],"jid":"abc","queue":"q"}';

  it("reschedules into `schedule` with the count, the payload's bytes otherwise unchanged", () => {
    const plan = overLimitPlan(
      reg({ overLimitBackoff: (n) => 10 * (n + 1) }),
      JSON.parse(json),
      json,
      "schedule",
      1_000_000,
    );
    expect(plan?.in).toBe(10);
    const [cmd] = plan!.commands;
    expect(cmd![0]).toBe("zadd");
    expect(cmd![1]).toBe("schedule");
    expect(Number(cmd![2])).toBeCloseTo(1010, 3);
    expect(cmd![3]).toBe(
      '{"class":"J","args":[12345678901234567890,3.0],"jid":"abc","queue":"q","edgekiq_overlimit":1}',
    );
    const again = String(cmd![3]);
    const second = overLimitPlan(
      reg({ overLimitBackoff: (n) => 10 * (n + 1) }),
      JSON.parse(again),
      again,
      "schedule",
      0,
    );
    expect(second?.in).toBe(20);
    expect(String(second!.commands[0]![3])).toContain('"edgekiq_overlimit":2');
  });

  it("gives up after maxReschedules (default 20), so the error becomes a failure", () => {
    const at = (n: number) => {
      const p = `{"class":"J","args":[],"jid":"a","edgekiq_overlimit":${n}}`;
      return overLimitPlan(reg(), JSON.parse(p), p, "schedule");
    };
    expect(DEFAULT_MAX_RESCHEDULES).toBe(20);
    expect(at(19)).toBeDefined();
    expect(at(20)).toBeUndefined();
  });

  it("backs off more with each reschedule, up to five minutes", () => {
    expect(defaultOverLimitBackoff(0)).toBeLessThanOrEqual(1);
    expect(defaultOverLimitBackoff(4)).toBeGreaterThanOrEqual(12);
    expect(defaultOverLimitBackoff(4)).toBeLessThanOrEqual(16);
    expect(defaultOverLimitBackoff(30)).toBeLessThanOrEqual(300);
    expect(defaultOverLimitBackoff(30)).toBeGreaterThanOrEqual(225);
  });
});
