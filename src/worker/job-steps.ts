/**
 * What a job with a batch id or a stored result needs beside the plain path: its finish step
 * (step-batcher.ts), and the context helpers `ctx.progress(value)` and `ctx.childResults()`.
 */
import type { JobPayload } from "../core/job";
import type { Keys } from "../core/keys";
import { type JobResult, readResults } from "../core/results";
import type { RedisClient, RedisCommand } from "../redis/types";
import { JobResultError } from "./errors";
import type { EventLog } from "./job-events";
import type { FinishStep, StepOutcome } from "./step-batcher";

/** How long a job's last progress report is kept (a day: long past any running job's end). */
export const PROGRESS_TTL_SECONDS = 24 * 60 * 60;

export function progressKey(keys: Keys, jid: string): string {
  return `${keys.prefix}edgekiq:progress:${jid}`;
}

export class JobSteps {
  constructor(
    private readonly redis: Pick<RedisClient, "call">,
    private readonly keys: Keys,
    private readonly events?: Pick<EventLog, "add">,
  ) {}

  /** Records `value` (any JSON value, e.g. a percentage) as the job's progress. */
  async progress(payload: JobPayload, queue: string, value: unknown): Promise<void> {
    const json = JSON.stringify(value ?? null);
    const { jid } = payload;
    await this.redis.call(["set", progressKey(this.keys, jid), json, "ex", PROGRESS_TTL_SECONDS]);
    this.events?.add("progress", { jid, class: payload.class, queue, value: json });
  }

  /** The stored results of a flow's children (payload `flow_children`), in the flow's order. */
  childResults(payload: JobPayload): Promise<(JobResult | null)[]> {
    const jids = Array.isArray(payload.flow_children) ? payload.flow_children.map(String) : [];
    return readResults(this.redis, this.keys, jids);
  }
}

/** The stored-result JSON of a successful run, or "" when the job does not keep its result. */
export function resultOf(payload: JobPayload, value: unknown): string {
  if (!(resultTtlOf(payload) > 0)) return "";
  try {
    return JSON.stringify({ ok: true, value: value ?? null });
  } catch (err) {
    throw new JobResultError(
      `Job "${payload.class}" returned a value JSON cannot hold: ${(err as Error).message}`,
    );
  }
}

function resultTtlOf(payload: JobPayload): number {
  const ttl = payload.result_ttl;
  return typeof ttl === "number" && ttl > 0 ? Math.ceil(ttl) : 0;
}

/** The finish step of a job held in the in-progress list named by its `ack` (LREM key -1 json). */
export function stepOf(
  ack: readonly [string, string, number, string],
  payload: JobPayload,
  outcome: StepOutcome,
  value: string,
  commands: readonly RedisCommand[],
): FinishStep {
  return {
    inProgressKey: ack[1],
    json: ack[3],
    jid: payload.jid,
    bid: typeof payload.bid === "string" ? payload.bid : "",
    outcome,
    resultTtl: resultTtlOf(payload),
    value,
    commands,
  };
}
