/**
 * Reliable fetch (Sidekiq Pro's super_fetch idea, open): a job moves atomically from `queue:<q>`
 * into an in-progress list owned by this process and leaves it only in the same atomic step that
 * acknowledges it, retries it, kills it or puts it back. A `kill -9` therefore loses nothing:
 * orphan recovery puts the lists of a process whose heartbeat expired back on their queues.
 *
 * 1. `fetchBatch(n)`: one Lua call acknowledges finished jobs and moves up to n new ones across the
 *    queues in the requested order.
 * 2. `block(i)`: when everything is empty, BLMOVE with a 2 s timeout (Sidekiq's TIMEOUT) on a
 *    connection of its own per queue, so an idle worker sees a new job one round trip after it
 *    is pushed. Connections: 1 shared + 1 per queue, whatever the concurrency.
 * 3. `recoverOrphans()`: one atomic script per dead owner's list (exactly once under races).
 * 4. Jobs pushed by Ruby (a plain LPUSH) are fetched like ours: nothing here depends on who pushed.
 * 5. `requeueStrays()`: a job Redis moved into our list whose reply was lost (a dropped
 *    connection; the client re-sends the command, which moves other jobs) is held by nobody.
 *    Seen unheld in two checks in a row, it goes back on its queue.
 * 6. `quarantineIfInvalid()`: a job whose bytes are not UTF-8 cannot be acknowledged by its
 *    decoded string; it goes to `dead` with its exact bytes instead of sticking in our list.
 */
import { deadTrimArgs } from "../core/dead-set";
import type { Keys } from "../core/keys";
import {
  fetchBatch,
  quarantineUtf8,
  recoverOrphans,
  requeueStrays,
} from "../redis/scripts/index.gen";
import type { BlockingRedisClient, RedisClient, RedisReply } from "../redis/types";
import { sleep } from "./ack-batcher";

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

export interface FetchedJob {
  /** Index into the configured queue names. */
  queueIndex: number;
  json: string;
}

export class ReliableFetch {
  readonly queueKeys: string[];
  readonly inProgressKeys: string[];
  /** Members of the in-progress index for this process, one per queue. */
  readonly indexMembers: string[];
  #acks: (number | string)[] = [];
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #ackFlight: Promise<void> | undefined;
  readonly #allQueues: number[];
  /** Decoded strings of jobs a quarantine moved to `dead`, not yet claimed (string -> count). */
  readonly #quarantined = new Map<string, number>();
  #quarantineChain: Promise<unknown> = Promise.resolve();
  /** Acks taken by fetch calls whose reply has not come back yet (an array, not a Set: see slots.ts). */
  readonly #acksInFlight: (number | string)[][] = [];
  /** Per queue: strings found in our list but held by nobody at the last check (string -> count). */
  #suspects: Map<string, number>[];

  constructor(
    private readonly redis: BlockingRedisClient,
    private readonly keys: Keys,
    readonly identity: string,
    readonly queues: readonly string[],
  ) {
    this.queueKeys = queues.map((q) => keys.queue(q));
    this.inProgressKeys = queues.map((q) => keys.inProgress(identity, q));
    this.indexMembers = queues.map((q) => indexMember(identity, q));
    this.#allQueues = queues.map((_, i) => i);
    this.#suspects = queues.map(() => new Map());
  }

  /** Registers this process's lists in the index, so others can find them if we die. */
  async register(): Promise<void> {
    await this.redis.call(["sadd", this.keys.inProgressIndex, ...this.indexMembers]);
  }

  /**
   * Acknowledges a finished job. Acks travel with the next fetch call (one script call per
   * cycle, not one command per job); when no fetch follows soon (idle, all slots on long jobs,
   * stopping) a timer sends them on their own.
   */
  ack(queueIndex: number, json: string): void {
    this.#acks.push(queueIndex, json);
    if (!this.#ackTimer && !this.#ackFlight) {
      this.#ackTimer = setTimeout(this.#flushAcksSoon, ACK_DELAY_MS);
    }
  }

  /** Acks not yet written. */
  get pendingAcks(): number {
    return this.#acks.length / 2;
  }

  /** Writes every pending ack; retries through Redis errors until they are written. */
  async drainAcks(): Promise<void> {
    for (;;) {
      if (this.#ackFlight) await this.#ackFlight.catch(() => undefined);
      else if (this.#acks.length > 0) await this.#flushAcks().catch(() => sleep(200));
      else return;
    }
  }

  /** Acks pending acks and moves up to `n` jobs, trying queues in `order`, in one call. */
  async fetchBatch(n: number, order: readonly number[]): Promise<FetchedJob[]> {
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
    const acks = this.#acks;
    this.#acks = [];
    const args: (string | number)[] = [n, acks.length / 2];
    for (let k = 0; k < acks.length; k += 2) args.push(slot[acks[k] as number]!, acks[k + 1]!);
    let reply: RedisReply[];
    this.#acksInFlight.push(acks);
    try {
      reply = (await this.redis.evalScript(fetchBatch, keys, args)) as RedisReply[];
    } catch (err) {
      // Not known to be written: keep them for the next call (a second LREM is harmless).
      this.#acks = acks.concat(this.#acks);
      throw err;
    } finally {
      this.#acksInFlight.splice(this.#acksInFlight.indexOf(acks), 1);
    }
    const out: FetchedJob[] = [];
    for (let k = 0; k < reply.length; k += 2) {
      out.push({ queueIndex: order[Number(reply[k]) - 1]!, json: String(reply[k + 1]) });
    }
    return out;
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

  /** Blocks up to 2 s for a job on queue `i`; null on timeout. */
  async block(i: number): Promise<FetchedJob | null> {
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
    return reply === null || reply === undefined ? null : { queueIndex: i, json: String(reply) };
  }

  /** The acknowledgement command for a finished job: remove its exact string (oldest end first). */
  ackCommand(queueIndex: number, json: string): ["lrem", string, number, string] {
    return ["lrem", this.inProgressKeys[queueIndex]!, -1, json];
  }

  /**
   * Puts an unstarted or unfinished job back at the FRONT of its queue with its exact string, in
   * the same MULTI that removes it from the in-progress list.
   */
  requeueCommands(queueIndex: number, json: string) {
    return [
      this.ackCommand(queueIndex, json),
      ["rpush", this.queueKeys[queueIndex]!, json],
    ] as const;
  }

  /** Adds the acks not yet known to be written for queue `queueIndex` to `held`. */
  addPendingAcks(queueIndex: number, held: Map<string, number>): void {
    for (const list of [this.#acks, ...this.#acksInFlight]) {
      for (let k = 0; k < list.length; k += 2) {
        if (list[k] === queueIndex) addTo(held, list[k + 1] as string);
      }
    }
  }

  /**
   * Requeues jobs stranded in our own in-progress lists (see the header, 5). `held(i)` returns
   * every string this process still holds for queue i: running, buffered, or with an ack or a
   * retry/dead write not yet known to be written. A string that is in the list, not held, and
   * was already a suspect at the previous check is put back (only if still in the list). A reply
   * in flight arrives within one interval, so a job being fetched right now is never taken.
   * Returns the number of jobs put back.
   */
  async requeueStrays(held: (queueIndex: number) => Map<string, number>): Promise<number> {
    let moved = 0;
    for (let i = 0; i < this.queues.length; i++) {
      const list = (await this.redis.call(["lrange", this.inProgressKeys[i]!, 0, -1])) as string[];
      const have = held(i);
      const strays = new Map<string, number>();
      for (const raw of list) {
        const json = String(raw);
        const h = have.get(json) ?? 0;
        if (h > 0) have.set(json, h - 1);
        else addTo(strays, json);
      }
      const previous = this.#suspects[i]!;
      const confirmed: string[] = [];
      for (const [json, count] of strays) {
        const both = Math.min(count, previous.get(json) ?? 0);
        for (let k = 0; k < both; k++) confirmed.push(json);
        if (count > both) strays.set(json, count - both);
        else strays.delete(json);
      }
      this.#suspects[i] = strays;
      if (confirmed.length === 0) continue;
      moved += Number(
        await this.redis.evalScript(
          requeueStrays,
          [this.inProgressKeys[i]!, this.queueKeys[i]!],
          confirmed,
        ),
      );
    }
    return moved;
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
    if (!json.includes(REPLACEMENT_CHAR)) return false;
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

  /**
   * Recovers the in-progress lists of every process whose process hash is gone. Returns the
   * number of jobs put back. Safe to run from any number of workers at once.
   */
  async recoverOrphans(): Promise<number> {
    return recoverOrphanLists(this.redis, this.keys);
  }
}

export function addTo(counts: Map<string, number>, key: string, n = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

/** The index member naming one in-progress list: JSON, since identities and queues hold ":". */
export function indexMember(identity: string, queue: string): string {
  return JSON.stringify([identity, queue]);
}

export async function recoverOrphanLists(
  redis: RedisClient,
  keys: Keys,
  only?: readonly string[],
): Promise<number> {
  const members = only ?? ((await redis.call(["smembers", keys.inProgressIndex])) as string[]);
  if (members.length === 0) return 0;
  const owners: { member: string; identity: string; queue: string }[] = [];
  for (const member of members) {
    try {
      const [identity, queue] = JSON.parse(member) as [string, string];
      if (typeof identity === "string" && typeof queue === "string") {
        owners.push({ member, identity, queue });
      }
    } catch {
      // Not ours to interpret; leave it.
    }
  }
  if (owners.length === 0) return 0;
  // A cheap pre-check in one round trip; the script checks again atomically.
  const alive = await redis.pipeline(owners.map((o) => ["exists", keys.process(o.identity)]));
  let moved = 0;
  for (const [i, o] of owners.entries()) {
    if (alive[i] === 1) continue;
    const n = (await redis.evalScript(
      recoverOrphans,
      [
        keys.inProgress(o.identity, o.queue),
        keys.process(o.identity),
        keys.queue(o.queue),
        keys.inProgressIndex,
      ],
      [o.member],
    )) as number;
    if (n > 0) moved += n;
  }
  return moved;
}
