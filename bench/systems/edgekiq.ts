/**
 * edgekiq as the system under test: its worker (`src/worker`, reliable fetch on), its client over
 * TCP, and its client over REST through its own bridge (`src/bridge`, served by a child process
 * for the whole run). Everything is bundled from the sources, so no `npm run build` is needed; a
 * part that does not build or start is reported unavailable with the reason.
 * Given a baseline (`--baseline <ref>`), the same adapter is edgekiq at that commit, system
 * `edgekiq@<short sha>`: the commit's sources and child entries (extracted by
 * bench/lib/baseline.ts), with a bridge of its own. Only `pending()` stays today's code: it reads
 * the queue and in-progress keys, whose names are wire format.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { Keys } from "../../src/core/keys";
import { type BaselineCheckout, type BaselineRef, checkoutBaseline } from "../lib/baseline";
import { bundle } from "../lib/build";
import { type Child, startChild } from "../lib/children";
import type { Results } from "../lib/report";
import type {
  Availability,
  BenchContext,
  ChildSpec,
  SystemAdapter,
  SystemId,
  Transport,
} from "./types";

const keys = new Keys();

/** The child entries (bench/-relative); a checkout needs all three for its own glue to be used. */
const ENTRIES = {
  worker: "systems/edgekiq-worker.ts",
  producer: "systems/edgekiq-producer.ts",
  bridge: "systems/edgekiq-bridge.ts",
};

export class EdgekiqSystem implements SystemAdapter {
  readonly name: SystemId;
  label = "edgekiq (src, bundled; reliable fetch, log level warn)";
  #checkout: BaselineCheckout | undefined;
  readonly #baseline: BaselineRef | undefined;
  readonly #against: string;
  #worker = "";
  #producer = "";
  #bridge: Child | undefined;
  #restUrl = "";
  readonly #restToken = randomBytes(24).toString("hex");

  /** Today's edgekiq; or, with `baseline`, edgekiq at that commit compared `against` today's. */
  constructor(baseline?: BaselineRef, against = "") {
    this.#baseline = baseline;
    this.#against = against;
    this.name = baseline ? `edgekiq@${baseline.short}` : "edgekiq";
  }

  /** For the results file: the commit, and once checked out (prepare), how it was built. */
  describeBaseline(): Results["baseline"] {
    if (!this.#baseline) return undefined;
    const { ref, commit } = this.#baseline;
    const c = this.#checkout;
    return { system: this.name, ref, commit, glue: c?.glue, protocolChanged: c?.protocolChanged };
  }

  async prepare(ctx: BenchContext): Promise<Availability> {
    let benchDir: string | undefined;
    if (this.#baseline) {
      try {
        this.#checkout = checkoutBaseline(this.#baseline, Object.values(ENTRIES));
      } catch (err) {
        const reason = (err as Error).message;
        return { worker: reason, producer: reason, rest: reason };
      }
      benchDir = this.#checkout.benchDir;
      this.label = baselineLabel(this.#checkout, this.#against);
    }
    const tag = this.#baseline && `baseline-${this.#baseline.short}`;
    const build = (entry: string) => bundle(entry, benchDir, tag);
    const [worker, producer, bridge] = await Promise.allSettled([
      build(ENTRIES.worker),
      build(ENTRIES.producer),
      build(ENTRIES.bridge),
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
    const child = startChild(`${this.name} bridge`, process.execPath, [file], {
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
    this.#checkout?.remove();
  }
}

function baselineLabel(c: BaselineCheckout, against: string): string {
  const glue =
    c.glue === "ref"
      ? "its own bench/systems entries and bench/lib"
      : "today's bench/systems entries and bench/lib (it has none of its own)";
  const protocol = c.protocolChanged
    ? "; its bench/lib/protocol.ts differs from today's, so a figure it cannot run shows as failed"
    : "";
  const commit = c.commit.slice(0, 12);
  return `edgekiq at ${c.ref} (commit ${commit}), its src bundled with ${glue}${protocol}; the edgekiq column is the ${against}`;
}
