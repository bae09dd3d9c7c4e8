// Takes docs/observability.md's pictures in real Chromium from a real run:
//   npx tsx test/web/take-observability-screenshots.ts
// A redis-server, a worker (metrics on, tracing on, the SDK's in-memory exporter), the dashboard
// serving the fleet's metrics, and Debian's Prometheus scraping both every second, under a minute
// of mixed traffic pushed from inside "http request" spans. Then:
// - docs/images/observability-prometheus.png: Prometheus's own graph page with the Grafana
//   dashboard's main queries (no Grafana server is packaged for Debian, so its panels' queries are
//   shown in Prometheus itself);
// - docs/images/observability-trace.png: one job's trace as the exporter recorded it, drawn as a
//   waterfall (the request that pushed it, the client's send span, the worker's process span, the
//   handler's own span). Starts and stops everything it uses; touches nothing else.
import { trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Redis } from "ioredis";
import { nodePlatform } from "../../runtimes/node/platform";
import { serveNode } from "../../runtimes/node/serve";
import { Client } from "../../src/core/client";
import { tracingClientMiddleware, tracingServerMiddleware } from "../../src/otel/index";
import { dashboard } from "../../src/web/dashboard";
import { silentLogger } from "../../src/worker/logger";
import { Worker } from "../../src/worker/worker";
import { startPrometheus } from "../helpers/prometheus";
import { startRedisServer } from "../helpers/redis-server";
import { exporter } from "../otel/tracer";
import { launchChromium } from "./chromium";

const OUT = new URL("../../docs/images/", import.meta.url).pathname;
const TOKEN = "screenshot-metrics-token-0123456789";
const SECONDS = Number(process.env.SECONDS ?? 60);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const server = await startRedisServer();
const redis = new Redis(server.url);
const worker = new Worker({
  redis,
  queues: ["critical", "default"],
  concurrency: 10,
  platform: nodePlatform,
  metricsPort: 0,
  middleware: [tracingServerMiddleware()],
  logger: silentLogger,
  handleSignals: false,
  heartbeatInterval: 1,
});
const appTracer = trace.getTracer("shop-api");
worker.register("SendReceipt", async () => {
  await appTracer.startActiveSpan("render receipt", async (s) => {
    await sleep(5 + Math.random() * 25);
    s.end();
  });
});
worker.register("ChargeCard", async () => {
  await sleep(20 + Math.random() * 80);
  if (Math.random() < 0.15) throw new Error("card declined");
});
worker.register("BuildReport", () => sleep(200 + Math.random() * 600));
await worker.start();
const web = dashboard({ redis, auth: "open", metricsAuth: { bearer: TOKEN } });
const site = await serveNode((r, i) => web.fetch(r, i), { hostname: "127.0.0.1", port: 0 });
const prom = await startPrometheus([
  { job: "edgekiq-fleet", address: new URL(site.url).host, bearerToken: TOKEN },
  { job: "edgekiq-workers", address: new URL(worker.metricsUrl!).host },
]);
const client = new Client({ redis, middleware: [tracingClientMiddleware()] });
const browser = await launchChromium();
try {
  const end = Date.now() + SECONDS * 1000;
  let i = 0;
  while (Date.now() < end) {
    const burst = 2 + Math.round(3 * (1 + Math.sin(i / 15)));
    await appTracer.startActiveSpan("POST /checkout", async (span) => {
      for (let k = 0; k < burst; k++) {
        await client.push({ class: "SendReceipt", args: [`order-${i}-${k}`] });
        await client.push({ class: "ChargeCard", args: [i, k], queue: "critical" });
      }
      if (i % 10 === 0) await client.push({ class: "BuildReport", args: [i], queue: "reports" });
      span.end();
    });
    i++;
    await sleep(250);
  }
  const queries = [
    "sum by (class) (rate(edgekiq_jobs_succeeded_total[30s]))",
    "histogram_quantile(0.95, sum by (class, le) (rate(edgekiq_job_duration_seconds_bucket[30s])))",
    "sum by (queue) (edgekiq_queue_size)",
    "rate(edgekiq_processed_total[30s])",
  ];
  const params = queries
    .map(
      (q, n) =>
        `g${n}.expr=${encodeURIComponent(q)}&g${n}.tab=0&g${n}.range_input=${SECONDS + 10}s`,
    )
    .join("&");
  const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
  await page.goto(`${prom.url}/graph?${params}`);
  await page.waitForSelector("canvas, .graph-chart, svg", { timeout: 20_000 });
  // The navigation bar is fixed: in a full-page picture it would cover a graph.
  await page.addStyleTag({ content: "nav, .navbar { position: static !important; }" });
  await sleep(3000);
  await page.screenshot({ path: `${OUT}observability-prometheus.png`, fullPage: true });

  // One job's trace: a request that pushes one job, the client's send span, the worker's
  // process span and the handler's own span, from the exporter.
  exporter.reset();
  const jid = await appTracer.startActiveSpan("POST /signup", async (span) => {
    await sleep(3);
    const pushed = await client.push({ class: "SendReceipt", args: ["welcome"] });
    await sleep(2);
    span.end();
    return pushed;
  });
  let consume: ReadableSpan | undefined;
  while (!consume) {
    await sleep(50);
    consume = exporter
      .getFinishedSpans()
      .find((s) => s.attributes["messaging.message.id"] === jid && s.name === "process default");
  }
  const traceId = consume.spanContext().traceId;
  const inTrace = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  await page.setViewportSize({ width: 1100, height: 200 });
  await page.setContent(waterfall(inTrace));
  await page.screenshot({ path: `${OUT}observability-trace.png`, fullPage: true });
  console.log(`pictures written to ${OUT}`);
} finally {
  await browser.close();
  await prom.stop();
  await worker.stop();
  await site.close();
  redis.disconnect();
  await server.stop();
}

function ms(t: [number, number]): number {
  return t[0] * 1000 + t[1] / 1e6;
}

/** A waterfall of one trace's spans (depth from the parent links, bars on one time axis). */
function waterfall(spans: ReadableSpan[]): string {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const depth = (s: ReadableSpan): number => {
    const parent = s.parentSpanContext?.spanId;
    return parent && byId.has(parent) ? 1 + depth(byId.get(parent)!) : 0;
  };
  const t0 = Math.min(...spans.map((s) => ms(s.startTime)));
  const t1 = Math.max(...spans.map((s) => ms(s.endTime)));
  const kinds = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];
  const esc = (x: unknown) =>
    String(x).replace(
      /[&<>"]/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
    );
  // Depth-first from the root, children in start order: each span right under its parent.
  const children = (parent: string | undefined) =>
    spans
      .filter((s) => {
        const p = s.parentSpanContext?.spanId;
        return parent === undefined ? !(p && byId.has(p)) : p === parent;
      })
      .sort((a, b) => ms(a.startTime) - ms(b.startTime));
  const ordered: ReadableSpan[] = [];
  const visit = (s: ReadableSpan) => {
    ordered.push(s);
    for (const c of children(s.spanContext().spanId)) visit(c);
  };
  for (const root of children(undefined)) visit(root);
  const rows = ordered
    .map((s) => {
      const left = ((ms(s.startTime) - t0) / (t1 - t0)) * 100;
      const width = Math.max(0.4, ((ms(s.endTime) - ms(s.startTime)) / (t1 - t0)) * 100);
      const attrs = [
        "messaging.destination.name",
        "messaging.sidekiq.job_class",
        "messaging.message.id",
      ]
        .filter((k) => s.attributes[k] !== undefined)
        .map((k) => `${k.replace("messaging.", "")}=${esc(s.attributes[k])}`)
        .join(" · ");
      return `<div class="row"><div class="name" style="padding-left:${depth(s) * 18}px"><b>${esc(s.name)}</b> <span class="kind">${kinds[s.kind]}</span><div class="attrs">${attrs}</div></div><div class="lane"><div class="bar k${s.kind}" style="left:${left}%;width:${width}%"></div><span class="dur" style="left:calc(${left + width}% + 6px)">${(ms(s.endTime) - ms(s.startTime)).toFixed(1)} ms</span></div></div>`;
    })
    .join("");
  return `<!doctype html><style>
body{font:13px system-ui,sans-serif;margin:16px;color:#1b1f24}
h1{font-size:15px;margin:0 0 12px}.mono{font-family:ui-monospace,monospace;font-weight:normal;color:#57606a}
.row{display:flex;align-items:center;border-top:1px solid #e5e7eb;padding:6px 0}
.name{width:420px;flex:none}.kind{font-size:10px;color:#57606a;border:1px solid #d0d7de;border-radius:3px;padding:0 3px}
.attrs{font-size:11px;color:#57606a;font-family:ui-monospace,monospace}
.lane{position:relative;flex:1;height:18px}.bar{position:absolute;top:2px;height:14px;border-radius:3px}
.k1{background:#8250df}.k3{background:#0969da}.k4{background:#1a7f37}.k0{background:#bf8700}
.dur{position:absolute;top:1px;font-size:11px;color:#57606a;white-space:nowrap}
</style><h1>One job's trace, as the OpenTelemetry SDK's in-memory exporter recorded it <span class="mono">trace ${esc(spans[0]!.spanContext().traceId)}</span></h1>${rows}`;
}
