// edgekiq/otel with the real OpenTelemetry SDK (in-memory exporter), a real Redis and a real
// worker, in Node over TCP: a producer span's trace continues in the worker's consumer span (as a
// child, or linked), with the messaging attributes, the span active inside the handler, exceptions
// and retries recorded, and no job argument in any attribute.
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { beforeEach, describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { tracingClientMiddleware, tracingServerMiddleware } from "../../src/otel/index";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "../integration/worker-helpers";
import { exporter, parentSpanId, spansNamed } from "./tracer";

const t = await useTestRedis();
const tracer = trace.getTracer("test-app");
const client = new Client({ redis: t.redis, middleware: [tracingClientMiddleware()] });

beforeEach(async () => {
  exporter.reset();
  await t.flush();
});

/** Pushes inside an active "http request" span, as a web handler would; returns that span's ids. */
async function pushInRequest(
  push: () => Promise<unknown>,
): Promise<{ traceId: string; spanId: string }> {
  return tracer.startActiveSpan("http request", async (span) => {
    try {
      await push();
      return { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
    } finally {
      span.end();
    }
  });
}

describe("tracing across the queue (Node, TCP)", () => {
  it("continues the producer's trace in a consumer span active inside the handler", async () => {
    const worker = testWorker(t.redis, { middleware: [tracingServerMiddleware()] });
    const seen: { traceId?: string; spanId?: string }[] = [];
    worker.register("TracedJob", async () => {
      // The consumer span is active here: the handler's own spans nest under it.
      const active = trace.getActiveSpan()?.spanContext();
      seen.push({ traceId: active?.traceId, spanId: active?.spanId });
      await tracer.startActiveSpan("handler work", async (s) => {
        await new Promise((r) => setTimeout(r, 1));
        s.end();
      });
    });
    await worker.start();
    const producer = await pushInRequest(() =>
      client.push({ class: "TracedJob", args: ["secret@example.com", 42], queue: "default" }),
    );
    await waitFor(() => spansNamed("process default").length === 1, { what: "consumer span" });

    const [send] = spansNamed("send default");
    const [consume] = spansNamed("process default");
    const [work] = spansNamed("handler work");
    expect(send!.spanContext().traceId).toBe(producer.traceId);
    expect(parentSpanId(send!)).toBe(producer.spanId);
    expect(send!.kind).toBe(SpanKind.PRODUCER);
    expect(consume!.kind).toBe(SpanKind.CONSUMER);
    expect(consume!.spanContext().traceId).toBe(producer.traceId);
    expect(parentSpanId(consume!)).toBe(send!.spanContext().spanId);
    expect(seen).toEqual([{ traceId: producer.traceId, spanId: consume!.spanContext().spanId }]);
    expect(parentSpanId(work!)).toBe(consume!.spanContext().spanId);
    expect(consume!.status.code).toBe(SpanStatusCode.OK);
    expect(consume!.attributes).toMatchObject({
      "messaging.system": "sidekiq",
      "messaging.operation.type": "process",
      "messaging.destination.name": "default",
      "messaging.sidekiq.job_class": "TracedJob",
      "messaging.sidekiq.retry_count": 0,
    });
    expect(consume!.attributes["messaging.message.id"]).toMatch(/^[0-9a-f]{24}$/);
    expect(send!.attributes["messaging.message.id"]).toBe(
      consume!.attributes["messaging.message.id"],
    );
    // Log hygiene: the arguments are nowhere in any span.
    const everything = JSON.stringify(
      exporter.getFinishedSpans().map((s) => [s.attributes, s.events]),
    );
    expect(everything).not.toContain("secret@example.com");
  });

  it("writes traceparent and tracestate where Ruby's Sidekiq instrumentation reads them", async () => {
    const { traceId } = await pushInRequest(() => client.push({ class: "X", args: [] }));
    const job = JSON.parse((await t.redis.lindex("queue:default", 0))!);
    const [send] = spansNamed("send default");
    expect(job.traceparent).toBe(`00-${traceId}-${send!.spanContext().spanId}-01`);
    // No active span and no producer span: nothing is injected.
    const bare = new Client({
      redis: t.redis,
      middleware: [tracingClientMiddleware({ producerSpan: false })],
    });
    await bare.push({ class: "Y", args: [] });
    const plain = JSON.parse((await t.redis.lindex("queue:default", 0))!);
    expect(plain.class).toBe("Y");
    expect(plain.traceparent).toBeUndefined();
  });

  it("records the exception, and the retry joins the same trace with its count", async () => {
    const worker = testWorker(t.redis, { middleware: [tracingServerMiddleware()] });
    let runs = 0;
    worker.register("Flaky", () => {
      runs++;
      if (runs === 1) throw new TypeError("first run fails");
    });
    await worker.start();
    const { traceId } = await pushInRequest(() => client.push({ class: "Flaky", args: [1] }));
    // Retry now (as the dashboard's "retry" does) instead of waiting for the backoff.
    const [retried] = await waitFor(async () => {
      const members = await t.redis.zrange("retry", "0", "-1");
      return members.length === 1 ? members : undefined;
    });
    await t.redis.zrem("retry", retried!);
    await t.redis.lpush("queue:default", retried!);
    await waitFor(() => spansNamed("process default").length === 2, { what: "two runs" });
    const [first, second] = spansNamed("process default").sort(
      (a, b) =>
        Number(a.attributes["messaging.sidekiq.retry_count"]) -
        Number(b.attributes["messaging.sidekiq.retry_count"]),
    );
    expect(first!.status.code).toBe(SpanStatusCode.ERROR);
    const exception = first!.events.find((e) => e.name === "exception");
    expect(exception?.attributes?.["exception.type"]).toBe("TypeError");
    expect(second!.status.code).toBe(SpanStatusCode.OK);
    expect(second!.attributes["messaging.sidekiq.retry_count"]).toBe(1);
    expect(second!.events.map((e) => e.name)).toContain("retry");
    expect(first!.spanContext().traceId).toBe(traceId);
    expect(second!.spanContext().traceId).toBe(traceId);
  });

  it('links instead of parenting with parent: "link", and adds attributes only through the hook', async () => {
    const worker = testWorker(t.redis, {
      middleware: [
        tracingServerMiddleware({
          parent: "link",
          jobAttributes: (job) => ({ "app.customer": `cust-${String(job.args[0]).length}` }),
        }),
      ],
    });
    worker.register("Linked", () => undefined);
    await worker.start();
    const { traceId } = await pushInRequest(() => client.push({ class: "Linked", args: ["abcd"] }));
    await waitFor(() => spansNamed("process default").length === 1, { what: "consumer span" });
    const [consume] = spansNamed("process default");
    const [send] = spansNamed("send default");
    expect(consume!.spanContext().traceId).not.toBe(traceId);
    expect(parentSpanId(consume!)).toBeUndefined();
    expect(consume!.links.map((l) => l.context.spanId)).toEqual([send!.spanContext().spanId]);
    expect(consume!.links[0]!.context.traceId).toBe(traceId);
    expect(consume!.attributes["app.customer"]).toBe("cust-4");
  });

  it("starts a root span for a job without a trace context, and ignores a malformed one", async () => {
    const worker = testWorker(t.redis, { middleware: [tracingServerMiddleware()] });
    worker.register("Plain", () => undefined);
    await worker.start();
    const plain = new Client({ redis: t.redis });
    await plain.push({ class: "Plain", args: [], traceparent: "00-zz-not-a-trace" });
    await waitFor(() => spansNamed("process default").length === 1, { what: "consumer span" });
    const [consume] = spansNamed("process default");
    expect(parentSpanId(consume!)).toBeUndefined();
    expect(consume!.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    await waitFor(async () => (await t.redis.get("stat:processed")) === "1", { what: "job done" });
  });
});
