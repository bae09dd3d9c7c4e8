/**
 * edgekiq as the system under test: its worker (`src/worker`, reliable fetch on), its client over
 * TCP, and its client over REST through its own bridge (`src/bridge`, served by a child process
 * for the whole run). Everything is bundled from the sources, so no `npm run build` is needed; a
 * part that does not build or start is reported unavailable with the reason.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { Keys } from "../../src/core/keys";
import { bundle } from "../lib/build";
import { type Child, startChild } from "../lib/children";
import type { Availability, BenchContext, ChildSpec, SystemAdapter, Transport } from "./types";

const keys = new Keys();

export class EdgekiqSystem implements SystemAdapter {
  readonly name = "edgekiq" as const;
  readonly label = "edgekiq (src, bundled; reliable fetch, log level warn)";
  #worker = "";
  #producer = "";
  #bridge: Child | undefined;
  #restUrl = "";
  readonly #restToken = randomBytes(24).toString("hex");

  async prepare(ctx: BenchContext): Promise<Availability> {
    const [worker, producer, bridge] = await Promise.allSettled([
      bundle("systems/edgekiq-worker.ts"),
      bundle("systems/edgekiq-producer.ts"),
      bundle("systems/edgekiq-bridge.ts"),
    ]);
    const reason = (r: PromiseSettledResult<string>) =>
      r.status === "rejected" ? (r.reason as Error).message : undefined;
    if (worker.status === "fulfilled") this.#worker = worker.value;
    if (producer.status === "fulfilled") this.#producer = producer.value;
    let rest = reason(bridge) ?? reason(producer);
    if (!rest && bridge.status === "fulfilled") {
      rest = await this.#startBridge(bridge.value, ctx).catch((err) => (err as Error).message);
    }
    return { worker: reason(worker), producer: reason(producer), rest };
  }

  /** Starts the bridge server; resolves to undefined when it listens, or to why it could not. */
  async #startBridge(file: string, ctx: BenchContext): Promise<string | undefined> {
    const child = startChild("edgekiq bridge", process.execPath, [file], {
      REDIS_URL: ctx.redisUrl,
      BENCH_REST_TOKEN: this.#restToken,
    });
    this.#bridge = child;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const port = /BRIDGE_READY (\d+)/.exec(child.output())?.[1];
      if (port) {
        this.#restUrl = `http://127.0.0.1:${port}`;
        return undefined;
      }
      if (child.hasExited() || Date.now() > deadline) {
        await child.stop(1_000);
        return `the bridge server did not start: ${child.output().trim().split("\n").slice(-3).join(" ")}`;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  worker(): ChildSpec {
    return { command: process.execPath, args: [this.#worker] };
  }

  producer(_ctx: BenchContext, transport: Transport): ChildSpec {
    const env: Record<string, string> =
      transport === "rest"
        ? { BENCH_REST_URL: this.#restUrl, BENCH_REST_TOKEN: this.#restToken }
        : {};
    return { command: process.execPath, args: [this.#producer], env };
  }

  async pending(redis: Redis): Promise<number> {
    // The queue plus every reliable-fetch in-progress list (a job held there is not done). The
    // lists are found by name (Keys.inProgress() names them "<index key>:<identity>|<queue>"), so
    // the check does not depend on how the worker indexes them.
    const lists = await redis.keys(`${keys.inProgressIndex}:*`);
    const lengths = await Promise.all(
      [keys.queue("default"), ...lists].map((key) => redis.llen(key)),
    );
    return lengths.reduce((a, b) => a + b, 0);
  }

  async dispose(): Promise<void> {
    await this.#bridge?.stop(5_000);
  }
}
