/**
 * What the harness needs from each system under test. The harness owns the method (flushing,
 * timing, sampling, checking); a system only says how to start its worker and its producer as
 * child processes, and how many of its jobs are still waiting in Redis.
 */
import type { Redis } from "ioredis";
import type { SystemName } from "../lib/args";

export type Transport = "tcp" | "rest";

/** A column of the results: a system of `--systems`, or edgekiq at a `--baseline` commit. */
export type SystemId = SystemName | `edgekiq@${string}`;

/** edgekiq today or at a baseline: the systems with a REST transport (their own bridge). */
export function isEdgekiq(id: SystemId): boolean {
  return id === "edgekiq" || id.startsWith("edgekiq@");
}

/** A child process to start: the harness adds the protocol environment (bench/lib/protocol.ts). */
export interface ChildSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface BenchContext {
  /** The dedicated Redis, database 0, e.g. redis://127.0.0.1:6401/0 */
  redisUrl: string;
}

/** Why a part of a system cannot run (undefined: it can). */
export interface Availability {
  worker?: string;
  producer?: string;
  rest?: string;
}

export interface SystemAdapter {
  readonly name: SystemId;
  /** Name, version and the settings that matter for the figures (logging, fetch mode...). */
  readonly label: string;
  /** Builds scripts and checks dependencies; says which parts are unavailable and why. */
  prepare(ctx: BenchContext): Promise<Availability>;
  /** The worker at `concurrency` (also passed as BENCH_CONCURRENCY in its environment). */
  worker(ctx: BenchContext, concurrency: number): ChildSpec;
  /** The producer for a transport (REST is edgekiq's bridge; peers have none). */
  producer(ctx: BenchContext, transport: Transport): ChildSpec;
  /** Jobs of this system still in Redis: waiting, running or held in progress. */
  pending(redis: Redis): Promise<number>;
  /** Stops anything `prepare` started (the bridge server). */
  dispose(): Promise<void>;
}
