/**
 * `npm run bench`: edgekiq side by side with BullMQ and Ruby Sidekiq on one dedicated Redis.
 *
 * 1. Starts a redis-server of its own on a free port (`--save "" --appendonly no`).
 * 2. Prepares each system (bundles the Node children, checks Ruby Sidekiq); a system or a part of
 *    one that cannot run is reported as "unavailable: <reason>" instead of stopping the run.
 * 3. Runs the rounds: every figure is measured for all systems back to back, in the order A B C
 *    on odd rounds and C B A on even ones, FLUSHDB before each measurement.
 * 4. Prints the machine, the command and the table of medians with edgekiq/peer ratios, and
 *    writes the raw samples to bench/results/<timestamp>.json.
 * Every child process and the redis-server are stopped on the way out, also on errors and signals.
 *
 * `--baseline <git-ref>` adds edgekiq as it was at that commit, built from the commit's own src/
 * and bench/systems entries (bench/lib/baseline.ts), as the system `edgekiq@<short sha>` right
 * after edgekiq: the same measurements in the same rounds, with an edgekiq/edgekiq@<short sha>
 * ratio column. `--systems edgekiq --baseline <ref>` leaves the peers out for a quicker check of
 * "a feature that is off costs nothing". A ref that names no commit stops the run before it starts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { Redis } from "ioredis";
import { startRedisServer } from "../test/helpers/redis-server";
import { type BenchOptions, parseArgs, type SystemName } from "./lib/args";
import { describeWorkingTree, resolveBaseline } from "./lib/baseline";
import { BENCH_DIR } from "./lib/build";
import { killAll } from "./lib/children";
import { describeMachine, formatMachine } from "./lib/machine";
import { type Harness, measureDrain, measureEnqueue, measureLatency } from "./lib/measure";
import { figuresFor, type Results, renderTable, summarizeSamples } from "./lib/report";
import { BullmqSystem } from "./systems/bullmq";
import { EdgekiqSystem } from "./systems/edgekiq";
import { SidekiqSystem } from "./systems/sidekiq";
import {
  type Availability,
  isEdgekiq,
  type SystemAdapter,
  type SystemId,
  type Transport,
} from "./systems/types";

function createSystem(name: SystemName): SystemAdapter {
  if (name === "edgekiq") return new EdgekiqSystem();
  if (name === "bullmq") return new BullmqSystem();
  return new SidekiqSystem();
}

/** The systems in round order: the baseline right after edgekiq, so the two run back to back. */
function createSystems(opts: BenchOptions, baseline: EdgekiqSystem | undefined): SystemAdapter[] {
  return opts.systems.flatMap((name) =>
    name === "edgekiq" && baseline ? [createSystem(name), baseline] : [createSystem(name)],
  );
}

async function main(argv: string[]): Promise<number> {
  let opts: BenchOptions;
  let baseline: EdgekiqSystem | undefined;
  try {
    opts = parseArgs(argv);
    if (opts.baseline) {
      baseline = new EdgekiqSystem(resolveBaseline(opts.baseline), describeWorkingTree());
    }
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const script = process.env.npm_lifecycle_event;
  const command = script?.startsWith("bench")
    ? `npm run ${script}${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`
    : `tsx bench/run.ts ${argv.join(" ")}`.trim();
  const log = (line: string) => console.error(line);

  const server = await startRedisServer();
  redisServerPid = server.process.pid;
  const redisUrl = `${server.url}/0`;
  const admin = new Redis(redisUrl);
  const blocker = new Redis(redisUrl);
  const systems = createSystems(opts, baseline);
  try {
    const machine = await describeMachine(admin);
    log(`edgekiq bench: ${command}\n${formatMachine(machine)}`);
    const harness: Harness = { ctx: { redisUrl }, opts, admin, blocker };
    const availability = new Map<SystemId, Availability>();
    for (const system of systems) {
      const a = await system.prepare(harness.ctx);
      availability.set(system.name, a);
      for (const [part, reason] of Object.entries(a)) {
        if (reason && !(part === "rest" && !isEdgekiq(system.name))) {
          log(`  ${system.name} ${part} unavailable: ${reason}`);
        }
      }
    }

    const results: Results = {
      startedAt: new Date().toISOString(),
      command,
      machine,
      options: opts,
      systems: systems.map((s) => ({
        name: s.name,
        label: s.label,
        unavailable: Object.fromEntries(
          Object.entries(availability.get(s.name) ?? {}).filter(([, v]) => v),
        ) as Record<string, string>,
      })),
      baseline: baseline?.describeBaseline(),
      figures: figuresFor(opts),
      samples: [],
      failures: [],
      summary: {},
    };

    for (let round = 1; round <= opts.rounds; round++) {
      const order = round % 2 === 1 ? systems : [...systems].reverse();
      log(`round ${round}/${opts.rounds}: ${order.map((s) => s.name).join(" ")}`);
      const record = async (
        system: SystemAdapter,
        figure: string,
        run: () => Promise<Record<string, number>>,
      ) => {
        try {
          const values = await run();
          for (const [key, value] of Object.entries(values)) {
            results.samples.push({ round, system: system.name, figure: key, value });
          }
          log(`  ${system.name} ${figure}: ${describe(values)}`);
        } catch (err) {
          const error = (err as Error).message;
          results.failures.push({ round, system: system.name, figure, error });
          log(`  ${system.name} ${figure} FAILED: ${error}`);
        }
      };
      const can = (s: SystemAdapter, part: keyof Availability) => !availability.get(s.name)?.[part];

      if (opts.phases.includes("drain")) {
        for (const c of opts.concurrencies) {
          for (const s of order) {
            if (!can(s, "worker") || !can(s, "producer")) continue;
            await record(s, `drain_c${c}`, async () => {
              const r = await measureDrain(harness, s, c);
              const values: Record<string, number> = {
                [`drain_c${c}`]: r.rate,
                [`rss_c${c}`]: r.rssMb,
                [`redis_cpu_c${c}`]: r.redisCpuUs,
              };
              if (r.workerCpuUs !== undefined) values[`worker_cpu_c${c}`] = r.workerCpuUs;
              return values;
            });
          }
        }
        // The cost of batches: the same drain with every job in one batch (edgekiq today only;
        // a baseline or a peer has no batches to compare), at the first concurrency.
        const c = opts.concurrencies[0]!;
        const s = order.find((x) => x.name === "edgekiq");
        if (s && can(s, "worker") && can(s, "producer")) {
          await record(s, `batch_drain_c${c}`, async () => {
            const r = await measureDrain(harness, s, c, { BENCH_IN_BATCH: "1" });
            const values: Record<string, number> = {
              [`batch_drain_c${c}`]: r.rate,
              [`batch_redis_cpu_c${c}`]: r.redisCpuUs,
            };
            if (r.workerCpuUs !== undefined) values[`batch_worker_cpu_c${c}`] = r.workerCpuUs;
            return values;
          });
        }
      }
      // edgekiq's flow control (issue 16), today's edgekiq only: a baseline may predate it.
      if (opts.phases.includes("flow")) {
        const c = opts.concurrencies[0]!;
        for (const flow of ["unique", "limiter"] as const) {
          for (const s of order) {
            if (s.name !== "edgekiq" || !can(s, "worker") || !can(s, "producer")) continue;
            const key = `drain_${flow}_c${c}`;
            await record(s, key, async () => ({
              [key]: (await measureDrain(harness, s, c, {}, flow)).rate,
            }));
          }
        }
      }
      if (opts.phases.includes("enqueue")) {
        for (const transport of ["tcp", "rest"] as Transport[]) {
          for (const mode of ["one", "bulk"] as const) {
            for (const s of order) {
              if (!can(s, "producer") || (transport === "rest" && !can(s, "rest"))) continue;
              const key = `enqueue_${mode}_${transport}`;
              await record(s, key, async () => ({
                [key]: (await measureEnqueue(harness, s, mode, transport)).rate,
              }));
            }
          }
        }
      }
      if (opts.phases.includes("latency")) {
        for (const [prefix, warmup] of [
          ["latency", 0],
          ["latency_warm", opts.latencyWarmup],
        ] as const) {
          for (const s of order) {
            if (!can(s, "worker") || !can(s, "producer")) continue;
            await record(s, prefix, async () => {
              const l = await measureLatency(harness, s, warmup);
              // Mean and max are kept in the raw results only (not table figures).
              return {
                [`${prefix}_p50`]: l.p50,
                [`${prefix}_p99`]: l.p99,
                [`${prefix}_mean`]: l.mean,
                [`${prefix}_max`]: l.max,
              };
            });
          }
        }
      }
    }

    results.finishedAt = new Date().toISOString();
    summarizeSamples(results);
    const out =
      opts.out ?? join(BENCH_DIR, "results", `${results.startedAt.replace(/[:.]/g, "-")}.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);

    console.log(
      [
        "",
        `Command: ${command}`,
        `Date: ${results.startedAt}`,
        `Machine: ${formatMachine(machine).replace(/\n/g, "; ")}`,
        `Sizes: ${describeSizes(opts)}; ${opts.rounds} round(s)`,
        "",
        renderTable(results),
        "",
        `Raw results: ${relative(process.cwd(), out)}`,
      ].join("\n"),
    );
    return results.failures.length > 0 ? 1 : 0;
  } finally {
    killAll();
    await Promise.all(systems.map((s) => s.dispose().catch(() => undefined)));
    admin.disconnect();
    blocker.disconnect();
    await server.stop();
  }
}

function describeSizes(opts: BenchOptions): string {
  const n = (v: number) => v.toLocaleString("en-US");
  const parts: string[] = [];
  if (opts.phases.includes("drain")) {
    parts.push(`drain ${n(opts.jobs)} jobs pre-pushed in batches of ${n(opts.batch)}`);
  }
  if (opts.phases.includes("enqueue")) {
    parts.push(
      `enqueue ${n(opts.oneJobs)} one at a time and ${n(opts.jobs)} in batches of ${n(opts.batch)}`,
    );
  }
  if (opts.phases.includes("latency")) {
    parts.push(
      `latency ${n(opts.latencyJobs)} jobs at ${opts.latencyRate}/s into a worker at concurrency ${opts.latencyConcurrency}, from new processes and after ${n(opts.latencyWarmup)} warm-up jobs`,
    );
  }
  return parts.join("; ");
}

let redisServerPid: number | undefined;

function describe(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v < 100 ? v.toFixed(2) : Math.round(v)}`)
    .join(" ");
}

// Children run in process groups of their own, so a Ctrl-C or kill of the harness would leave
// them running: end them here (synchronously) before exiting.
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    killAll();
    if (redisServerPid) process.kill(redisServerPid, "SIGKILL");
    process.exit(130);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
