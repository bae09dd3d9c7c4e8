/**
 * The span attributes edgekiq sets, after OpenTelemetry's messaging semantic conventions, plus
 * the Sidekiq-specific names Ruby's instrumentation uses. Job arguments never appear unless the
 * user's `jobAttributes` hook puts (redacted) values there.
 */
import type { Attributes } from "@opentelemetry/api";
import type { JobPayload } from "../core/job";

export const TRACER_NAME = "edgekiq";

/** Extra attributes from a job, e.g. `(job) => ({ "app.user_id": redact(job.args[0]) })`. */
export type JobAttributes = (job: Readonly<JobPayload>) => Attributes;

export function messagingAttributes(
  job: Readonly<JobPayload>,
  queue: string,
  operation: "send" | "process",
  extra: JobAttributes | undefined,
): Attributes {
  const klass = typeof job.wrapped === "string" ? job.wrapped : job.class;
  const attrs: Attributes = {
    "messaging.system": "sidekiq",
    "messaging.operation.type": operation,
    "messaging.operation.name": operation,
    "messaging.destination.name": queue,
    "messaging.sidekiq.job_class": String(klass),
  };
  if (typeof job.jid === "string") attrs["messaging.message.id"] = job.jid;
  return extra ? { ...attrs, ...extra(job) } : attrs;
}
