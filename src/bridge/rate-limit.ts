/**
 * A token's request-rate limit: a token bucket of `requests` that refills over `seconds`, so a
 * burst of up to `requests` passes at once and the sustained rate is `requests / seconds`. One
 * bucket per token per bridge process (several bridge processes each allow the full rate).
 */
import type { RateLimit } from "./tokens";

export class RateLimiter {
  readonly #capacity: number;
  /** Requests regained per millisecond. */
  readonly #perMs: number;
  #tokens: number;
  #at: number;

  constructor(limit: RateLimit, now = Date.now()) {
    this.#capacity = limit.requests;
    this.#perMs = limit.requests / (limit.seconds * 1000);
    this.#tokens = limit.requests;
    this.#at = now;
  }

  /** Takes one request: 0 when it may run, else the whole seconds to wait (for Retry-After). */
  take(now = Date.now()): number {
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.#perMs / 1000));
  }
}
