// Per-process metrics of a real worker on a real Redis: the counters by class and queue, the
// duration histogram, busy and concurrency, the `/metrics` endpoint (served through the Node
// platform), `promtool check metrics` on it, and a real Prometheus scraping it every second whose
// API then returns the processed count and a rate for the known workload. With metrics off, the
// worker serves and collects nothing.
import { afterAll, describe, expect, it } from "vitest";
import { nodePlatform } from "../../runtimes/node/platform";
import { Client } from "../../src/core/client";
import { itWith } from "../helpers/peers";
import { type PrometheusServer, promtoolCheck, startPrometheus } from "../helpers/prometheus";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
const servers: PrometheusServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

/** The value of one sample line, e.g. `edgekiq_jobs_started_total{class="A",queue="default"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("worker metrics", () => {
  it("counts jobs by class and queue, outcome and duration, and serves them at /metrics", async () => {
    await t.flush();
    const worker = testWorker(t.redis, {
      concurrency: 3,
      queues: ["critical", "default"],
      platform: nodePlatform,
      metricsPort: 0,
    });
    worker.register("OkJob", () => undefined);
    worker.register("RetryJob", () => {
      throw new Error("secret-arg-never-in-metrics");
    });
    worker.register("DeadJob", () => {
      throw new Error("boom");
    });
    await worker.start();
    expect(worker.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    await client.pushBulk({ class: "OkJob", args: [[1], [2], [3], [4]] });
    await client.push({ class: "OkJob", args: [5], queue: "critical" });
    await client.push({ class: "RetryJob", args: ["secret-arg"], retry: 3 });
    await client.push({ class: "DeadJob", args: [1], retry: 0 });
    await client.push({ class: "NoSuchJob", args: [1], retry: 0 });
    await t.redis.lpush("queue:default", "not json at all");

    const text = await waitFor(
      async () => {
        const body = await (await fetch(worker.metricsUrl!)).text();
        return sample(body, 'edgekiq_jobs_started_total{class="_unknown",queue="default"}') === 1 &&
          sample(body, 'edgekiq_jobs_invalid_total{queue="default"}') === 1 &&
          sample(body, 'edgekiq_jobs_succeeded_total{class="OkJob",queue="default"}') === 4
          ? body
          : undefined;
      },
      { what: "all jobs counted" },
    );
    const ok = 'class="OkJob",queue="default"';
    expect(sample(text, `edgekiq_jobs_started_total{${ok}}`)).toBe(4);
    expect(sample(text, 'edgekiq_jobs_succeeded_total{class="OkJob",queue="critical"}')).toBe(1);
    expect(sample(text, 'edgekiq_jobs_failed_total{class="RetryJob",queue="default"}')).toBe(1);
    expect(sample(text, 'edgekiq_jobs_retried_total{class="RetryJob",queue="default"}')).toBe(1);
    expect(sample(text, 'edgekiq_jobs_dead_total{class="DeadJob",queue="default"}')).toBe(1);
    expect(sample(text, 'edgekiq_jobs_dead_total{class="_unknown",queue="default"}')).toBe(1);
    // Registered classes have series from the start, on every queue.
    expect(sample(text, 'edgekiq_jobs_started_total{class="DeadJob",queue="critical"}')).toBe(0);
    expect(sample(text, 'edgekiq_job_duration_seconds_count{class="OkJob"}')).toBe(5);
    expect(sample(text, 'edgekiq_job_duration_seconds_bucket{class="OkJob",le="+Inf"}')).toBe(5);
    expect(sample(text, "edgekiq_worker_concurrency")).toBe(3);
    expect(sample(text, "edgekiq_worker_busy")).toBe(0);
    expect(sample(text, "edgekiq_fetch_duration_seconds_count")).toBeGreaterThan(0);
    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(1_000_000);
    expect(sample(text, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(text).toContain(`edgekiq_worker_info{identity="${worker.identity}"} 1`);
    // Log hygiene: neither arguments nor error messages nor the made-up class name.
    expect(text).not.toContain("secret-arg");
    expect(text).not.toContain("NoSuchJob");

    const res = await fetch(worker.metricsUrl!);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await fetch(worker.metricsUrl!.replace("/metrics", "/other"))).status).toBe(404);
    expect((await fetch(worker.metricsUrl!, { method: "POST" })).status).toBe(405);

    const url = worker.metricsUrl!;
    await worker.stop();
    await expect(fetch(url)).rejects.toThrow();
  });

  it("collects nothing and serves nothing when off", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { platform: nodePlatform });
    worker.register("OkJob", () => undefined);
    await worker.start();
    await client.push({ class: "OkJob", args: [1] });
    await waitFor(async () => (await t.redis.get("stat:processed")) === "1", { what: "job done" });
    expect(worker.metricsText()).toBeUndefined();
    expect(worker.metricsUrl).toBeUndefined();
  });

  it("counts internal errors by where they happened, and reads without serving", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { metrics: true, platform: nodePlatform });
    worker.register("OkJob", () => undefined);
    await worker.start();
    expect(worker.metricsUrl).toBeUndefined();
    // A key of the wrong type makes the heartbeat's writes fail: one internal error per beat.
    await t.redis.set(`${worker.identity}:work`, "not a hash");
    await t.redis.del(`${worker.identity}`);
    await t.redis.set(worker.identity, "not a hash");
    const text = await waitFor(
      () => {
        const body = worker.metricsText()!;
        return (sample(body, 'edgekiq_worker_errors_total{context="Heartbeat error"}') ?? 0) > 0
          ? body
          : undefined;
      },
      { what: "a heartbeat error counted" },
    );
    expect(text).toContain("# TYPE edgekiq_worker_errors_total counter");
    await t.redis.del(worker.identity, `${worker.identity}:work`);
  });

  itWith("prometheus")("passes promtool check metrics", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { metrics: true, platform: nodePlatform });
    worker.register('Odd"Class\\Name', () => undefined);
    worker.register("Failing", () => {
      throw new Error("x");
    });
    await worker.start();
    await client.push({ class: 'Odd"Class\\Name', args: [] });
    await client.push({ class: "Failing", args: [], retry: 1 });
    await waitFor(
      () =>
        (sample(
          worker.metricsText()!,
          'edgekiq_jobs_retried_total{class="Failing",queue="default"}',
        ) ?? 0) > 0,
      { what: "jobs done" },
    );
    const r = promtoolCheck(worker.metricsText()!);
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });

  itWith("prometheus")(
    "a real Prometheus scraping the worker sees the processed jobs and their rate",
    async () => {
      await t.flush();
      const worker = testWorker(t.redis, {
        concurrency: 5,
        platform: nodePlatform,
        metricsPort: 0,
      });
      worker.register("OkJob", () => new Promise((r) => setTimeout(r, 5)));
      await worker.start();
      const address = new URL(worker.metricsUrl!).host;
      const prom = await startPrometheus([{ job: "edgekiq-worker", address }]);
      servers.push(prom);
      // Let a scrape see the zero before the work, so the rate covers the whole workload.
      await waitFor(
        async () =>
          (await prom.query('edgekiq_jobs_succeeded_total{class="OkJob",queue="default"}'))
            .length === 1,
        { timeoutMs: 20_000, intervalMs: 250, what: "first scrape" },
      );
      const N = 200;
      await client.pushBulk({
        class: "OkJob",
        args: Array.from({ length: N }, (_, i) => [i]),
      });
      await waitFor(
        async () => {
          const r = await prom.query('sum(edgekiq_jobs_succeeded_total{class="OkJob"})');
          return r[0]?.value === N;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: "Prometheus to see every job" },
      );
      const [rate] = await prom.query(
        'sum(rate(edgekiq_jobs_succeeded_total{job="edgekiq-worker"}[1m]))',
      );
      expect(rate!.value).toBeGreaterThan(0);
      // Over a minute-long window that holds the whole workload, the increase is the workload
      // (Prometheus extrapolates a little towards the window's edges).
      const [increase] = await prom.query(
        'sum(increase(edgekiq_jobs_succeeded_total{job="edgekiq-worker"}[1m]))',
      );
      expect(increase!.value).toBeGreaterThanOrEqual(N);
      expect(increase!.value).toBeLessThan(N * 1.5);
      const [count] = await prom.query('sum(edgekiq_job_duration_seconds_count{class="OkJob"})');
      expect(count!.value).toBe(N);
      const [target] = await prom.targets();
      expect(target).toMatchObject({ job: "edgekiq-worker", health: "up", lastError: "" });
    },
    60_000,
  );
});
