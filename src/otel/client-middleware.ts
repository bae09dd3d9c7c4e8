/**
 * `tracingClientMiddleware()`: a client middleware that starts a producer span for each push
 * (`send <queue>`, messaging attributes) and writes its W3C `traceparent`/`tracestate` into the
 * job payload, so the worker's consumer span continues the producer's trace. Runs wherever the
 * client runs (an edge function included): it needs only `@opentelemetry/api`.
 */
import {
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { ClientMiddleware } from "../core/client";
import { type JobAttributes, messagingAttributes, TRACER_NAME } from "./attributes";
import { traceFields } from "./w3c";

export interface TracingClientOptions {
  /** Default: `trace.getTracer("edgekiq")` from the registered provider. */
  tracer?: Tracer;
  /**
   * Start a producer span for each push (default true). False: inject the active span's context
   * as it is (nothing is injected when there is none).
   */
  producerSpan?: boolean;
  /** Extra span attributes; the only way job contents reach a span (redact here). */
  jobAttributes?: JobAttributes;
}

export function tracingClientMiddleware(options: TracingClientOptions = {}): ClientMiddleware {
  const producer = options.producerSpan ?? true;
  return async (job, ctx, next) => {
    if (!producer) {
      Object.assign(job, traceFields(context.active()));
      await next();
      return;
    }
    const tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
    const span: Span = tracer.startSpan(`send ${ctx.queue}`, {
      kind: SpanKind.PRODUCER,
      attributes: messagingAttributes(job, ctx.queue, "send", options.jobAttributes),
    });
    Object.assign(job, traceFields(trace.setSpan(context.active(), span)));
    try {
      await context.with(trace.setSpan(context.active(), span), next);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
      throw err;
    } finally {
      span.end();
    }
  };
}
