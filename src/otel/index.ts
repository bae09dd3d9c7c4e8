/**
 * @module edgekiq/otel — OpenTelemetry tracing across the queue: a client middleware that
 * injects the W3C trace context into each job (from an edge function too), and a worker
 * middleware that continues it in a consumer span. Built on `@opentelemetry/api` (an optional
 * peer: install it, and an SDK of your choice, to use this entry); nothing else loads it.
 */
export type { JobAttributes } from "./attributes";
export { type TracingClientOptions, tracingClientMiddleware } from "./client-middleware";
export { type TracingServerOptions, tracingServerMiddleware } from "./server-middleware";
export { remoteSpanContext, traceFields } from "./w3c";
