/**
 * The worker's timers (the loops Sidekiq runs as threads: heartbeat, poller, orphan and stray
 * checks), in one place so a stop can cancel every one of them at once.
 *
 * 1. `after(seconds, fn)`: once; what `fn` throws or rejects is reported, never lost.
 * 2. `every(seconds, fn)`: the next run is armed when `fn` has settled (runs never overlap), and
 *    only while the worker is active (running or quiet).
 */
export class Timers {
  readonly #pending = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly active: () => boolean,
    private readonly onError: (error: unknown) => void,
  ) {}

  after(seconds: number, fn: () => unknown): void {
    const t = setTimeout(() => {
      this.#pending.delete(t);
      Promise.resolve().then(fn).catch(this.onError);
    }, seconds * 1000);
    this.#pending.add(t);
  }

  every(seconds: number, fn: () => unknown): void {
    this.after(seconds, async () => {
      await fn();
      if (this.active()) this.every(seconds, fn);
    });
  }

  /** Cancels every armed timer; runs already started finish. */
  clear(): void {
    for (const t of this.#pending) clearTimeout(t);
    this.#pending.clear();
  }
}
