/**
 * BullMQ (npm `bullmq` with ioredis) as a benchmark peer: its own Worker and Queue in child
 * processes, bundled like every Node child. Jobs are added with `removeOnComplete: true`.
 */
import { createRequire } from "node:module";
import type { Redis } from "ioredis";
import { bundle } from "../lib/build";
import type { Availability, BenchContext, ChildSpec, SystemAdapter } from "./types";

const require = createRequire(import.meta.url);

export class BullmqSystem implements SystemAdapter {
  readonly name = "bullmq" as const;
  label = "BullMQ";
  #worker = "";
  #producer = "";

  async prepare(_ctx: BenchContext): Promise<Availability> {
    try {
      const version = (require("bullmq/package.json") as { version: string }).version;
      const ioredis = (require("ioredis/package.json") as { version: string }).version;
      this.label = `BullMQ ${version} (ioredis ${ioredis}, removeOnComplete: true, no logging)`;
    } catch (err) {
      const reason = `bullmq is not installed: ${(err as Error).message.split("\n")[0]}`;
      return { worker: reason, producer: reason };
    }
    const [worker, producer] = await Promise.allSettled([
      bundle("systems/bullmq-worker.ts"),
      bundle("systems/bullmq-producer.ts"),
    ]);
    if (worker.status === "fulfilled") this.#worker = worker.value;
    if (producer.status === "fulfilled") this.#producer = producer.value;
    return {
      worker: worker.status === "rejected" ? (worker.reason as Error).message : undefined,
      producer: producer.status === "rejected" ? (producer.reason as Error).message : undefined,
      rest: "BullMQ has no REST transport",
    };
  }

  worker(): ChildSpec {
    return { command: process.execPath, args: [this.#worker] };
  }

  producer(): ChildSpec {
    return { command: process.execPath, args: [this.#producer] };
  }

  async pending(redis: Redis): Promise<number> {
    // Every BullMQ state a job can wait or run in (default prefix "bull", queue "default").
    const [wait, active, paused, prioritized, delayed] = await Promise.all([
      redis.llen("bull:default:wait"),
      redis.llen("bull:default:active"),
      redis.llen("bull:default:paused"),
      redis.zcard("bull:default:prioritized"),
      redis.zcard("bull:default:delayed"),
    ]);
    return wait + active + paused + prioritized + delayed;
  }

  async dispose(): Promise<void> {}
}
