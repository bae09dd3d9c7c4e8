/**
 * The worker's events, typed, with no Node EventEmitter (the engine runs on the edge too).
 * `on` returns an unsubscribe function. A listener that throws never breaks the worker, and never
 * passes unseen: `listenerFailed` gets it (the worker logs it once). It is not re-emitted as an
 * `error` event, so a throwing `error` listener cannot loop.
 */
import { coerceError } from "../core/errors";
import type { ErrorContext } from "./types";

export interface WorkerEventMap {
  started: undefined;
  /** A local or remote (Redis `<identity>-signals`) signal; TERM/INT lead to a stop. */
  signal: { name: string; remote: boolean };
  quiet: undefined;
  stopping: undefined;
  stopped: undefined;
  /** TTIN: the running jobs. */
  dump: { tid: string; queue: string; payload: string; run_at: number }[];
  error: { error: Error; context: ErrorContext };
}

type Listener<T> = (event: T) => void;

export class WorkerEvents {
  readonly #listeners = new Map<keyof WorkerEventMap, Set<Listener<any>>>();

  on<K extends keyof WorkerEventMap>(name: K, fn: Listener<WorkerEventMap[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  protected emit<K extends keyof WorkerEventMap>(name: K, event: WorkerEventMap[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const fn of set) {
      try {
        fn(event);
      } catch (err) {
        this.listenerFailed(name, coerceError(err));
      }
    }
  }

  /** Called with what a listener of `name` threw. */
  protected listenerFailed(_name: keyof WorkerEventMap, _error: Error): void {}
}
