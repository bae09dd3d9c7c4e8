/**
 * Batches for the API and the dashboard (Sidekiq Pro's `Sidekiq::BatchSet`): every live batch,
 * newest first, from the index `edgekiq:batches` (bid scored by its expiry time, so expired
 * batches drop out), each with its status (core/batch/status.ts).
 */
import { batchIndexKey } from "../core/batch/keys";
import { type BatchStatus, batchStatus } from "../core/batch/status";
import { type ApiContext, type ApiOptions, replyStrings, toContext } from "./context";
import { type Page, pageWindow } from "./queue";

export type { BatchFailure, BatchStatus } from "../core/batch/status";

export class BatchSet {
  readonly #ctx: ApiContext;

  constructor(options: ApiOptions | ApiContext) {
    this.#ctx = toContext(options);
  }

  /** Live batches (not expired). */
  async size(): Promise<number> {
    const { redis, keys } = this.#ctx;
    const now = Math.floor(Date.now() / 1000);
    return Number(await redis.call(["zcount", batchIndexKey(keys), `(${now}`, "+inf"]));
  }

  /** One page of batches, the latest to expire (the newest, at equal lifetimes) first. */
  async page(page = 1, count = 25): Promise<Page<BatchStatus>> {
    const { redis, keys } = this.#ctx;
    const total = await this.size();
    const w = pageWindow(page, count);
    const now = Math.floor(Date.now() / 1000);
    const bids = replyStrings(
      await redis.call([
        "zrange",
        batchIndexKey(keys),
        "+inf",
        `(${now}`,
        "byscore",
        "rev",
        "limit",
        w.start,
        count,
      ]),
    );
    const found = await Promise.all(bids.map((bid) => batchStatus(redis, keys, bid)));
    return { page: w.page, total, items: found.filter((s): s is BatchStatus => s !== null) };
  }

  /** One batch's status, or null when it does not exist (never created, or expired). */
  find(bid: string): Promise<BatchStatus | null> {
    return batchStatus(this.#ctx.redis, this.#ctx.keys, bid);
  }
}
