/**
 * The job slots: one per unit of concurrency, each holding what it runs (queue index, exact job
 * string, start time) from the moment the processor takes the job to its final write. They feed
 * the heartbeat's work hash, the TTIN dump and the stray check.
 *
 * Fixed arrays written in place, on purpose, not Maps keyed by job: a Map whose keys change with
 * every job reallocates its table every few jobs, and each new table, referenced from the
 * long-lived Map, survives the young-generation GC and keeps the job strings it points at alive
 * into the old generation. Measured while draining 40k jobs/s: ~0.5 MB promoted per scavenge,
 * which grew the heap and the RSS. A slot's tid is fixed, like a Sidekiq processor thread's.
 */
import { addTo } from "./fetch";

export interface RunningJob {
  readonly queue: string;
  /** The exact job string. */
  readonly payload: string;
  /** Epoch seconds (integer) when it started. */
  readonly run_at: number;
}

export class Slots {
  /** Per slot: the queue index of its job, or -1 when free. */
  readonly #queue: number[] = [];
  readonly #json: string[] = [];
  readonly #runAt: number[] = [];
  readonly #free: number[] = [];
  #busy = 0;

  constructor(
    private readonly queues: readonly string[],
    size: number,
  ) {
    for (let i = 0; i < size; i++) this.#grow();
    this.#free.reverse(); // pop() hands out slot 0 first
  }

  /** Jobs in their slots now. */
  get busy(): number {
    return this.#busy;
  }

  /** Puts a job in a free slot (a new one if none is free) and returns the slot. */
  take(queueIndex: number, json: string): number {
    const slot = this.#free.pop() ?? this.#grow(true);
    this.#queue[slot] = queueIndex;
    this.#json[slot] = json;
    this.#runAt[slot] = Math.floor(Date.now() / 1000);
    this.#busy++;
    return slot;
  }

  release(slot: number): void {
    if (this.#queue[slot] === -1) return;
    this.#queue[slot] = -1;
    this.#json[slot] = "";
    this.#busy--;
    this.#free.push(slot);
  }

  /** Calls `fn` for every job in a slot, with the slot's tid. */
  each(fn: (tid: string, job: RunningJob) => void): void {
    for (let s = 0; s < this.#queue.length; s++) {
      const q = this.#queue[s]!;
      if (q === -1) continue;
      fn(s.toString(36), {
        queue: this.queues[q]!,
        payload: this.#json[s]!,
        run_at: this.#runAt[s]!,
      });
    }
  }

  /** Adds the strings of the jobs of queue `queueIndex` in a slot to `held`. */
  addHeld(queueIndex: number, held: Map<string, number>): void {
    for (let s = 0; s < this.#queue.length; s++) {
      if (this.#queue[s] === queueIndex) addTo(held, this.#json[s]!);
    }
  }

  /** Adds a slot; returns its index. */
  #grow(taken = false): number {
    const slot = this.#queue.length;
    this.#queue.push(-1);
    this.#json.push("");
    this.#runAt.push(0);
    if (!taken) this.#free.push(slot);
    return slot;
  }
}
