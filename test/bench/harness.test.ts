// The benchmark harness still works: its short mode (2,000 jobs, one round, concurrency 10) runs
// every system end to end on a redis-server of its own and produces a well-formed table and raw
// results file. Speed is deliberately not asserted: figures on a shared CI machine mean nothing.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Results } from "../../bench/lib/report";
import { peers } from "../helpers/peers";

const require = createRequire(import.meta.url);
const tsx = require.resolve("tsx/cli");
const dir = mkdtempSync(join(tmpdir(), "edgekiq-bench-"));
const out = join(dir, "results.json");

let exitCode: number | null = null;
let stdout = "";
let stderr = "";
let results: Results;

beforeAll(async () => {
  const child = spawn(process.execPath, [tsx, "bench/run.ts", "--short", "--out", out], {
    cwd: join(import.meta.dirname, "../.."),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  exitCode = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  results = JSON.parse(readFileSync(out, "utf8")) as Results;
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parts a system may lack here: Ruby Sidekiq outside CI only; REST for the peers always. */
function allowedGaps(system: string): string[] {
  if (system === "sidekiq" && peers.ruby() && process.env.CI !== "true") {
    return ["worker", "producer", "rest"];
  }
  return system === "edgekiq" ? [] : ["rest"];
}

describe("bench --short", () => {
  it("finishes without a failed measurement", () => {
    expect(stderr, stdout).not.toMatch(/FAILED/);
    expect(results.failures).toEqual([]);
    expect(exitCode).toBe(0);
  });

  it("runs every system, and any part it could not run is explained", () => {
    expect(results.systems.map((s) => s.name)).toEqual(["edgekiq", "bullmq", "sidekiq"]);
    for (const system of results.systems) {
      expect(system.label).toMatch(/\S/);
      for (const [part, reason] of Object.entries(system.unavailable)) {
        expect(allowedGaps(system.name), `${system.name} ${part}: ${reason}`).toContain(part);
        expect(reason).toMatch(/\S/);
      }
    }
  });

  it("records a sane value for every figure of every system that could run it", () => {
    expect(results.options).toMatchObject({ short: true, rounds: 1, jobs: 2_000 });
    const keys = results.figures.map((f) => f.key);
    expect(keys).toEqual([
      "drain_c10",
      "enqueue_one_tcp",
      "enqueue_bulk_tcp",
      "enqueue_one_rest",
      "enqueue_bulk_rest",
      "latency_p50",
      "latency_p99",
      "latency_warm_p50",
      "latency_warm_p99",
      "rss_c10",
      "worker_cpu_c10",
      "redis_cpu_c10",
    ]);
    for (const system of results.systems) {
      const skipped = Object.keys(system.unavailable);
      if (skipped.includes("worker")) continue; // Ruby missing outside CI (checked above)
      const expected = keys.filter((k) => !(k.endsWith("_rest") && skipped.includes("rest")));
      const all = results.samples.filter((s) => s.system === system.name);
      const got = all.filter((s) => keys.includes(s.figure));
      // The raw results also keep the latency mean and max.
      expect(all.map((s) => s.figure)).toContain("latency_max");
      expect(got.map((s) => s.figure).sort()).toEqual([...expected].sort());
      for (const sample of got) {
        expect(Number.isFinite(sample.value) && sample.value > 0, JSON.stringify(sample)).toBe(
          true,
        );
      }
      const summary = (k: string) => results.summary[k]?.[system.name]?.median ?? Number.NaN;
      expect(summary("latency_p50")).toBeLessThanOrEqual(summary("latency_p99"));
      expect(summary("latency_warm_p50")).toBeLessThanOrEqual(summary("latency_warm_p99"));
      // A worker process of a few MB would mean the sampler read the wrong process.
      expect(summary("rss_c10")).toBeGreaterThan(10);
    }
  });

  it("prints the machine, the command and a table with a row per figure and the ratios", () => {
    expect(stdout).toMatch(/Command: tsx bench\/run\.ts --short --out /);
    expect(stdout).toMatch(/Machine: \d+ cores .*Redis \d+\.\d+/);
    const table = stdout.split("\n").filter((l) => l.startsWith("|"));
    expect(table[0]).toBe(
      "| figure | edgekiq | BullMQ | Sidekiq | edgekiq/BullMQ | edgekiq/Sidekiq |",
    );
    expect(table).toHaveLength(2 + results.figures.length);
    for (const [i, figure] of results.figures.entries()) {
      const cells = table[2 + i]!.split("|").slice(1, -1);
      expect(cells).toHaveLength(6);
      expect(cells[0]!.trim()).toBe(`${figure.label} (${figure.unit})`);
      // edgekiq ran every figure, so every edgekiq cell is a number.
      expect(cells[1]!.trim()).toMatch(/^[\d,.]+$/);
    }
    const drainRow = table[2]!.split("|").slice(1, -1);
    expect(drainRow[4]!.trim()).toMatch(/^\d+\.\d\d×$/);
  });
});
