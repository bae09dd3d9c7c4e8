/**
 * The in-process counter the Node workers (edgekiq, BullMQ) run inside their job handler, the
 * counterpart of the Sidekiq server middleware in bench/systems/sidekiq/noop.rb: it notes the
 * first start and the last end (and the process's CPU time between them), collects start-minus-enqueue latencies in latency mode, and hands
 * one report to `send` when the expected count is reached. No per-job I/O.
 */
import { monoMs } from "./clock";
import type { WorkerReport } from "./protocol";
import { percentile } from "./stats";

export class Recorder {
  #count = 0;
  #first = 0;
  #last = 0;
  #cpuAtFirst: NodeJS.CpuUsage | undefined;
  readonly #latencies: number[] = [];
  readonly #expected: number;
  readonly #latencyMode: boolean;
  readonly #send: (report: WorkerReport) => void;

  constructor(expected: number, mode: string, send: (report: WorkerReport) => void) {
    this.#expected = expected;
    this.#latencyMode = mode === "latency";
    this.#send = send;
  }

  /** Call when a job starts; `enqueuedMs` is the monotonic time the producer stamped on it. */
  start(enqueuedMs?: unknown): void {
    const now = monoMs();
    if (this.#first === 0) {
      this.#first = now;
      this.#cpuAtFirst = process.cpuUsage();
    }
    if (this.#latencyMode && typeof enqueuedMs === "number") {
      this.#latencies.push(now - enqueuedMs);
    }
  }

  /** Call when a job's handler has finished. */
  end(): void {
    this.#last = monoMs();
    if (++this.#count !== this.#expected) return;
    const seconds = (this.#last - this.#first) / 1000;
    const cpu = process.cpuUsage(this.#cpuAtFirst);
    const report: WorkerReport = {
      count: this.#count,
      firstStartMs: this.#first,
      lastEndMs: this.#last,
      rate: seconds > 0 ? this.#count / seconds : Number.POSITIVE_INFINITY,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
    if (this.#latencyMode) {
      const l = this.#latencies;
      report.latency = {
        p50: percentile(l, 50),
        p99: percentile(l, 99),
        mean: l.reduce((a, b) => a + b, 0) / l.length,
        max: Math.max(...l),
      };
    }
    this.#send(report);
  }
}
