/**
 * The pushing loop every Node producer child shares, so each system is driven the same way:
 * 1. "bulk": BENCH_JOBS jobs in batches of BENCH_BATCH, each batch one awaited call;
 * 2. "one": BENCH_JOBS sequential awaited single pushes;
 * 3. "latency": BENCH_JOBS single pushes paced at BENCH_RATE per second (absolute slots, so a
 *    slow push does not shift the rest), each carrying its monotonic enqueue time. With
 *    BENCH_WARMUP=N, N warm-up jobs go first, one at a time as fast as they are accepted; then
 *    the producer tells the harness (WARMED_LINE) and waits for its go (GO_SIGNAL), so the measured
 *    jobs meet a worker that has run N jobs and gone idle again, and a producer that has pushed
 *    N jobs: both processes past the JIT compiler's warm-up.
 * The clock runs from the first push to the last reply; the report is printed as one
 * `BENCH_RESULT {json}` line.
 */
import { monoMs } from "./clock";
import { GO_SIGNAL, type ProducerMode, type ProducerReport, WARMED_LINE } from "./protocol";

export interface PushFunctions {
  /** Connects and warms up before the clock starts (a PING, waitUntilReady...). */
  ready(): Promise<void>;
  /** Pushes jobs whose arguments are the given indexes (one call for the whole batch). */
  bulk(indexes: number[]): Promise<void>;
  /** Pushes one job with the given index. */
  one(index: number): Promise<void>;
  /** Pushes one job carrying `enqueuedMs`, the monotonic time just before the push. */
  stamped(enqueuedMs: number): Promise<void>;
  /** Pushes one warm-up job (marked with WARMUP_ARG, so workers do not count it). */
  warm(): Promise<void>;
  close(): Promise<void>;
}

export async function runProducer(push: PushFunctions): Promise<void> {
  const mode = process.env.BENCH_MODE as ProducerMode;
  const jobs = Number(process.env.BENCH_JOBS);
  const batch = Number(process.env.BENCH_BATCH ?? 1000);
  const rate = Number(process.env.BENCH_RATE ?? 500);
  const warmup = Number(process.env.BENCH_WARMUP ?? 0);
  await push.ready();
  if (mode === "latency" && warmup > 0) {
    for (let i = 0; i < warmup; i++) await push.warm();
    await waitForGo();
  }
  const t0 = monoMs();
  if (mode === "bulk") {
    for (let start = 0; start < jobs; start += batch) {
      const indexes: number[] = [];
      for (let i = start; i < Math.min(jobs, start + batch); i++) indexes.push(i);
      await push.bulk(indexes);
    }
  } else if (mode === "one") {
    for (let i = 0; i < jobs; i++) await push.one(i);
  } else if (mode === "latency") {
    const gapMs = 1000 / rate;
    for (let i = 0; i < jobs; i++) {
      const wait = t0 + i * gapMs - monoMs();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await push.stamped(monoMs());
    }
  } else {
    throw new Error(`unknown BENCH_MODE "${mode}"`);
  }
  const seconds = (monoMs() - t0) / 1000;
  await push.close();
  const report: ProducerReport = { jobs, seconds, rate: jobs / seconds };
  console.log(`BENCH_RESULT ${JSON.stringify(report)}`);
}

/** Prints WARMED_LINE, then resolves on the harness's GO_SIGNAL (rejects after 5 minutes). */
function waitForGo(): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("no go from the harness after the warm-up")),
      300_000,
    );
    process.once(GO_SIGNAL, () => {
      clearTimeout(timer);
      resolve();
    });
    process.stdout.write(`${WARMED_LINE}\n`);
  });
}
