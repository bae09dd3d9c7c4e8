/**
 * The ledger of in-flight jobs: the one record of which job strings this process holds. A job is
 * held from the moment its fetch reply arrives until its final write (ack, retry, dead, requeue)
 * is known to be written, whoever holds it meanwhile (the manager's buffer, a processor, a write
 * batch). The stray check trusts it alone: a job in our in-progress list that the ledger does not
 * hold was moved there by a reply this process never saw.
 *
 * 1. `hold` (fetch reply) -> `start` (a processor runs it: a tid and run_at) -> `finish` (its
 *    write is queued; the tid is free) -> `release` (written). `release` works from any state:
 *    a job with nothing left to write, or one a hard stop handed back, is dropped at once.
 * 2. Running jobs feed the heartbeat's work hash, `busy` and the TTIN dump; a tid is fixed per
 *    processor slot, like a Sidekiq processor thread's.
 *
 * Fixed arrays written in place, on purpose, not Maps keyed by job: a Map whose keys change with
 * every job reallocates its table every few jobs, and each new table, referenced from the
 * long-lived Map, survives the young-generation GC and keeps the job strings it points at alive
 * into the old generation. Measured while draining 40k jobs/s: ~0.5 MB promoted per scavenge,
 * which grew the heap and the RSS. Entries and tids are reused through free lists; the arrays
 * grow only when more jobs are held at once than ever before.
 */

export interface RunningJob {
  readonly queue: string;
  /** The exact job string. */
  readonly payload: string;
  /** Epoch seconds (integer) when it started. */
  readonly run_at: number;
}

export class Ledger {
  // Per entry: the queue index of its job (-1 when free), the exact string, its tid (-1 when
  // not running).
  readonly #queue: number[] = [];
  readonly #json: string[] = [];
  readonly #tidOf: number[] = [];
  readonly #freeEntries: number[] = [];
  // Per tid (processor slot): the entry it runs (-1 when free) and when it started.
  readonly #entryOf: number[] = [];
  readonly #runAt: number[] = [];
  readonly #freeTids: number[] = [];
  #busy = 0;

  constructor(
    private readonly queues: readonly string[],
    concurrency: number,
  ) {
    for (let i = 0; i < concurrency; i++) {
      this.#freeEntries.push(this.#growEntries());
      this.#freeTids.push(this.#growTids());
    }
    // pop() hands out entry and tid 0 first.
    this.#freeEntries.reverse();
    this.#freeTids.reverse();
  }

  /** Jobs a processor runs now. */
  get busy(): number {
    return this.#busy;
  }

  /** A fetch reply brought `json` from queue `queueIndex`: holds it; returns its entry. */
  hold(queueIndex: number, json: string): number {
    const entry = this.#freeEntries.pop() ?? this.#growEntries();
    this.#queue[entry] = queueIndex;
    this.#json[entry] = json;
    return entry;
  }

  queueOf(entry: number): number {
    return this.#queue[entry]!;
  }

  jsonOf(entry: number): string {
    return this.#json[entry]!;
  }

  /** A processor starts the job: it gets a tid (a new one if none is free) and a run_at. */
  start(entry: number): void {
    const tid = this.#freeTids.pop() ?? this.#growTids();
    this.#entryOf[tid] = entry;
    this.#runAt[tid] = Math.floor(Date.now() / 1000);
    this.#tidOf[entry] = tid;
    this.#busy++;
  }

  /** The job's run is over and its write is queued: it stays held, no longer running. */
  finish(entry: number): void {
    const tid = this.#tidOf[entry]!;
    if (tid === -1) return;
    this.#tidOf[entry] = -1;
    this.#entryOf[tid] = -1;
    this.#busy--;
    this.#freeTids.push(tid);
  }

  /** The job's final write is written (or none is due): the process no longer holds it. */
  release(entry: number): void {
    if (this.#queue[entry] === -1) return;
    this.finish(entry);
    this.#queue[entry] = -1;
    this.#json[entry] = "";
    this.#freeEntries.push(entry);
  }

  /** Calls `fn` for every running job, with its tid, in tid order. */
  each(fn: (tid: string, job: RunningJob) => void): void {
    for (let tid = 0; tid < this.#entryOf.length; tid++) {
      const entry = this.#entryOf[tid]!;
      if (entry === -1) continue;
      fn(tid.toString(36), {
        queue: this.queues[this.#queue[entry]!]!,
        payload: this.#json[entry]!,
        run_at: this.#runAt[tid]!,
      });
    }
  }

  /** Every string held for queue `queueIndex`, with how many times it is held. */
  held(queueIndex: number): Map<string, number> {
    const counts = new Map<string, number>();
    for (let entry = 0; entry < this.#queue.length; entry++) {
      if (this.#queue[entry] !== queueIndex) continue;
      const json = this.#json[entry]!;
      counts.set(json, (counts.get(json) ?? 0) + 1);
    }
    return counts;
  }

  #growEntries(): number {
    this.#queue.push(-1);
    this.#json.push("");
    this.#tidOf.push(-1);
    return this.#queue.length - 1;
  }

  #growTids(): number {
    this.#entryOf.push(-1);
    this.#runAt.push(0);
    return this.#entryOf.length - 1;
  }
}

/** The jid of a job string, for log lines, without parsing it. */
export function jidOf(payload: string): string | undefined {
  return /"jid":"([^"]*)"/.exec(payload)?.[1];
}
