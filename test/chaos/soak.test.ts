// The soak (soak.ts) as a test: 20,000 no-op jobs in every run, a million with EDGEKIQ_SOAK=1.
// Every job is processed once, no in-progress list is left, the only keys left are the stats, and
// the worker's RSS does not keep growing.
import { describe, expect, it } from "vitest";
import { runSoak } from "./soak";

const full = process.env.EDGEKIQ_SOAK === "1";
const jobs = full ? 1_000_000 : 20_000;

describe("soak", () => {
  it(
    `${jobs} no-op jobs through one worker: all processed, nothing left but the stats`,
    async () => {
      const report = await runSoak(jobs, 25, full ? (l) => console.log(l) : undefined);
      console.log("soak report", JSON.stringify(report));
      expect(report.processed).toBe(jobs);
      expect(report.inProgressLeft).toBe(0);
      // `queues` (the client's set of queue names), stat:processed and its dated key, Sidekiq's
      // `process_cleanup` lock (60 s TTL) and the Sidekiq 7 job metrics of the minutes the soak
      // ran in (`j|…` and the `Noop-DD-HH:M` histograms, 8 h TTL); nothing per job or per
      // process remains.
      const expected = new Set(["queues", "process_cleanup"]);
      const metrics = /^(j\|\d{8}\|\d{1,2}:\d{1,2}|Noop-\d\d-\d\d:\d{1,2})$/;
      expect(
        report.keysAfter.filter(
          (k) => !expected.has(k) && !k.startsWith("stat:processed") && !metrics.test(k),
        ),
      ).toEqual([]);
      expect(report.keysAfter.some((k) => k.startsWith("j|"))).toBe(true);
      if (full) {
        const rss = report.rssMb.map((s) => s.mb);
        // No leak: the end is within 50% (and 64 MB) of the middle.
        const middle = rss[Math.floor(rss.length / 2)]!;
        expect(rss[rss.length - 1]!).toBeLessThan(Math.max(middle * 1.5, middle + 64));
      }
    },
    full ? 3_600_000 : 120_000,
  );
});
