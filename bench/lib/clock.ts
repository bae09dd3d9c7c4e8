/**
 * The clock every benchmark process stamps with: CLOCK_MONOTONIC in milliseconds (with a fraction).
 * Node's `process.hrtime` and Ruby's `Process.clock_gettime(Process::CLOCK_MONOTONIC)` read the
 * same system-wide clock, so a time stamped by the pushing process can be subtracted from one read
 * in the worker process on the same machine. `Date.now()` would only give whole milliseconds, too
 * coarse for sub-millisecond latencies.
 */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
