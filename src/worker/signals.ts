/**
 * What a signal does (Sidekiq's `cli.rb` signal handlers), whether the OS sent it through the
 * platform or the Web UI pushed it onto `<identity>-signals` (read by the heartbeat):
 * TSTP quiets, TERM and INT stop, TTIN logs and emits the running jobs. Every signal is logged
 * and emitted as a `signal` event first; an unknown remote one does nothing more.
 */
import type { Report } from "./exception-handler";
import { jidOf } from "./ledger";
import type { Logger } from "./logger";
import type { Platform, SignalName } from "./platform";
import type { WorkerEventMap } from "./worker-events";

const HANDLED: readonly SignalName[] = ["TERM", "INT", "TSTP", "TTIN"];

/** The worker as a signal sees it. */
export interface SignalTarget {
  readonly logger: Logger;
  quiet(): Promise<void>;
  stop(): Promise<void>;
  runningJobs(): WorkerEventMap["dump"];
  emit<K extends "signal" | "dump">(name: K, event: WorkerEventMap[K]): void;
  report: Report;
}

/** Subscribes `fn` to every signal Sidekiq gives meaning to; returns the unsubscribe. */
export function listenForSignals(platform: Platform, fn: (name: SignalName) => void): () => void {
  const off = HANDLED.map((name) => platform.onSignal(name, () => fn(name)));
  return () => {
    for (const u of off) u();
  };
}

export function handleSignal(target: SignalTarget, name: string, remote: boolean): void {
  target.logger.info(`Got ${name} signal`, { remote });
  target.emit("signal", { name, remote });
  const report = (err: unknown) => target.report(err, { context: `Error handling ${name}` });
  if (name === "TSTP") target.quiet().catch(report);
  else if (name === "TERM" || name === "INT") target.stop().catch(report);
  else if (name === "TTIN") {
    const jobs = target.runningJobs();
    for (const j of jobs) {
      target.logger.warn("Running job", {
        tid: j.tid,
        queue: j.queue,
        jid: jidOf(j.payload),
        run_at: j.run_at,
      });
    }
    target.emit("dump", jobs);
  }
}
