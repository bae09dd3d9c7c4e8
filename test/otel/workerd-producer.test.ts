// A producer in real workerd (miniflare) pushes through the bridge with an enqueue-only token,
// its own OpenTelemetry SDK and in-memory exporter inside the Worker; our Node worker then runs
// the job, and its consumer span carries the edge producer span's trace id, as its child.
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { tracingServerMiddleware } from "../../src/otel/index";
import { ENQUEUE_TOKEN, nodeBuiltinImports, startEdgeBridge } from "../bridge/edge-harness";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "../integration/worker-helpers";
import { parentSpanId, spansNamed } from "./tracer";

const WORKER_SCRIPT = `
import { Redis } from "@upstash/redis/cloudflare";
import { Client } from "edgekiq";
import { tracingClientMiddleware } from "edgekiq/otel";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("edge-app");

export default {
  async fetch(request, env) {
    exporter.reset();
    const redis = new Redis({
      url: env.UPSTASH_REDIS_REST_URL,
      token: env.UPSTASH_REDIS_REST_TOKEN,
      automaticDeserialization: false,
      enableTelemetry: false,
    });
    const client = new Client({ redis, middleware: [tracingClientMiddleware({ tracer })] });
    const jid = await client.push({ class: "EdgeTraced", args: ["from-the-edge"] });
    const spans = exporter.getFinishedSpans().map((s) => ({
      name: s.name,
      kind: s.kind,
      traceId: s.spanContext().traceId,
      spanId: s.spanContext().spanId,
      attributes: s.attributes,
    }));
    return Response.json({ jid, spans });
  },
};
`;

const t = await useTestRedis();
const edge = await startEdgeBridge(t.redis);
// As wrangler bundles: the browser field too, which is how the OpenTelemetry SDK picks its
// non-Node platform files (the edge harness bundles only by export conditions).
const built = await build({
  stdin: { contents: WORKER_SCRIPT, resolveDir: process.cwd(), loader: "ts" },
  bundle: true,
  write: false,
  format: "esm",
  platform: "browser",
  conditions: ["workerd", "worker", "browser"],
  metafile: true,
  target: "es2022",
  tsconfig: "tsconfig.json",
  logLevel: "silent",
});
const bundle = { code: built.outputFiles[0]!.text, metafile: built.metafile };
const mf = new Miniflare({
  modules: true,
  script: bundle.code,
  compatibilityDate: "2026-01-01",
  bindings: { UPSTASH_REDIS_REST_URL: edge.served.url, UPSTASH_REDIS_REST_TOKEN: ENQUEUE_TOKEN },
});
afterAll(async () => {
  await mf.dispose();
  await edge.close();
});

describe("a trace from a producer in workerd", () => {
  it("bundles the tracing middleware and the SDK with no Node built-ins", () => {
    expect(nodeBuiltinImports(bundle.metafile)).toEqual([]);
  });

  it("continues in the worker's consumer span with the same trace id", async () => {
    await t.flush();
    const res = await mf.dispatchFetch("http://example.test/");
    expect(res.status).toBe(200);
    const { jid, spans } = (await res.json()) as {
      jid: string;
      spans: {
        name: string;
        kind: number;
        traceId: string;
        spanId: string;
        attributes: Record<string, unknown>;
      }[];
    };
    expect(spans).toHaveLength(1);
    const send = spans[0]!;
    expect(send).toMatchObject({ name: "send default", kind: 3 /* PRODUCER */ });
    expect(send.attributes["messaging.message.id"]).toBe(jid);

    const worker = testWorker(t.redis, { middleware: [tracingServerMiddleware()] });
    const ran: string[] = [];
    worker.register("EdgeTraced", (args) => {
      ran.push(String(args[0]));
    });
    await worker.start();
    await waitFor(
      () => spansNamed("process default").some((s) => s.attributes["messaging.message.id"] === jid),
      {
        what: "the consumer span",
      },
    );
    const consume = spansNamed("process default").find(
      (s) => s.attributes["messaging.message.id"] === jid,
    )!;
    expect(ran).toEqual(["from-the-edge"]);
    expect(consume.spanContext().traceId).toBe(send.traceId);
    expect(parentSpanId(consume)).toBe(send.spanId);
    // A Node client without tracing pushes nothing of the sort: the fields came from the edge.
    await new Client({ redis: t.redis }).push({ class: "Other", args: [], queue: "q2" });
    expect(JSON.parse((await t.redis.lindex("queue:q2", 0))!).traceparent).toBeUndefined();
  });
});
