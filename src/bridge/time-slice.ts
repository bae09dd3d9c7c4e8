/**
 * Cooperative time slicing for work the bridge does on the event loop (parsing a large body,
 * queuing a large transaction): callers check in often, and once a slice has run past its
 * budget, `pause()` yields a macrotask so other requests (and their I/O) get a turn. Work that
 * fits in one slice, such as a push, never waits.
 */

/** Milliseconds one slice may hold the event loop. */
export const SLICE_BUDGET_MS = 4;

export class TimeSlice {
  #started = performance.now();

  /** Yields to the event loop when this slice has used up its budget. */
  async pause(): Promise<void> {
    if (performance.now() - this.#started < SLICE_BUDGET_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.#started = performance.now();
  }
}
