/**
 * Reliable fetch (Sidekiq Pro's super_fetch idea, open): a job moves atomically from `queue:<q>`
 * into an in-progress list owned by this process and leaves it only in the same atomic step that
 * acknowledges it, retries it, kills it or puts it back. A `kill -9` therefore loses nothing:
 * orphan recovery (orphans.ts) puts the lists of a process whose heartbeat expired back on their
 * queues, and the stray check (strays.ts) those of our own a lost reply left behind.
 *
 * 1. `fetchBatch(n)`: one Lua call acknowledges finished jobs and moves up to n new ones across the
 *    queues in the requested order. Every job it brings is held in the ledger as its reply
 *    arrives; the acks it carried are released once that reply says they are written.
 * 2. `block(i)`: when everything is empty, BLMOVE with a 2 s timeout (Sidekiq's TIMEOUT) on a
 *    connection of its own per queue, so an idle worker sees a new job one round trip after it
 *    is pushed. Connections: 1 shared + 1 per queue, whatever the concurrency.
 * 3. Jobs pushed by Ruby (a plain LPUSH) are fetched like ours: nothing here depends on who pushed.
 * 4. `quarantineIfInvalid()`: a job whose bytes are not UTF-8 cannot be acknowledged by its
 *    decoded string; it goes to `dead` with its exact bytes instead of sticking in our list.
 */
import { monoMs } from "../core/clock";
import { deadTrimArgs } from "../core/dead-set";
import type { Keys } from "../core/keys";
import { fetchBatch, fetchCapped, quarantineUtf8, requeueStrays } from "../redis/scripts/index.gen";
import type { BlockingRedisClient, RedisCommand, RedisReply } from "../redis/types";
import { sleep } from "./ack-batcher";
import type { Ledger } from "./ledger";
import { indexMember } from "./orphans";

/**
 * How long an ack waits for a fetch call to carry it before it is sent on its own. Under load the
 * next batch fetch comes sooner; at a steady trickle (an idle worker woken by each job) the fetch
 * that follows the next job's BLMOVE carries it, which saves a round trip per job at more than
 * 1000 / ACK_DELAY_MS jobs a second.
 */
const ACK_DELAY_MS = 5;

/** Sidekiq's BRPOP timeout: short enough to notice a shutdown. */
export const BLOCK_TIMEOUT_SECONDS = 2;

/** What the decoder puts where a payload's bytes are not UTF-8. */
const REPLACEMENT_CHAR = "\uFFFD";
/** Quarantined strings waiting for their processor; a bound, in case one never comes. */
const MAX_UNCLAIMED = 1000;

/** The Redis calls reliable fetch makes. */
export type FetchRedis = Pick<BlockingRedisClient, "call" | "evalScript" | "blocking">;

export class ReliableFetch {
  readonly queueKeys: string[];
  readonly inProgressKeys: string[];
  /** Members of the in-progress index for this process, one per queue. */
  readonly indexMembers: string[];
  /** Ledger entries of finished jobs whose ack waits for the next fetch call. */
  #acks: number[] = [];
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #ackFlight: Promise<void> | undefined;
  readonly #allQueues: number[];
  /** Decoded strings of jobs a quarantine moved to `dead`, not yet claimed (string -> count). */
  readonly #quarantined = new Map<string, number>();
  #quarantineChain: Promise<unknown> = Promise.resolve();
  /** Told each fetch call's round trip in seconds when metrics are on (job-observer.ts). */
  onRoundTrip: ((seconds: number) => void) | undefined;

  constructor(
    private readonly redis: FetchRedis,
    private readonly keys: Keys,
    private readonly ledger: Pick<Ledger, "hold" | "release" | "queueOf" | "jsonOf">,
    readonly identity: string,
    readonly queues: readonly string[],
  ) {
    this.queueKeys = queues.map((q) => keys.queue(q));
    this.inProgressKeys = queues.map((q) => keys.inProgress(identity, q));
    this.indexMembers = queues.map((q) => indexMember(identity, q));
    this.#allQueues = queues.map((_, i) => i);
  }

  /** Registers this process's lists in the index, so others can find them if we die. */
  async register(): Promise<void> {
    await this.redis.call(["sadd", this.keys.inProgressIndex, ...this.indexMembers]);
  }

  /**
   * Acknowledges the finished job held as `entry`. Acks travel with the next fetch call (one
   * script call per cycle, not one command per job); when no fetch follows soon (idle, all slots
   * on long jobs, stopping) a timer sends them on their own.
   */
  ack(entry: number): void {
    this.#acks.push(entry);
    if (!this.#ackTimer && !this.#ackFlight) {
      this.#ackTimer = setTimeout(this.#flushAcksSoon, ACK_DELAY_MS);
    }
  }

  /** Writes every pending ack; retries through Redis errors until they are written. */
  async drainAcks(): Promise<void> {
    for (;;) {
      if (this.#ackFlight) await this.#ackFlight.catch(() => undefined);
      else if (this.#acks.length > 0) await this.#flushAcks().catch(() => sleep(200));
      else return;
    }
  }

  /**
   * Acks pending acks and moves up to `n` jobs, trying queues in `order`, in one call. Returns
   * the ledger entries of the jobs it brought.
   */
  async fetchBatch(
    n: number,
    order: readonly number[],
    caps?: ReadonlyMap<number, number>,
  ): Promise<number[]> {
    const keys: string[] = [];
    const slot: number[] = []; // queue index -> KEYS index (1-based) of its in-progress list
    for (const i of order) {
      keys.push(this.queueKeys[i]!, this.inProgressKeys[i]!);
      slot[i] = keys.length;
    }
    // Queues missing from `order` (none today) still need a slot for their acks.
    for (let i = 0; i < this.queues.length; i++) {
      if (slot[i] === undefined) {
        keys.push(this.queueKeys[i]!, this.inProgressKeys[i]!);
        slot[i] = keys.length;
      }
    }
    const { ledger } = this;
    const acks = this.#acks;
    this.#acks = [];
    const args: (string | number)[] = [n, acks.length];
    for (const entry of acks) args.push(slot[ledger.queueOf(entry)]!, ledger.jsonOf(entry));
    // Paused or capped queues: the script that fetches from the ordered queues only and counts
    // capped ones across the fleet (fetch-capped.lua). Without either, the plain script.
    let script = fetchBatch;
    const capped = caps && n > 0 ? order.filter((i) => caps.has(i)) : [];
    if (capped.length > 0 || order.length < this.queues.length) {
      script = fetchCapped;
      const prefix = this.keys.inProgress("", "").slice(0, -1);
      args.push(capped.length, 2 * order.length, this.keys.inProgressIndex, prefix);
      for (const i of capped) {
        args.push(slot[i]! - 1, caps!.get(i)!, `,${JSON.stringify(this.queues[i])}]`);
      }
    }
    let reply: RedisReply[];
    const onRoundTrip = this.onRoundTrip;
    const t0 = onRoundTrip ? monoMs() : 0;
    try {
      reply = (await this.redis.evalScript(script, keys, args)) as RedisReply[];
      if (onRoundTrip) onRoundTrip((monoMs() - t0) / 1000);
    } catch (err) {
      // Not known to be written: keep them for the next call (a second LREM is harmless).
      this.#acks = acks.concat(this.#acks);
      throw err;
    }
    for (const entry of acks) ledger.release(entry);
    const held: number[] = [];
    for (let k = 0; k < reply.length; k += 2) {
      held.push(ledger.hold(order[Number(reply[k]) - 1]!, String(reply[k + 1])));
    }
    return held;
  }

  readonly #flushAcksSoon = (): void => {
    this.#ackTimer = undefined;
    if (this.#acks.length === 0 || this.#ackFlight) return;
    this.#flushAcks().catch(() => {
      this.#ackTimer ??= setTimeout(this.#flushAcksSoon, 500);
    });
  };

  #flushAcks(): Promise<void> {
    const flight = this.fetchBatch(0, this.#allQueues).then(() => undefined);
    this.#ackFlight = flight;
    const done = () => {
      if (this.#ackFlight === flight) this.#ackFlight = undefined;
      if (this.#acks.length > 0 && !this.#ackTimer) {
        this.#ackTimer = setTimeout(this.#flushAcksSoon, 0);
      }
    };
    flight.then(done, done);
    return flight;
  }

  /** Blocks up to 2 s for a job on queue `i`; its ledger entry, or -1 on timeout. */
  async block(i: number): Promise<number> {
    const reply = await this.redis.blocking(
      [
        "blmove",
        this.queueKeys[i]!,
        this.inProgressKeys[i]!,
        "RIGHT",
        "LEFT",
        BLOCK_TIMEOUT_SECONDS,
      ],
      `fetch:${this.queues[i]}`,
    );
    return reply === null || reply === undefined ? -1 : this.ledger.hold(i, String(reply));
  }

  /** The acknowledgement command for the job held as `entry`: remove its exact string. */
  ackCommand(entry: number): ["lrem", string, number, string] {
    // From the tail (-1): the oldest jobs sit there, and they usually finish first.
    return [
      "lrem",
      this.inProgressKeys[this.ledger.queueOf(entry)]!,
      -1,
      this.ledger.jsonOf(entry),
    ];
  }

  /**
   * Puts an unstarted or unfinished job back at the FRONT of its queue with its exact string, in
   * the same MULTI that removes it from the in-progress list.
   */
  requeueCommands(entry: number): readonly RedisCommand[] {
    const queueKey = this.queueKeys[this.ledger.queueOf(entry)]!;
    return [this.ackCommand(entry), ["rpush", queueKey, this.ledger.jsonOf(entry)]];
  }

  /** Every string in our in-progress list for queue `i` (the stray check's view of Redis). */
  async inProgress(i: number): Promise<string[]> {
    const list = (await this.redis.call(["lrange", this.inProgressKeys[i]!, 0, -1])) as string[];
    return list.map(String);
  }

  /** Puts strays of queue `i` back at the front of their queue, each only if still in our list. */
  async requeueStrays(i: number, jsons: readonly string[]): Promise<number> {
    const keys = [this.inProgressKeys[i]!, this.queueKeys[i]!];
    return Number(await this.redis.evalScript(requeueStrays, keys, jsons));
  }

  /**
   * True when `json` (fetched from queue `queueIndex`) was not valid UTF-8 and is now in `dead`
   * with its exact bytes: the caller must not run it. Only strings holding U+FFFD can be invalid
   * (the decoder put it there), so every other job costs one string scan and no Redis call.
   *
   * The script moves every invalid element of the list, so a call made for one job may move
   * another job's bytes; calls run one at a time and each moved string is remembered until the
   * processor of that job claims it, so a moved job never runs.
   */
  async quarantineIfInvalid(queueIndex: number, json: string): Promise<boolean> {
    if (!mayBeInvalidUtf8(json)) return false;
    const run = this.#quarantineChain.then(() => this.#quarantine(queueIndex));
    this.#quarantineChain = run.catch(() => undefined);
    await run;
    const n = this.#quarantined.get(json) ?? 0;
    if (n === 0) return false; // a real U+FFFD: valid UTF-8, run it
    if (n === 1) this.#quarantined.delete(json);
    else this.#quarantined.set(json, n - 1);
    return true;
  }

  async #quarantine(queueIndex: number): Promise<void> {
    const moved = (await this.redis.evalScript(
      quarantineUtf8,
      [this.inProgressKeys[queueIndex]!, this.keys.dead],
      deadTrimArgs(Date.now()),
    )) as string[];
    for (const job of moved) {
      const s = String(job);
      this.#quarantined.set(s, (this.#quarantined.get(s) ?? 0) + 1);
    }
    while (this.#quarantined.size > MAX_UNCLAIMED) {
      this.#quarantined.delete(this.#quarantined.keys().next().value!);
    }
  }
}

/** True when `json` may stand for bytes that are not UTF-8 (see quarantineIfInvalid). */
export function mayBeInvalidUtf8(json: string): boolean {
  return json.includes(REPLACEMENT_CHAR);
}
