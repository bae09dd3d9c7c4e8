// The soak: a million no-op jobs through one `edgekiq worker` CLI process on a redis-server of
// its own. Prints the worker's RSS at start, middle and end (and every 10%), throughput, and what
// is left in Redis afterwards (keys, memory; no in-progress list may remain).
//
//   npx tsx test/chaos/soak.ts [jobs] [concurrency]       (defaults: 1000000, 25)
//
// test/chaos/soak.test.ts runs it with 20,000 jobs in every suite run, and with a million when
// EDGEKIQ_SOAK=1.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { Client } from "../../src/core/client";
import { startRedisServer } from "../helpers/redis-server";

export interface SoakReport {
  jobs: number;
  concurrency: number;
  seconds: number;
  jobsPerSecond: number;
  /** Worker RSS in MB by jobs processed (0 = idle before the first job). */
  rssMb: { at: number; mb: number }[];
  processed: number;
  /** Keys left in Redis after the worker stopped. */
  keysAfter: string[];
  inProgressLeft: number;
  usedMemoryMbAfter: number;
  usedMemoryMbEmpty: number;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = fileURLToPath(new URL("../../runtimes/node/bin.ts", import.meta.url));

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

async function usedMemoryMb(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  return Math.round(Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0) / 104857.6) / 10;
}

export async function runSoak(
  jobs = 1_000_000,
  concurrency = 25,
  log: (line: string) => void = () => undefined,
): Promise<SoakReport> {
  const server = await startRedisServer();
  const url = `${server.url}/0`;
  const redis = new Redis(url);
  const client = new Client({ redis });
  const worker = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      BIN,
      "worker",
      "-r",
      "test/chaos/fixtures/noop-jobs.ts",
      "--redis",
      url,
      "-c",
      String(concurrency),
      "--log-level",
      "warn",
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  worker.stdout.on("data", (d) => (output += d));
  worker.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((r) => worker.once("exit", (c) => r(c)));
  try {
    const usedMemoryMbEmpty = await usedMemoryMb(redis);
    // Started: its process hash exists. Then the idle RSS.
    for (let i = 0; (await redis.scard("processes")) === 0; i++) {
      if (i > 400 || worker.exitCode !== null) throw new Error(`worker did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 500));
    const samples: { at: number; mb: number }[] = [{ at: 0, mb: rssMb(worker.pid!) }];
    log(`worker up, idle RSS ${samples[0]!.mb} MB; pushing ${jobs} jobs`);

    const t0 = performance.now();
    let pushed = 0;
    let nextSample = jobs / 10;
    // Done = pushed - queued - in progress; the queue is kept under 50k so Redis stays small.
    const done = async () => {
      const [q, ...lists] = await Promise.all([
        redis.llen("queue:default"),
        ...(await redis.smembers("edgekiq:inprogress")).map((m) => {
          const [id, queue] = JSON.parse(m) as [string, string];
          return redis.llen(`edgekiq:inprogress:${id}|${queue}`);
        }),
      ]);
      return pushed - q! - lists.reduce((a, b) => a + b, 0);
    };
    for (;;) {
      const finished = await done();
      while (finished >= nextSample && nextSample <= jobs) {
        samples.push({ at: nextSample, mb: rssMb(worker.pid!) });
        log(`${nextSample} done, RSS ${samples[samples.length - 1]!.mb} MB`);
        nextSample += jobs / 10;
      }
      if (finished >= jobs) break;
      if (pushed < jobs && (await redis.llen("queue:default")) < 50_000) {
        const n = Math.min(5000, jobs - pushed);
        for (let i = 0; i < n; i += 1000) {
          await client.pushBulk({
            class: "Noop",
            args: Array.from({ length: Math.min(1000, n - i) }, (_, k) => [pushed + i + k]),
          });
        }
        pushed += n;
      } else {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    worker.kill("SIGTERM");
    const code = await exited;
    if (code !== 0) throw new Error(`worker exited ${code}:\n${output}`);
    const keysAfter = (await redis.keys("*")).sort();
    const inProgressLeft = keysAfter.filter((k) => k.startsWith("edgekiq:inprogress")).length;
    const report: SoakReport = {
      jobs,
      concurrency,
      seconds: Math.round(seconds * 10) / 10,
      jobsPerSecond: Math.round(jobs / seconds),
      rssMb: samples,
      processed: Number(await redis.get("stat:processed")),
      keysAfter,
      inProgressLeft,
      usedMemoryMbAfter: await usedMemoryMb(redis),
      usedMemoryMbEmpty,
    };
    return report;
  } finally {
    if (worker.exitCode === null) worker.kill("SIGKILL");
    redis.disconnect();
    await server.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const jobs = Number(process.argv[2] ?? 1_000_000);
  const concurrency = Number(process.argv[3] ?? 25);
  const report = await runSoak(jobs, concurrency, (line) => console.log(line));
  console.log(JSON.stringify(report, null, 2));
}
