// The benchmark harness still works: its short mode (2,000 jobs, one round, concurrency 10) runs
// every system end to end on a redis-server of its own and produces a well-formed table and raw
// results file; with `--baseline HEAD` it also runs edgekiq built from HEAD as a column of its own.
// Speed is deliberately not asserted: figures on a shared CI machine mean nothing.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Results } from "../../bench/lib/report";
import { peers } from "../helpers/peers";

const require = createRequire(import.meta.url);
const tsx = require.resolve("tsx/cli");
const root = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "edgekiq-bench-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface BenchRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  results: Results;
  /** The Markdown table's lines. */
  table: string[];
}

/** Runs `tsx bench/run.ts <args> --out <file>` and reads what it printed and wrote. */
async function runBench(args: string[], file: string): Promise<BenchRun> {
  const out = join(dir, file);
  const child = spawn(process.execPath, [tsx, "bench/run.ts", ...args, "--out", out], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exitCode = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  const results = JSON.parse(readFileSync(out, "utf8")) as Results;
  const table = stdout.split("\n").filter((l) => l.startsWith("|"));
  return { exitCode, stdout, stderr, results, table };
}

const SHORT_FIGURES = [
  "drain_c10",
  "drain_unique_c10",
  "drain_limiter_c10",
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
  "batch_drain_c10",
  "batch_worker_cpu_c10",
  "batch_redis_cpu_c10",
];
/** edgekiq's flow-control drains: today's edgekiq only (a baseline may predate them). */
const FLOW_FIGURES = ["drain_unique_c10", "drain_limiter_c10"];

/** Figures only edgekiq (today's, not a baseline's) has: batch jobs and flow control. */
const edgekiqOnly = (k: string) => k.startsWith("batch_") || FLOW_FIGURES.includes(k);

/** Every figure of `system` (but REST if it has none) has one sane sample in a short run. */
function expectSaneSamples(results: Results, system: Results["systems"][number]): void {
  const skipped = Object.keys(system.unavailable);
  const expected = SHORT_FIGURES.filter(
    (k) =>
      !(k.endsWith("_rest") && skipped.includes("rest")) &&
      !(edgekiqOnly(k) && system.name !== "edgekiq"),
  );
  const all = results.samples.filter((s) => s.system === system.name);
  const got = all.filter((s) => SHORT_FIGURES.includes(s.figure));
  // The raw results also keep the latency mean and max.
  expect(all.map((s) => s.figure)).toContain("latency_max");
  expect(got.map((s) => s.figure).sort()).toEqual([...expected].sort());
  for (const sample of got) {
    expect(Number.isFinite(sample.value) && sample.value > 0, JSON.stringify(sample)).toBe(true);
  }
  const summary = (k: string) => results.summary[k]?.[system.name]?.median ?? Number.NaN;
  expect(summary("latency_p50")).toBeLessThanOrEqual(summary("latency_p99"));
  expect(summary("latency_warm_p50")).toBeLessThanOrEqual(summary("latency_warm_p99"));
  // A worker process of a few MB would mean the sampler read the wrong process.
  expect(summary("rss_c10")).toBeGreaterThan(10);
}

/** Parts a system may lack here: Ruby Sidekiq outside CI only; REST for the peers always. */
function allowedGaps(system: string): string[] {
  if (system === "sidekiq" && peers.ruby() && process.env.CI !== "true") {
    return ["worker", "producer", "rest"];
  }
  return system === "edgekiq" ? [] : ["rest"];
}

describe("bench --short", () => {
  let run: BenchRun;
  beforeAll(async () => {
    run = await runBench(["--short"], "results.json");
  }, 300_000);

  it("finishes without a failed measurement", () => {
    const { stderr, stdout, results, exitCode } = run;
    expect(stderr, stdout).not.toMatch(/FAILED/);
    expect(results.failures).toEqual([]);
    expect(exitCode).toBe(0);
  });

  it("runs every system, and any part it could not run is explained", () => {
    const { results } = run;
    expect(results.baseline).toBeUndefined();
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
    const { results } = run;
    expect(results.options).toMatchObject({ short: true, rounds: 1, jobs: 2_000 });
    expect(results.figures.map((f) => f.key)).toEqual(SHORT_FIGURES);
    for (const system of results.systems) {
      // Ruby missing outside CI (checked above)
      if (!Object.keys(system.unavailable).includes("worker")) expectSaneSamples(results, system);
    }
  });

  it("prints the machine, the command and a table with a row per figure and the ratios", () => {
    const { stdout, results, table } = run;
    expect(stdout).toMatch(/Command: tsx bench\/run\.ts --short --out /);
    expect(stdout).toMatch(/Machine: \d+ cores .*Redis \d+\.\d+/);
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

describe("bench --short --systems edgekiq --baseline HEAD", () => {
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
  const commit = git("rev-parse", "HEAD");
  const id = `edgekiq@${git("rev-parse", "--short", "HEAD")}`;
  let run: BenchRun;
  beforeAll(async () => {
    run = await runBench(["--short", "--systems", "edgekiq", "--baseline", "HEAD"], "base.json");
  }, 300_000);

  it("finishes without a failed measurement", () => {
    const { stderr, stdout, results, exitCode } = run;
    expect(stderr, stdout).not.toMatch(/FAILED/);
    expect(results.failures).toEqual([]);
    expect(exitCode).toBe(0);
  });

  it("runs edgekiq and, right after it, edgekiq built from HEAD with HEAD's own entries", () => {
    const { results } = run;
    expect(results.options).toMatchObject({ systems: ["edgekiq"], baseline: "HEAD" });
    expect(results.systems.map((s) => s.name)).toEqual(["edgekiq", id]);
    for (const system of results.systems) expect(system.unavailable).toEqual({});
    expect(results.baseline).toEqual({
      system: id,
      ref: "HEAD",
      commit,
      glue: "ref",
      protocolChanged: expect.any(Boolean),
    });
    expect(results.systems[1]!.label).toContain(`edgekiq at HEAD (commit ${commit.slice(0, 12)})`);
    // One round: edgekiq first, then the baseline, for every measurement.
    const order = results.samples.filter((s) => s.figure === "drain_c10").map((s) => s.system);
    expect(order).toEqual(["edgekiq", id]);
  });

  it("records every figure for both, REST through each one's own bridge", () => {
    const { results } = run;
    expect(results.figures.map((f) => f.key)).toEqual(SHORT_FIGURES);
    for (const system of results.systems) expectSaneSamples(results, system);
  });

  it("prints a column for each and the edgekiq/baseline ratio on every row", () => {
    const { stdout, results, table } = run;
    expect(stdout).toMatch(/Command: tsx bench\/run\.ts --short --systems edgekiq --baseline HEAD/);
    expect(table[0]).toBe(`| figure | edgekiq | ${id} | edgekiq/${id} |`);
    expect(table).toHaveLength(2 + results.figures.length);
    for (const [i, figure] of results.figures.entries()) {
      const cells = table[2 + i]!.split("|")
        .slice(1, -1)
        .map((c) => c.trim());
      expect(cells).toHaveLength(4);
      expect(cells[0]).toBe(`${figure.label} (${figure.unit})`);
      expect(cells[1]).toMatch(/^[\d,.]+$/);
      if (FLOW_FIGURES.includes(figure.key)) continue;
      if (edgekiqOnly(figure.key)) {
        expect(cells.slice(2)).toEqual(["–", "–"]);
        continue;
      }
      expect(cells[2]).toMatch(/^[\d,.]+$/);
      expect(cells[3]).toMatch(/^\d+\.\d\d×$/);
    }
    expect(stdout).toContain(`- ${id}: edgekiq at HEAD (commit ${commit.slice(0, 12)})`);
  });
});
