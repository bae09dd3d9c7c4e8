/**
 * Workflows (BullMQ's flows) on top of batches: `flow(client, parent, children)` pushes the
 * children as one batch whose callback is the parent, so the parent runs exactly once, after
 * every child succeeded (`onChildDeath: "fail"`, the default: a child that dies fails the flow
 * and the parent never runs) or after every child succeeded or died (`"ignore"`). Children keep
 * their results (`result_ttl`), which the parent reads with `ctx.childResults()`.
 */
import type { Client, PushItem } from "../client";
import { ConfigError } from "../errors";
import { Batch, type BatchOptions, callbackPayload } from "./batch";
import { PayloadBuilder } from "./capture";

/** How long children keep their results unless they say otherwise: 7 days. */
export const FLOW_RESULT_TTL_SECONDS = 7 * 24 * 60 * 60;

export interface FlowOptions extends Omit<BatchOptions, "callbacks"> {
  /** What a child that dies does to the flow: "fail" (the parent never runs) or "ignore". */
  onChildDeath?: "fail" | "ignore";
  /** Optional callbacks of the flow's batch, e.g. `death` to hear of a failed flow. */
  callbacks?: BatchOptions["callbacks"];
}

export interface FlowHandle {
  /** The flow's batch (see `Batch.status`). */
  bid: string;
  /** The parent's jid, known now: `waitFor(client, parentJid)` if it keeps its result. */
  parentJid: string;
  childJids: string[];
}

export async function flow(
  client: Client,
  parent: PushItem,
  children: readonly PushItem[],
  options: FlowOptions = {},
): Promise<FlowHandle> {
  const policy = options.onChildDeath ?? "fail";
  if (policy !== "fail" && policy !== "ignore") {
    throw new ConfigError(`flow: onChildDeath must be "fail" or "ignore", got ${String(policy)}`);
  }
  const batch = new Batch(client, options);
  const builder = new PayloadBuilder(client);
  const built = [];
  for (const child of children) {
    const job = await builder.build({
      result_ttl: FLOW_RESULT_TTL_SECONDS,
      ...optionsOf(child),
      ...child,
      bid: batch.bid,
    });
    if (job) built.push(job);
  }
  const childJids = built.map((j) => j.jid);
  const event = policy === "fail" ? "success" : "settled";
  const cb = await callbackPayload(builder, batch.bid, event, {
    ...optionsOf(parent),
    ...parent,
    flow_children: childJids,
  });
  await batch.write(built, { [event]: cb.json });
  return { bid: batch.bid, parentJid: cb.jid, childJids };
}

function optionsOf(item: PushItem): Record<string, unknown> {
  return typeof item.class === "string" ? {} : { ...item.class.options };
}
