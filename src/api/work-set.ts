/**
 * Jobs running right now (Sidekiq's `WorkSet`, alias `Workers`), read from every process's work
 * hash: `<id>:work` (Sidekiq 6.5+/7.x, and edgekiq) and `<id>:workers` (6.4). Field = thread id,
 * value = `{"queue","payload","run_at"}` where `payload` is the job JSON double-encoded as a string
 * (or, from old writers, an object). Data is as fresh as each process's last heartbeat.
 */
import { isEpochMs } from "../core/clock";
import { RawJsonObject } from "../core/raw-json";
import {
  type ApiContext,
  type ApiOptions,
  replyHash,
  replyNumber,
  scanSet,
  toContext,
} from "./context";
import { JobRecord } from "./job-record";

export interface Work {
  /** The process identity. */
  process: string;
  /** The execution slot (Ruby's thread id). */
  tid: string;
  queue: string;
  /** Epoch seconds the job started. */
  run_at: number;
  /** The job's JSON exactly as the process reported it. */
  payload: string;
  job: JobRecord;
}

export class WorkSet {
  readonly ctx: ApiContext;

  constructor(options: ApiOptions | ApiContext) {
    this.ctx = toContext(options);
  }

  /** Every running job, oldest start first. One pipeline for all processes. */
  async list(): Promise<Work[]> {
    return this.listFor(await scanSet(this.ctx, this.ctx.keys.processes));
  }

  /** The jobs running on these processes (a page of them), oldest start first. */
  async listFor(ids: readonly string[]): Promise<Work[]> {
    if (ids.length === 0) return [];
    const replies = await this.ctx.redis.pipeline(
      ids.flatMap((id) => [
        ["exists", this.ctx.keys.process(id)] as const,
        ["hgetall", this.ctx.keys.work(id)] as const,
        ["hgetall", this.ctx.keys.workers(id)] as const,
      ]),
    );
    const out: Work[] = [];
    for (const [i, id] of ids.entries()) {
      // A process whose heartbeat expired is gone; its work hash may linger for a few seconds.
      if (replyNumber(replies[i * 3]) === 0) continue;
      const seen = new Set<string>();
      for (const hash of [replyHash(replies[i * 3 + 1]), replyHash(replies[i * 3 + 2])]) {
        for (const [tid, json] of hash) {
          if (seen.has(tid)) continue;
          const work = parseWork(id, tid, json);
          if (work) {
            seen.add(tid);
            out.push(work);
          }
        }
      }
    }
    return out.sort((a, b) => a.run_at - b.run_at);
  }

  /** Sum of `busy` over live processes (Sidekiq's `WorkSet#size`). */
  async size(): Promise<number> {
    const ids = await scanSet(this.ctx, this.ctx.keys.processes);
    if (ids.length === 0) return 0;
    const replies = await this.ctx.redis.pipeline(
      ids.map((id) => ["hget", this.ctx.keys.process(id), "busy"] as const),
    );
    return replies.reduce<number>((n, r) => n + replyNumber(r), 0);
  }

  /** The running job with this jid, if any. */
  async findWorkByJid(jid: string): Promise<Work | undefined> {
    return (await this.list()).find((w) => w.job.jid === jid);
  }
}

function parseWork(process: string, tid: string, json: string): Work | undefined {
  try {
    const obj = RawJsonObject.parse(json);
    const raw = obj.getRaw("payload");
    if (raw === undefined) return undefined;
    // Double-encoded (a JSON string holding the job JSON) or, from old writers, the object itself.
    const payload = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    const queue = JSON.parse(obj.getRaw("queue") ?? '""') as unknown;
    const runAt = Number(obj.getRaw("run_at") ?? 0);
    return {
      process,
      tid,
      queue: typeof queue === "string" ? queue : "",
      // Seconds on the wire in every Sidekiq; accept milliseconds from a writer that got it wrong.
      run_at: !Number.isFinite(runAt) ? 0 : isEpochMs(runAt) ? runAt / 1000 : runAt,
      payload,
      job: new JobRecord(payload),
    };
  } catch {
    return undefined;
  }
}
