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
export const DEAD_MAX_JOBS = 10_000;
export const DEAD_TIMEOUT_SECONDS = 180 * 24 * 60 * 60;

/** UTC `YYYY-MM-DD`, the suffix of the dated stat keys. */
export function statDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
