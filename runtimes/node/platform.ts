// The Node platform for the worker engine: hostname (Heroku's DYNO first, as Sidekiq), pid, RSS
// in KB and OS signals. The engine itself never touches `process`; runtimes hand it this object.
import { hostname } from "node:os";
import type { Platform, SignalName } from "../../src/worker/platform";
import { serveNode } from "./serve";

export const nodePlatform: Platform = {
  hostname: () => process.env.DYNO || hostname(),
  pid: process.pid,
  rssKb: () => Math.round(process.memoryUsage.rss() / 1024),
  cpuSeconds() {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  },
  serve: serveNode,
  onSignal(name: SignalName, fn: () => void) {
    const signal = `SIG${name}` as NodeJS.Signals;
    process.on(signal, fn);
    return () => {
      process.off(signal, fn);
    };
  },
};
