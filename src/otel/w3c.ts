/**
 * W3C Trace Context in a job payload: `traceparent` and `tracestate` as top-level payload fields,
 * where Ruby's opentelemetry-instrumentation-sidekiq puts them, so traces cross between Ruby and
 * TypeScript producers and workers in both directions.
 *
 * Written here (a dozen lines) rather than through the global propagator, because the global one
 * is a no-op until an SDK registers one, and an edge function often has only an exporter.
 */
import {
  type Context,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  type SpanContext,
  TraceFlags,
  trace,
} from "@opentelemetry/api";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The `traceparent`/`tracestate` fields for `ctx`'s span, or nothing when no valid span. */
export function traceFields(ctx: Context): { traceparent?: string; tracestate?: string } {
  const sc = trace.getSpanContext(ctx);
  if (!sc || !isSpanContextValid(sc)) return {};
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, "0");
  const out: { traceparent: string; tracestate?: string } = {
    traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}`,
  };
  const state = sc.traceState?.serialize();
  if (state) out.tracestate = state;
  return out;
}

/** The remote span context a payload carries, or undefined (absent, malformed or all-zero). */
export function remoteSpanContext(payload: Record<string, unknown>): SpanContext | undefined {
  const tp = payload.traceparent;
  if (typeof tp !== "string") return undefined;
  const m = TRACEPARENT.exec(tp.trim().toLowerCase());
  if (!m) return undefined;
  const sc: SpanContext = {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: Number.parseInt(m[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (typeof payload.tracestate === "string" && payload.tracestate) {
    sc.traceState = createTraceState(payload.tracestate);
  }
  return isSpanContextValid(sc) ? sc : undefined;
}

/** A context whose parent is `sc` (for child spans). */
export function contextOf(sc: SpanContext): Context {
  return trace.setSpanContext(ROOT_CONTEXT, sc);
}
