/**
 * The platform an embedded worker gets when it is given none: the facts of the runtime it runs on
 * (Deno, else a Node-like `process` as on Node and Bun, else the Web-only fallback), so that
 * `new Worker({ redis, queues, concurrency })` shows its real hostname, pid and RSS in the Web UI
 * and stops gracefully on SIGTERM exactly as the CLI's worker does (#14 item 2).
 *
 * src/ imports no Node module (the engine also runs where there is none), so the runtime is found
 * through globals: `Deno`, and `process` with `process.getBuiltinModule` for `os.hostname()`.
 * Each fact degrades on its own: a Deno without the `sys` permission still gets a pid and signals.
 */
import { type Platform, type SignalName, webPlatform } from "./platform";

/** The slice of the Deno namespace used here. */
interface DenoGlobal {
  pid: number;
  hostname(): string;
  env: { get(name: string): string | undefined };
  memoryUsage(): { rss: number };
  addSignalListener(signal: string, fn: () => void): void;
  removeSignalListener(signal: string, fn: () => void): void;
}

/** The slice of Node's `process` used here; Bun implements the same. */
interface ProcessGlobal {
  pid: number;
  env: Record<string, string | undefined>;
  memoryUsage: { rss(): number };
  on(signal: string, fn: () => void): unknown;
  off(signal: string, fn: () => void): unknown;
  /** Node 20.16+, 22.3+ and Bun: a built-in module without a static import. */
  getBuiltinModule?(id: string): unknown;
}

/** The platform of the runtime this code runs on; `webPlatform` where there is no process. */
export function detectPlatform(): Platform {
  const g = globalThis as { Deno?: DenoGlobal; process?: ProcessGlobal };
  // Deno 2 also has a `process` global; its own namespace is checked first, as the CLI uses it.
  if (typeof g.Deno?.addSignalListener === "function") return denoPlatform(g.Deno);
  const proc = g.process;
  if (typeof proc?.pid === "number" && typeof proc.on === "function") return processPlatform(proc);
  return webPlatform;
}

function processPlatform(proc: ProcessGlobal): Platform {
  // A partial `process` (an edge runtime's Node compatibility) may lack any of these.
  const os = attempt(
    () => proc.getBuiltinModule?.("node:os") as { hostname?(): string } | undefined,
    undefined,
  );
  const env = proc.env ?? {};
  return {
    // Sidekiq: `ENV["DYNO"] || Socket.gethostname`.
    hostname: () =>
      env.DYNO || attempt(() => os?.hostname?.(), undefined) || env.HOSTNAME || "localhost",
    pid: proc.pid,
    rssKb: () => attempt(() => Math.round(proc.memoryUsage.rss() / 1024), 0),
    onSignal(name: SignalName, fn: () => void) {
      const signal = `SIG${name}`;
      try {
        proc.on(signal, fn);
      } catch {
        // A signal this OS does not have (TSTP and TTIN on Windows): nothing to listen to.
        return () => undefined;
      }
      return () => {
        proc.off(signal, fn);
      };
    },
  };
}

function denoPlatform(deno: DenoGlobal): Platform {
  // Without --allow-sys / --allow-env these throw; the identity falls back rather than the worker.
  return {
    hostname: () =>
      attempt(() => deno.env.get("DYNO"), undefined) || attempt(() => deno.hostname(), "localhost"),
    pid: deno.pid,
    rssKb: () => attempt(() => Math.round(deno.memoryUsage().rss / 1024), 0),
    onSignal(name: SignalName, fn: () => void) {
      const signal = `SIG${name}`;
      try {
        deno.addSignalListener(signal, fn);
      } catch {
        return () => undefined;
      }
      return () => deno.removeSignalListener(signal, fn);
    },
  };
}

/** `fn()`, or `fallback` when it throws or gives nothing: a missing fact never stops a worker. */
function attempt<T>(fn: () => T | undefined, fallback: T): T {
  try {
    return fn() ?? fallback;
  } catch {
    return fallback;
  }
}
