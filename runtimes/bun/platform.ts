// The Bun platform for the worker engine. Bun implements Node's process and os APIs natively, so
// the facts come from the same calls as on Node; Bun-specific serving lives in serve.ts.
import { hostname } from "node:os";
import type { Platform, SignalName } from "../../src/worker/platform";

export const bunPlatform: Platform = {
  hostname: () => process.env.DYNO || hostname(),
  pid: process.pid,
  rssKb: () => Math.round(process.memoryUsage.rss() / 1024),
  onSignal(name: SignalName, fn: () => void) {
    const signal = `SIG${name}` as NodeJS.Signals;
    process.on(signal, fn);
    return () => {
      process.off(signal, fn);
    };
  },
};
