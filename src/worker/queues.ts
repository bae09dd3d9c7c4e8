/**
 * Queue order (Sidekiq's `fetch.rb` / 7.x `Capsule#queues=`): with no weights, strict order
 * (always drain the first non-empty queue); with weights, every fetch shuffles a list holding each
 * queue `max(weight, 1)` times and keeps first occurrences, so P(queue first) ∝ its weight.
 */
import { ConfigError } from "../core/errors";

export type QueueSpec = string | readonly [name: string, weight: number];

export interface QueueConfig {
  /** Unique names in configuration order. */
  readonly names: readonly string[];
  /** Weight per name (0 = none given), as the heartbeat's `weights`. */
  readonly weights: Readonly<Record<string, number>>;
  readonly mode: "strict" | "weighted";
  /** Queue indexes into `names`, in the order to try for one fetch. */
  order(): number[];
}

export function parseQueues(specs: readonly QueueSpec[] | undefined): QueueConfig {
  const list = specs && specs.length > 0 ? specs : ["default"];
  const names: string[] = [];
  // No prototype: `"toString" in {}` is true, which would drop a queue of that name.
  const weights: Record<string, number> = Object.create(null);
  for (const spec of list) {
    const [name, weight] = typeof spec === "string" ? [spec, 0] : [spec[0], spec[1]];
    if (typeof name !== "string" || name === "") {
      throw new ConfigError(`queues: every queue needs a non-empty name, got ${String(name)}`);
    }
    if (!Number.isInteger(weight) || weight < 0) {
      throw new ConfigError(
        `queues: the weight of "${name}" must be a non-negative integer, got ${weight}`,
      );
    }
    if (!(name in weights)) names.push(name);
    weights[name] = weight;
  }
  const weighted = names.some((n) => (weights[n] ?? 0) > 0);
  const strictOrder = names.map((_, i) => i);
  // Each index max(weight, 1) times; shuffled per fetch.
  const pool: number[] = [];
  names.forEach((n, i) => {
    for (let k = 0; k < Math.max(weights[n] ?? 0, 1); k++) pool.push(i);
  });
  return {
    names,
    weights,
    mode: weighted ? "weighted" : "strict",
    order: weighted ? () => shuffleUnique(pool) : () => strictOrder,
  };
}

/** Fisher–Yates shuffle of a copy, then first occurrences only (Ruby's `shuffle.uniq`). */
export function shuffleUnique(pool: readonly number[]): number[] {
  const a = pool.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  const seen = new Set<number>();
  const out: number[] = [];
  for (const x of a) {
    if (!seen.has(x)) {
      seen.add(x);
      out.push(x);
    }
  }
  return out;
}
