/**
 * The facts printed beside every table: figures only compare within one machine and one run, so
 * the machine, the Redis and the runtimes are part of the result.
 */
import { execFileSync } from "node:child_process";
import { cpus, loadavg, release, totalmem, type } from "node:os";
import type { Redis } from "ioredis";

export interface Machine {
  cores: number;
  cpu: string;
  memoryGb: number;
  os: string;
  redis: string;
  node: string;
  ruby?: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverage: number;
}

export async function describeMachine(redis: Redis): Promise<Machine> {
  const info = await redis.info("server");
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
  let ruby: string | undefined;
  try {
    ruby = execFileSync("ruby", ["-e", "print RUBY_VERSION"], { encoding: "utf8" }).trim();
  } catch {
    ruby = undefined;
  }
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    redis: redisVersion,
    node: process.version,
    ruby,
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
  };
}

export function formatMachine(m: Machine): string {
  return [
    `${m.cores} cores (${m.cpu}), ${m.memoryGb} GB, ${m.os}, load average ${m.loadAverage} at start`,
    `Redis ${m.redis} (dedicated redis-server on loopback, --save "" --appendonly no)`,
    `Node ${m.node}${m.ruby ? `, Ruby ${m.ruby}` : ""}`,
  ].join("\n");
}
