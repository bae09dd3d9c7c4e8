// Fleet-wide metrics from Redis (`fleetMetrics`, edgekiq/api) and the dashboard's Prometheus
// endpoint: exact values after a known set of keys, `promtool check metrics`, the endpoint's own
// bearer auth and its sharing of `/metrics` with the HTML page, and a real Prometheus scraping the
// dashboard and a running worker, whose API then returns the queue sizes and the processing rate.
import { afterAll, describe, expect, it } from "vitest";
import { nodePlatform } from "../../runtimes/node/platform";
import { fleetMetrics } from "../../src/api/fleet-metrics";
import { Client } from "../../src/core/client";
import { dashboard } from "../../src/web/dashboard";
import { itWith } from "../helpers/peers";
import { type PrometheusServer, promtoolCheck, startPrometheus } from "../helpers/prometheus";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "../integration/worker-helpers";
import { serve } from "./serve";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
const TOKEN = "scrape-token-0123456789abcdef";
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A known fleet: 3 + 2 queued jobs, 1 scheduled, 2 retries, 1 dead, two processes. */
async function seedFleet(): Promise<void> {
  await t.flush();
  await client.pushBulk({ class: "A", args: [[1], [2], [3]] });
  await client.pushBulk({ class: "A", args: [[1], [2]], queue: "critical" });
  await client.push({ class: "Later", args: [], at: Date.now() / 1000 + 3600 });
  await t.redis.zadd(
    "retry",
    1,
    '{"class":"R","jid":"r1","args":[]}',
    2,
    '{"class":"R","jid":"r2","args":[]}',
  );
  await t.redis.zadd("dead", 1, '{"class":"D","jid":"d1","args":[]}');
  await t.redis.set("stat:processed", "42");
  await t.redis.set("stat:failed", "7");
  await t.redis.sadd("processes", "host-a:1:abc", "host-b:2:def");
  await t.redis.hset("host-a:1:abc", "busy", "2", "quiet", "false", "info", '{"concurrency":5}');
  await t.redis.hset("host-b:2:def", "busy", "1", "quiet", "true", "info", '{"concurrency":10}');
}

describe("fleetMetrics", () => {
  it("reads queue sizes and latency, set sizes, processes, busy and totals", async () => {
    await seedFleet();
    // Make the oldest default job 30 s old.
    const oldest = JSON.parse((await t.redis.lindex("queue:default", -1))!);
    oldest.enqueued_at = Date.now() / 1000 - 30;
    await t.redis.lset("queue:default", -1, JSON.stringify(oldest));
    const text = await fleetMetrics({ redis: t.redis });
    expect(sample(text, 'edgekiq_queue_size{queue="default"}')).toBe(3);
    expect(sample(text, 'edgekiq_queue_size{queue="critical"}')).toBe(2);
    const latency = sample(text, 'edgekiq_queue_latency_seconds{queue="default"}')!;
    expect(latency).toBeGreaterThanOrEqual(29);
    expect(latency).toBeLessThan(60);
    expect(sample(text, "edgekiq_scheduled_size")).toBe(1);
    expect(sample(text, "edgekiq_retry_size")).toBe(2);
    expect(sample(text, "edgekiq_dead_size")).toBe(1);
    expect(sample(text, "edgekiq_processed_total")).toBe(42);
    expect(sample(text, "edgekiq_failed_total")).toBe(7);
    expect(sample(text, "edgekiq_processes")).toBe(2);
    expect(sample(text, "edgekiq_processes_quiet")).toBe(1);
    expect(sample(text, "edgekiq_busy")).toBe(3);
    expect(sample(text, "edgekiq_concurrency")).toBe(15);
    expect(sample(text, 'edgekiq_process_busy{identity="host-a:1:abc"}')).toBe(2);
    expect(text).not.toContain('"args"');
  });

  itWith("prometheus")("passes promtool check metrics", async () => {
    await seedFleet();
    const r = promtoolCheck(await fleetMetrics({ redis: t.redis }));
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("the dashboard's /metrics", () => {
  const app = dashboard({
    redis: t.redis,
    auth: { username: "admin", password: "pw" },
    metricsAuth: { bearer: TOKEN },
  });
  const get = (headers: Record<string, string>, query = "") =>
    app.fetch(new Request(`http://127.0.0.1/metrics${query}`, { headers }));

  it("gives scrapers the text with the bearer token, and browsers the page", async () => {
    await seedFleet();
    const scrape = await get({
      accept: "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.5",
      authorization: `Bearer ${TOKEN}`,
    });
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(await scrape.text(), 'edgekiq_queue_size{queue="default"}')).toBe(3);

    // The dashboard's password does not open the metrics, nor does a wrong token.
    const basic = `Basic ${btoa("admin:pw")}`;
    expect((await get({ accept: "text/plain", authorization: basic })).status).toBe(401);
    expect(
      (await get({ accept: "*/*", authorization: "Bearer wrong-token-0123456789" })).status,
    ).toBe(401);
    expect((await get({ accept: "*/*" }, "?format=prometheus")).status).toBe(401);

    const page = await get({ accept: "text/html,application/xhtml+xml", authorization: basic });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    // The token does not open the page.
    expect((await get({ accept: "text/html", authorization: `Bearer ${TOKEN}` })).status).toBe(401);
  });

  it("is off without metricsAuth: /metrics stays the page", async () => {
    const plain = dashboard({ redis: t.redis, auth: { username: "admin", password: "pw" } });
    const res = await plain.fetch(
      new Request("http://127.0.0.1/metrics", {
        headers: { accept: "text/plain", authorization: `Basic ${btoa("admin:pw")}` },
      }),
    );
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
  });

  it("refuses a short bearer token at construction", () => {
    expect(() =>
      dashboard({ redis: t.redis, auth: "open", metricsAuth: { bearer: "short" } }),
    ).toThrow(/16 characters/);
  });
});

describe("a real Prometheus", () => {
  let prom: PrometheusServer | undefined;
  itWith("prometheus")(
    "scrapes the dashboard and a worker: queue sizes and the processing rate",
    async () => {
      await t.flush();
      const served = await serve(
        dashboard({
          redis: t.redis,
          auth: { username: "admin", password: "pw" },
          metricsAuth: { bearer: TOKEN },
        }),
      );
      cleanup.push(() => served.close());
      const worker = testWorker(t.redis, {
        queues: ["default"],
        concurrency: 5,
        platform: nodePlatform,
        metricsPort: 0,
      });
      worker.register("Work", () => new Promise((r) => setTimeout(r, 2)));
      await worker.start();
      // Known workload: 4 jobs wait in "parked" (no worker reads it), 150 run on "default".
      await client.pushBulk({ class: "Work", args: [[1], [2], [3], [4]], queue: "parked" });
      prom = await startPrometheus([
        { job: "fleet", address: new URL(served.url).host, bearerToken: TOKEN },
        { job: "worker", address: new URL(worker.metricsUrl!).host },
      ]);
      cleanup.push(() => prom!.stop());
      await waitFor(
        async () => (await prom!.targets()).filter((x) => x.health === "up").length === 2,
        { timeoutMs: 20_000, intervalMs: 250, what: "both targets up" },
      );
      const N = 150;
      await client.pushBulk({ class: "Work", args: Array.from({ length: N }, (_, i) => [i]) });
      await waitFor(
        async () => {
          const [w] = await prom!.query('sum(edgekiq_jobs_succeeded_total{job="worker"})');
          const [f] = await prom!.query('edgekiq_processed_total{job="fleet"}');
          return w?.value === N && f?.value === N;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: "Prometheus to see every job" },
      );
      const [parked] = await prom.query('edgekiq_queue_size{job="fleet",queue="parked"}');
      expect(parked!.value).toBe(4);
      const [def] = await prom.query('edgekiq_queue_size{job="fleet",queue="default"}');
      expect(def!.value).toBe(0);
      const [processes] = await prom.query('edgekiq_processes{job="fleet"}');
      expect(processes!.value).toBe(1);
      for (const expr of [
        'rate(edgekiq_processed_total{job="fleet"}[1m])',
        'sum(rate(edgekiq_jobs_succeeded_total{job="worker"}[1m]))',
      ]) {
        const [rate] = await prom.query(expr);
        expect(rate!.value, expr).toBeGreaterThan(0);
      }
      const [increase] = await prom.query('increase(edgekiq_processed_total{job="fleet"}[1m])');
      expect(increase!.value).toBeGreaterThanOrEqual(N);
      expect(increase!.value).toBeLessThan(N * 1.5);
    },
    60_000,
  );
});
