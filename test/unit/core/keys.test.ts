// Key names that are easy to get wrong: Sidekiq 7's metrics keys pad some parts and not others
// (wire spec §1.5, names seen on a live Sidekiq 7).
import { describe, expect, it } from "vitest";
import {
  HISTOGRAM_BOUNDS_MS,
  histogramKey,
  Keys,
  metricsKey,
  statDate,
} from "../../../src/core/keys";

describe("Keys", () => {
  const keys = new Keys();
  const at = Date.UTC(2026, 10, 29, 1, 54, 30);
  const early = Date.UTC(2026, 0, 5, 3, 5);

  it("names a minute of job metrics j|YYYYMMDD|H:M with hour and minute unpadded", () => {
    expect(metricsKey(keys, at)).toBe("j|20261129|1:54");
    expect(metricsKey(keys, early)).toBe("j|20260105|3:5");
  });

  it("names a histogram <Class>-DD-HH:M: day and hour padded, minute not", () => {
    expect(histogramKey(keys, "HardJob", at)).toBe("HardJob-29-01:54");
    expect(histogramKey(keys, "Mod::Job", early)).toBe("Mod::Job-05-03:5");
  });

  it("prefixes every key with a namespace and dates stats in UTC", () => {
    const ns = new Keys("app");
    expect(metricsKey(ns, at)).toBe("app:j|20261129|1:54");
    expect(histogramKey(ns, "A", at)).toBe("app:A-29-01:54");
    expect(statDate(at)).toBe("2026-11-29");
  });

  it("has Sidekiq's 26 histogram bounds, ascending", () => {
    expect(HISTOGRAM_BOUNDS_MS).toHaveLength(26);
    expect([...HISTOGRAM_BOUNDS_MS].sort((a, b) => a - b)).toEqual([...HISTOGRAM_BOUNDS_MS]);
    expect(HISTOGRAM_BOUNDS_MS[15]).toBe(8500); // a 6,000 ms job lands in #15 (§1.5)
  });
});
