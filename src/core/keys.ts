/**
 * Every Redis key edgekiq reads or writes, and nowhere else (BullMQ's QueueKeys lesson; Sidekiq
 * spreads key literals over 13 files). Names follow Sidekiq exactly (wire spec §1.1). An optional
 * namespace reproduces Sidekiq 6's redis-namespace prefix `"<ns>:"` on every key.
 */

export class Keys {
  readonly prefix: string;

  constructor(namespace?: string) {
    this.prefix = namespace ? `${namespace}:` : "";
  }

  // --- Sidekiq's own keys -------------------------------------------------------------------
  get queues(): string {
    return `${this.prefix}queues`;
  }
  queue(name: string): string {
    return `${this.prefix}queue:${name}`;
  }
  get schedule(): string {
    return `${this.prefix}schedule`;
  }
  get retry(): string {
    return `${this.prefix}retry`;
  }
  get dead(): string {
    return `${this.prefix}dead`;
  }
  get processes(): string {
    return `${this.prefix}processes`;
  }
  /** The process hash: Sidekiq names it by the bare identity. */
  process(identity: string): string {
    return `${this.prefix}${identity}`;
  }
  /** Running jobs, 7.x name (`<id>:work`). */
  work(identity: string): string {
    return `${this.prefix}${identity}:work`;
  }
  /** Running jobs, 6.4 name (`<id>:workers`). */
  workers(identity: string): string {
    return `${this.prefix}${identity}:workers`;
  }
  signals(identity: string): string {
    return `${this.prefix}${identity}-signals`;
  }
  stat(name: "processed" | "failed", date?: string): string {
    return date ? `${this.prefix}stat:${name}:${date}` : `${this.prefix}stat:${name}`;
  }
  get processCleanup(): string {
    return `${this.prefix}process_cleanup`;
  }
  // --- edgekiq's own keys (outside Sidekiq's key space, so Ruby peers never touch them) -------
  /** Reliable fetch: the jobs one process took from one queue and has not finished. */
  inProgress(identity: string, queue: string): string {
    return `${this.prefix}edgekiq:inprogress:${identity}|${queue}`;
  }
  /** The set of every in-progress list, so orphan recovery needs no KEYS/SCAN. */
  get inProgressIndex(): string {
    return `${this.prefix}edgekiq:inprogress`;
  }
  /** Idempotent REST pushes: a short-lived marker per jid. */
  pushed(jid: string): string {
    return `${this.prefix}edgekiq:pushed:${jid}`;
  }
}

/** Sidekiq's constants that go with the keys. */
export const STATS_TTL_SECONDS = 5 * 365 * 24 * 60 * 60;
export const PROCESS_TTL_SECONDS = 60;
/**
 * Sidekiq 7 job metrics of one UTC minute: `j|YYYYMMDD|H:M` (hour and minute unpadded). A function,
 * not a `Keys` method, so the edge bundle (which has the client's `Keys`) leaves it out.
 */
export function metricsKey(keys: Keys, ms: number): string {
  const d = new Date(ms);
  return `${keys.prefix}j|${d.toISOString().slice(0, 10).replaceAll("-", "")}|${d.getUTCHours()}:${d.getUTCMinutes()}`;
}

/** Sidekiq 7 execution-time histogram of one class and UTC minute: `<Class>-DD-HH:M`. */
export function histogramKey(keys: Keys, className: string, ms: number): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, "0");
  const hour = String(d.getUTCHours()).padStart(2, "0");
  return `${keys.prefix}${className}-${day}-${hour}:${d.getUTCMinutes()}`;
}

/** Sidekiq 7 keeps job metrics and histograms for 8 hours. */
export const METRICS_TTL_SECONDS = 8 * 60 * 60;
/**
 * Sidekiq 7's histogram buckets: a run of `ms` milliseconds counts in the first bucket whose
 * bound is above it (26 buckets of u16 in a BITFIELD, wire spec §1.5).
 */
export const HISTOGRAM_BOUNDS_MS = [
  20, 30, 45, 65, 100, 150, 225, 335, 500, 750, 1100, 1700, 2500, 3800, 5750, 8500, 13000, 20000,
  30000, 45000, 65000, 100000, 150000, 225000, 335000, 1e20,
] as const;

/** UTC `YYYY-MM-DD`, the suffix of the dated stat keys. */
export function statDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
