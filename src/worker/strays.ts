/**
 * The stray check: jobs in our own in-progress lists that this process does not hold. A dropped
 * connection can lose the reply to a fetch that already ran (the client re-sends the command,
 * which moves other jobs); the jobs it moved sit in our list, held by nobody, and no orphan check
 * takes them, since our process is alive.
 *
 * 1. Each check reads our lists (one LRANGE per queue) and asks the ledger what it holds; a
 *    string listed more often than it is held is a suspect, counted per copy.
 * 2. A suspect still unheld at the next check is put back at the FRONT of its queue, only if it
 *    is still in the list (the script checks). A fetch reply in flight arrives well within one
 *    interval, so a job being fetched right now is never taken; a late ack that removed it
 *    meanwhile makes the requeue a no-op.
 */
import type { Report } from "./exception-handler";
import type { Ledger } from "./ledger";
import type { Logger } from "./logger";

/** Seconds between checks at most; `orphanCheckInterval` if shorter. */
export const STRAY_CHECK_SECONDS = 5;

/** Our in-progress lists, as the stray check reads and repairs them (ReliableFetch). */
export interface OwnLists {
  readonly queues: readonly string[];
  inProgress(queueIndex: number): Promise<string[]>;
  requeueStrays(queueIndex: number, jsons: readonly string[]): Promise<number>;
}

export class StrayCheck {
  /** Per queue: strings found in our list but held by nobody at the last check (string -> count). */
  #suspects: Map<string, number>[];

  constructor(
    private readonly lists: OwnLists,
    private readonly ledger: Pick<Ledger, "held">,
  ) {
    this.#suspects = lists.queues.map(() => new Map());
  }

  /** One check of every list; resolves to the number of jobs put back. */
  async run(): Promise<number> {
    let moved = 0;
    for (let i = 0; i < this.lists.queues.length; i++) {
      const listed = await this.lists.inProgress(i);
      // Asked after the list is read: a job whose reply arrived meanwhile counts as held.
      const confirmed = this.#confirm(i, listed, this.ledger.held(i));
      if (confirmed.length > 0) moved += await this.lists.requeueStrays(i, confirmed);
    }
    return moved;
  }

  /** Like `run`, logging what it put back and reporting its errors; never rejects. */
  async check(logger: Logger, report: Report): Promise<void> {
    try {
      const n = await this.run();
      if (n > 0) {
        logger.warn("Requeued jobs stranded in our in-progress list by a lost reply", { count: n });
      }
    } catch (err) {
      report(err, { context: "Error checking our in-progress lists" });
    }
  }

  /** The strings of queue `i` unheld now and at the last check; remembers the new suspects. */
  #confirm(i: number, listed: readonly string[], held: Map<string, number>): string[] {
    const strays = new Map<string, number>();
    for (const json of listed) {
      const h = held.get(json) ?? 0;
      if (h > 0) held.set(json, h - 1);
      else strays.set(json, (strays.get(json) ?? 0) + 1);
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
    return confirmed;
  }
}
