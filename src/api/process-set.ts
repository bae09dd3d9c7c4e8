/**
 * Running processes (Sidekiq's `ProcessSet` and `Process`), Ruby and TypeScript alike.
 *
 * 1. Listing: SSCAN `processes`, then one pipeline of `HMGET <id> info busy beat quiet rss rtt_us`;
 *    members whose hash expired (no `info`) are skipped. `scan()` lists one window of them.
 * 2. Cleanup of dead entries: SREM the members without `info`, at most once a minute per cluster
 *    (Sidekiq 7's `SET process_cleanup 1 NX EX 60`) unless forced.
 * 3. Remote control: `quiet` / `stop` / `dumpThreads` = `LPUSH <id>-signals TSTP|TERM|TTIN` +
 *    `EXPIRE 60` in MULTI, picked up at the process's next heartbeat (wire spec §7.4).
 */
import { UnsupportedError } from "../core/errors";
import { PROCESS_TTL_SECONDS } from "../core/keys";
import {
  type ApiContext,
  type ApiOptions,
  replyArray,
  replyNumber,
  replyString,
  scanSet,
  scanSetWindow,
  toContext,
} from "./context";

const FIELDS = ["info", "busy", "beat", "quiet", "rss", "rtt_us"] as const;

/** One process's heartbeat: the `info` JSON plus the live fields. */
export interface ProcessInfo {
  identity: string;
  hostname: string;
  pid: number | string;
  tag: string;
  labels: string[];
  queues: string[];
  /** 7.x: one `{queue: weight}` object per capsule. */
  weights: Record<string, number>[];
  concurrency: number;
  /** Epoch seconds. */
  started_at: number;
  version?: string;
  embedded: boolean;
  busy: number;
  /** Epoch seconds of the last heartbeat. */
  beat: number;
  quiet: boolean;
  /** KB. */
  rss: number;
  rtt_us: number;
  /** Every field of `info`, as written (including ones we do not know). */
  info: Record<string, unknown>;
}

export class Process {
  constructor(
    readonly data: ProcessInfo,
    readonly ctx: ApiContext,
  ) {}

  get identity(): string {
    return this.data.identity;
  }
  /** Quiet was requested and acknowledged (the process stopped fetching). */
  get stopping(): boolean {
    return this.data.quiet;
  }
  get embedded(): boolean {
    return this.data.embedded;
  }

  /** Stop fetching new jobs (TSTP). */
  quiet(): Promise<void> {
    return this.#signal("TSTP");
  }
  /** Shut down (TERM). */
  stop(): Promise<void> {
    return this.#signal("TERM");
  }
  /** Log every thread's backtrace (TTIN). */
  dumpThreads(): Promise<void> {
    return this.#signal("TTIN");
  }

  async #signal(name: "TSTP" | "TERM" | "TTIN"): Promise<void> {
    // Sidekiq 7 refuses too: an embedded process belongs to its host (e.g. Puma).
    if (this.embedded && name !== "TTIN") {
      throw new UnsupportedError(
        `Cannot ${name === "TSTP" ? "quiet" : "stop"} an embedded process`,
      );
    }
    await signalProcess(this.ctx, this.identity, name);
  }
}

/** Sends a signal name through `<identity>-signals` (also for an identity not yet listed). */
export async function signalProcess(
  ctx: ApiContext,
  identity: string,
  signal: string,
): Promise<void> {
  const key = ctx.keys.signals(identity);
  await ctx.redis.multi([
    ["lpush", key, signal],
    ["expire", key, PROCESS_TTL_SECONDS],
  ]);
}

export class ProcessSet {
  readonly ctx: ApiContext;

  constructor(options: ApiOptions | ApiContext) {
    this.ctx = toContext(options);
  }

  /** Live processes, sorted by identity. Runs the throttled cleanup first unless `clean: false`. */
  async list(options: { clean?: boolean } = {}): Promise<Process[]> {
    if (options.clean !== false) await this.cleanup();
    return this.#load(await scanSet(this.ctx, this.ctx.keys.processes));
  }

  /**
   * One window of live processes (SSCAN from `cursor`, about `count` of them, sorted by identity
   * within the window), the throttled cleanup first as in `list()`; `total` counts every member.
   */
  async scan(
    options: { cursor?: string; count?: number; clean?: boolean } = {},
  ): Promise<{ processes: Process[]; next: string | undefined; total: number }> {
    if (options.clean !== false) await this.cleanup();
    const [window, total] = await Promise.all([
      scanSetWindow(this.ctx, this.ctx.keys.processes, {
        cursor: options.cursor,
        count: options.count ?? 50,
      }),
      this.size(),
    ]);
    return { processes: await this.#load(window.members), next: window.next, total };
  }

  /** The live ones among these identities, in order. */
  async #load(ids: readonly string[]): Promise<Process[]> {
    if (ids.length === 0) return [];
    const replies = await this.ctx.redis.pipeline(
      ids.map((id) => ["hmget", this.ctx.keys.process(id), ...FIELDS] as const),
    );
    const out: Process[] = [];
    for (const [i, id] of ids.entries()) {
      const data = toProcessInfo(id, replyArray(replies[i]).map(replyString));
      if (data) out.push(new Process(data, this.ctx));
    }
    return out;
  }

  async size(): Promise<number> {
    return replyNumber(await this.ctx.redis.call(["scard", this.ctx.keys.processes]));
  }

  /** The process with this identity, if it is alive. */
  async get(identity: string): Promise<Process | undefined> {
    const reply = await this.ctx.redis.call(["hmget", this.ctx.keys.process(identity), ...FIELDS]);
    const data = toProcessInfo(identity, replyArray(reply).map(replyString));
    return data ? new Process(data, this.ctx) : undefined;
  }

  /**
   * Removes members whose heartbeat hash expired. Throttled to once a minute across the cluster
   * (as Sidekiq 7) unless `force`. Resolves to how many were removed.
   */
  async cleanup(options: { force?: boolean } = {}): Promise<number> {
    if (!options.force) {
      const ok = await this.ctx.redis.call([
        "set",
        this.ctx.keys.processCleanup,
        "1",
        "NX",
        "EX",
        PROCESS_TTL_SECONDS,
      ]);
      if (ok === null) return 0;
    }
    const ids = await scanSet(this.ctx, this.ctx.keys.processes);
    if (ids.length === 0) return 0;
    const infos = await this.ctx.redis.pipeline(
      ids.map((id) => ["hget", this.ctx.keys.process(id), "info"] as const),
    );
    const dead = ids.filter((_, i) => infos[i] === null || infos[i] === undefined);
    if (dead.length === 0) return 0;
    return replyNumber(await this.ctx.redis.call(["srem", this.ctx.keys.processes, ...dead]));
  }

  /** Sum of `concurrency` over live processes. */
  async totalConcurrency(): Promise<number> {
    return (await this.list({ clean: false })).reduce((n, p) => n + p.data.concurrency, 0);
  }

  /** Sum of `rss` (KB) over live processes. */
  async totalRssKb(): Promise<number> {
    return (await this.list({ clean: false })).reduce((n, p) => n + p.data.rss, 0);
  }
}

function toProcessInfo(identity: string, values: (string | null)[]): ProcessInfo | undefined {
  const [infoText, busy, beat, quiet, rss, rtt] = values;
  if (!infoText) return undefined;
  let info: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(infoText);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      info = parsed as Record<string, unknown>;
    }
  } catch {
    // A corrupt info field still shows the process (by identity) rather than hiding it.
  }
  const num = (v: unknown) => (typeof v === "number" ? v : Number(v) || 0);
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return {
    identity, // the set member: the key its hash and signals live under
    hostname: typeof info.hostname === "string" ? info.hostname : "",
    pid: typeof info.pid === "number" || typeof info.pid === "string" ? info.pid : "",
    tag: typeof info.tag === "string" ? info.tag : "",
    labels: strings(info.labels),
    queues: strings(info.queues),
    weights: Array.isArray(info.weights) ? (info.weights as Record<string, number>[]) : [],
    concurrency: num(info.concurrency),
    started_at: num(info.started_at),
    version: typeof info.version === "string" ? info.version : undefined,
    embedded: info.embedded === true,
    busy: num(busy),
    beat: num(beat),
    quiet: quiet === "true",
    rss: num(rss),
    rtt_us: num(rtt),
    info,
  };
}
