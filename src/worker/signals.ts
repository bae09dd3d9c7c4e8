/**
 * What a signal does (Sidekiq's `cli.rb` signal handlers), whether the OS sent it through the
 * platform or the Web UI pushed it onto `<identity>-signals` (read by the heartbeat):
 * TSTP quiets, TERM and INT stop, TTIN logs and emits the running jobs. Every signal is logged
 * and emitted as a `signal` event first; an unknown remote one does nothing more.
 * The TTIN dump logs each running job once, by class, jid and queue; its arguments only with
 * `logArgs` (they may hold secrets).
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
  /** Put the jobs' arguments in the TTIN dump's lines. */
  readonly logArgs: boolean;
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
    target.logger.warn(`TTIN: ${jobs.length} job(s) running`);
    for (const j of jobs) {
      const { klass, args } = classAndArgs(j.payload);
      target.logger.warn("Running job", {
        class: klass,
        jid: jidOf(j.payload),
        queue: j.queue,
        tid: j.tid,
        run_at: j.run_at,
        args: target.logArgs ? args : undefined,
      });
    }
    target.emit("dump", jobs);
  }
}

/** A running job's class and arguments, for the dump; a payload that does not parse has neither. */
function classAndArgs(payload: string): { klass?: string; args?: unknown } {
  try {
    const job = JSON.parse(payload) as { class?: unknown; args?: unknown };
    return { klass: typeof job.class === "string" ? job.class : undefined, args: job.args };
  } catch {
    return {};
  }
}
