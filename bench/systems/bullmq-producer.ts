/**
 * BullMQ's producer for the benchmark: `Queue.addBulk` for bulk, `Queue.add` one at a time, every
 * job with `removeOnComplete: true` (the setting the peer figures were measured with).
 */
import { Queue } from "bullmq";
import { runProducer } from "../lib/producer";
import { WARMUP_ARG } from "../lib/protocol";
import { connectionOptions } from "./bullmq-connection";

const queue = new Queue("default", { connection: connectionOptions(process.env.REDIS_URL!) });
const opts = { removeOnComplete: true };

await runProducer({
  ready: () => queue.waitUntilReady().then(() => undefined),
  bulk: async (indexes) => {
    await queue.addBulk(indexes.map((i) => ({ name: "noop", data: { i }, opts })));
  },
  one: async (i) => {
    await queue.add("noop", { i }, opts);
  },
  stamped: async (t) => {
    await queue.add("noop", { t }, opts);
  },
  warm: async () => {
    await queue.add("noop", { warmup: WARMUP_ARG }, opts);
  },
  close: () => queue.close(),
});
