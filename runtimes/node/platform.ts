// The Node platform for the worker engine: hostname (Heroku's DYNO first, as Sidekiq), pid, RSS
// in KB and OS signals. The engine itself never touches `process`; runtimes hand it this object.
import { hostname } from "node:os";
import type { Platform, SignalName } from "../../src/worker/platform";

export const nodePlatform: Platform = {
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
