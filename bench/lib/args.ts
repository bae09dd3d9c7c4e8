/**
 * The harness's command line: which systems, phases and sizes to run. Defaults follow the method
 * the peer figures were measured with (100,000 jobs, 20,000 one-at-a-time pushes, 2,000 latency
 * jobs at 500/s, concurrency 10/25/50, 3 rounds); `--short` shrinks everything so CI can check
 * that the harness still works without spending minutes on it. `--baseline <git-ref>` adds
 * edgekiq as it was at that commit as one more system (bench/lib/baseline.ts).
 */

export const SYSTEMS = ["edgekiq", "bullmq", "sidekiq"] as const;
export type SystemName = (typeof SYSTEMS)[number];

export const PHASES = ["drain", "enqueue", "latency", "flow"] as const;
export type PhaseName = (typeof PHASES)[number];

export interface BenchOptions {
  short: boolean;
  rounds: number;
  /** Jobs per drain and per bulk enqueue. */
  jobs: number;
  /** Sequential awaited pushes in the one-at-a-time enqueue figure. */
  oneJobs: number;
  /** Jobs in the latency phase, pushed at `latencyRate` per second. */
  latencyJobs: number;
  latencyRate: number;
  /** Warm-up jobs before the second latency measurement (through the same processes). */
  latencyWarmup: number;
  latencyConcurrency: number;
  batch: number;
  concurrencies: number[];
  systems: SystemName[];
  phases: PhaseName[];
  /** A git ref whose edgekiq runs beside today's as `edgekiq@<short sha>`. */
  baseline?: string;
  /** Where the raw results go; default bench/results/<timestamp>.json. */
  out?: string;
}

export const USAGE = `usage: tsx bench/run.ts [options]
  --short                 CI mode: 2,000 jobs (500 one at a time, 250 for latency after 200
                          warm-up jobs), 1 round,
                          concurrency 10 (checks that the harness works, says nothing about speed)
  --rounds N              rounds; systems alternate order each round (default 3)
  --jobs N                jobs per drain and per bulk enqueue (default 100000)
  --one-jobs N            sequential pushes for "enqueue one at a time" (default min(20000, jobs))
  --latency-jobs N        jobs in the latency phase (default 2000), pushed at --latency-rate/s (500)
  --latency-warmup N      warm-up jobs before the second latency measurement (default 10000)
  --concurrency 10,25,50  drain concurrencies
  --systems edgekiq,bullmq
                          systems to run (edgekiq, bullmq, sidekiq; --only is the same flag)
  --baseline REF          also run edgekiq built from the git ref REF (e.g. main, HEAD~3), as
                          "edgekiq@<short sha>", with an edgekiq/edgekiq@<short sha> ratio
  --phases drain,enqueue,latency,flow
                          (flow: edgekiq's drain with a unique lock per job, and with a
                          concurrent limiter, at the first concurrency)
  --out FILE              raw results file (default bench/results/<timestamp>.json)`;

export function parseArgs(argv: string[]): BenchOptions {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}"\n${USAGE}`);
    const eq = arg.indexOf("=");
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (arg === "--short" || arg === "--help") flags.set(arg.slice(2), true);
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      flags.set(arg.slice(2), value);
    }
  }
  const known = new Set([
    "short",
    "help",
    "rounds",
    "jobs",
    "one-jobs",
    "latency-jobs",
    "latency-rate",
    "latency-warmup",
    "concurrency",
    "systems",
    "only",
    "baseline",
    "phases",
    "out",
  ]);
  for (const name of flags.keys()) {
    if (!known.has(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
  }
  if (flags.has("help")) throw new Error(USAGE);

  // --only is the flag's first name, kept so earlier commands in the docs still run.
  if (flags.has("systems") && flags.has("only")) throw new Error("--systems and --only: use one");
  if (flags.has("only")) flags.set("systems", flags.get("only")!);
  const systems = oneOf(list(flags, "systems", [...SYSTEMS]), SYSTEMS, "--systems");
  const baseline = text(flags, "baseline");
  if (baseline !== undefined && !systems.includes("edgekiq")) {
    throw new Error("--baseline compares with today's edgekiq: keep edgekiq in --systems");
  }
  const short = flags.get("short") === true;
  const jobs = int(flags, "jobs", short ? 2_000 : 100_000);
  return {
    short,
    rounds: int(flags, "rounds", short ? 1 : 3),
    jobs,
    oneJobs: int(flags, "one-jobs", short ? 500 : Math.min(20_000, jobs)),
    latencyJobs: int(flags, "latency-jobs", short ? 250 : 2_000),
    latencyRate: int(flags, "latency-rate", 500),
    latencyWarmup: int(flags, "latency-warmup", short ? 200 : 10_000),
    latencyConcurrency: 10,
    batch: 1_000,
    concurrencies: list(flags, "concurrency", short ? ["10"] : ["10", "25", "50"]).map((c) => {
      const n = Number(c);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--concurrency: bad value "${c}"`);
      return n;
    }),
    systems,
    phases: oneOf(list(flags, "phases", [...PHASES]), PHASES, "--phases"),
    baseline,
    out: text(flags, "out"),
  };
}

function int(flags: Map<string, string | true>, name: string, fallback: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

function text(flags: Map<string, string | true>, name: string): string | undefined {
  const raw = flags.get(name);
  return typeof raw === "string" ? raw : undefined;
}

function list(flags: Map<string, string | true>, name: string, fallback: string[]): string[] {
  const raw = flags.get(name);
  if (typeof raw !== "string") return fallback;
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function oneOf<T extends string>(values: string[], allowed: readonly T[], flag: string): T[] {
  for (const v of values) {
    if (!allowed.includes(v as T)) {
      throw new Error(`${flag}: unknown "${v}" (choose from ${allowed.join(", ")})`);
    }
  }
  // Keep the canonical order so "A B C / C B A" alternation is stable whatever the flag order.
  return allowed.filter((a) => values.includes(a));
}
