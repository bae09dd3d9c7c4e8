/**
 * Runtime facts the engine needs and cannot get from Web APIs alone: hostname, pid, memory and
 * OS signals (Sidekiq's `MEMORY_GRABBER` and `cli.rb` traps). Each runtime entry (runtimes/node,
 * bun, deno) implements this in one small file; when none is given the engine detects its runtime
 * (runtime-platform.ts), and uses `webPlatform` where there is no process at all.
 */

/** The signals Sidekiq gives meaning to: TERM/INT stop, TSTP quiets, TTIN dumps running jobs. */
export type SignalName = "TERM" | "INT" | "TSTP" | "TTIN";

export interface Platform {
  /** Host name for the process identity and the Web UI (Sidekiq: `ENV["DYNO"] || gethostname`). */
  hostname(): string;
  readonly pid: number;
  /** Resident set size in KB, as the `rss` heartbeat field; 0 if unknown. */
  rssKb(): number;
  /** Calls `fn` when the process receives `name`; returns a function that unsubscribes. */
  onSignal(name: SignalName, fn: () => void): () => void;
  /** User plus system CPU seconds of the process, for `process_cpu_seconds_total`; optional. */
  cpuSeconds?(): number;
  /**
   * Serves a fetch handler over HTTP (the worker's `/metrics` endpoint); optional, so the engine
   * runs without one where nothing may listen. The runtime entries provide it.
   */
  serve?(
    handler: (request: Request) => Promise<Response>,
    options: {
      hostname: string;
      port: number;
    },
  ): Promise<{ url: string; close(): Promise<void> }>;
}

/** Web-API-only fallback: no signals, no RSS, a hostname from `location` if there is one. */
export const webPlatform: Platform = {
  hostname() {
    const loc = (globalThis as { location?: { hostname?: string } }).location;
    return loc?.hostname || "localhost";
  },
  pid: 0,
  rssKb() {
    const mem = (performance as unknown as { memory?: { usedJSHeapSize?: number } }).memory;
    return mem?.usedJSHeapSize ? Math.round(mem.usedJSHeapSize / 1024) : 0;
  },
  onSignal() {
    return () => undefined;
  },
};
