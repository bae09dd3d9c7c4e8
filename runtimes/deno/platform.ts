// The Deno platform for the worker engine: Deno's own APIs for hostname, pid, RSS and signals.
import type { Platform, SignalName } from "../../src/worker/platform";
import { Deno } from "./deno";
import { serveDeno } from "./serve";

export const denoPlatform: Platform = {
  hostname: () => Deno.env.toObject().DYNO || Deno.hostname(),
  pid: Deno.pid,
  rssKb: () => Math.round(Deno.memoryUsage().rss / 1024),
  serve: serveDeno,
  onSignal(name: SignalName, fn: () => void) {
    const signal = `SIG${name}`;
    Deno.addSignalListener(signal, fn);
    return () => Deno.removeSignalListener(signal, fn);
  },
};
