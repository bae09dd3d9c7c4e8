/**
 * `tracingServerMiddleware()`: a worker middleware that runs each job inside a consumer span
 * (`process <queue>`), a child of the producer's span whose `traceparent` the payload carries
 * (or, with `parent: "link"`, a new trace linked to it, for those who keep one trace per job
 * run). The span is active while the handler runs, so the handler's own spans nest under it; an
 * exception is recorded and sets the status; a retry is visible as `messaging.sidekiq.retry_count`
 * and joins the same trace (the payload keeps its `traceparent` across retries).
 */
import {
  context,
  type Link,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { ServerMiddleware } from "../worker/types";
import { type JobAttributes, messagingAttributes, TRACER_NAME } from "./attributes";
import { contextOf, remoteSpanContext } from "./w3c";

export interface TracingServerOptions {
  tracer?: Tracer;
  /** How the job span relates to the producer's: its child (default) or linked to it. */
  parent?: "child" | "link";
  /** Extra span attributes; the only way job contents reach a span (redact here). */
  jobAttributes?: JobAttributes;
}

export function tracingServerMiddleware(options: TracingServerOptions = {}): ServerMiddleware {
  const mode = options.parent ?? "child";
  return async (job, ctx, next) => {
    const tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
    const remote = remoteSpanContext(job as Record<string, unknown>);
    const attributes = messagingAttributes(job, ctx.queue, "process", options.jobAttributes);
    attributes["messaging.sidekiq.retry_count"] = ctx.retryCount;
    let parent = ROOT_CONTEXT;
    let links: Link[] | undefined;
    if (remote && mode === "child") parent = contextOf(remote);
    else if (remote) links = [{ context: remote }];
    const span = tracer.startSpan(
      `process ${ctx.queue}`,
      { kind: SpanKind.CONSUMER, attributes, links, root: parent === ROOT_CONTEXT },
      parent,
    );
    if (ctx.retryCount > 0)
      span.addEvent("retry", { "messaging.sidekiq.retry_count": ctx.retryCount });
    try {
      await context.with(trace.setSpan(parent, span), next);
      span.setStatus({ code: SpanStatusCode.OK });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      // The exception's class and message, as for any span; the message is the handler's own.
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.name });
      throw err;
    } finally {
      span.end();
    }
  };
}
