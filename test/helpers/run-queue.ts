// Runs what is waiting in one queue on our real worker and reports each job's class args and jid:
// the last step of every "enqueued somewhere, ran on edgekiq" test.
import type { Redis } from "ioredis";
import { silentLogger } from "../../src/worker/logger";
import { Worker } from "../../src/worker/worker";

/** Starts a worker on `queue` with a handler for `className`, waits for `count` runs, stops it. */
export async function runQueueOnWorker(
  redis: Redis,
  queue: string,
  className: string,
  count = 1,
  timeoutMs = 10_000,
): Promise<{ args: unknown[]; jid: string }[]> {
  const ran: { args: unknown[]; jid: string }[] = [];
  const worker = new Worker({
    redis,
    queues: [queue],
    logger: silentLogger,
    handleSignals: false,
    heartbeatInterval: 0.5,
    pollIntervalAverage: 0.2,
  });
  worker.register(className, async (args: unknown[], ctx) => {
    ran.push({ args, jid: ctx.jid });
  });
  await worker.start();
  try {
    const deadline = Date.now() + timeoutMs;
    while (ran.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  } finally {
    await worker.stop();
  }
  return ran;
}
