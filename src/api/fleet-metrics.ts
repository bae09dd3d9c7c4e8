/**
 * Fleet-wide Prometheus metrics read from Redis (`fleetMetrics`): what every worker, Ruby's
 * included, leaves there. Served by the dashboard at `/metrics` and by `edgekiq metrics`.
 *
 * 1. Two pipelines whatever the fleet's size: the O(1) counters and set sizes with one window of
 *    queue and process names (at most `limit` of each, an SSCAN window, so a scrape stays cheap),
 *    then per queue its length and oldest job, per process its busy count, quiet flag and info.
 * 2. Names and meanings match the worker's own metrics (`edgekiq_*`), so one Grafana dashboard
 *    reads both: the fleet's counters are the `stat:processed`/`stat:failed` totals Sidekiq keeps.
 * 3. Labels are queue names and process identities: never job contents.
 */
import { encodeMetrics, type MetricFamily } from "../core/prometheus-text";
import {
  type ApiContext,
  type ApiOptions,
  replyNumber,
  replyString,
  scanSetWindow,
  toContext,
} from "./context";
import { latencyOf } from "./queue";

export interface FleetMetricsOptions {
  /** Queues and processes read at most (one SSCAN window each). Default 1,000. */
  limit?: number;
  nowMs?: number;
}

/** The fleet's metric families (see `fleetMetrics` for the text). */
export async function fleetMetricFamilies(
  options: ApiOptions | ApiContext,
  { limit = 1000, nowMs = Date.now() }: FleetMetricsOptions = {},
): Promise<MetricFamily[]> {
  const ctx = toContext(options);
  const { keys } = ctx;
  const [counters, queues, processes] = await Promise.all([
    ctx.redis.pipeline([
      ["get", keys.stat("processed")],
      ["get", keys.stat("failed")],
      ["zcard", keys.schedule],
      ["zcard", keys.retry],
      ["zcard", keys.dead],
      ["scard", keys.processes],
      ["scard", keys.queues],
    ]),
    scanSetWindow(ctx, keys.queues, { count: limit, maxCalls: 1 }),
    scanSetWindow(ctx, keys.processes, { count: limit, maxCalls: 1 }),
  ]);
  const q = queues.members;
  const p = processes.members;
  const replies =
    q.length + p.length === 0
      ? []
      : await ctx.redis.pipeline([
          ...q.flatMap((name) => [
            ["llen", keys.queue(name)] as const,
            ["lindex", keys.queue(name), -1] as const,
          ]),
          ...p.map((id) => ["hmget", keys.process(id), "busy", "quiet", "info"] as const),
        ]);
  const sizes = q.map((queue, i) => ({ labels: { queue }, value: replyNumber(replies[2 * i]) }));
  const latencies = q.map((queue, i) => ({
    labels: { queue },
    value: latencyOf(replyString(replies[2 * i + 1]), nowMs),
  }));
  let busy = 0;
  let concurrency = 0;
  let quiet = 0;
  const perProcess: { labels: { identity: string }; value: number }[] = [];
  for (const [i, identity] of p.entries()) {
    const fields = replies[2 * q.length + i];
    const [b, qt, info] = Array.isArray(fields) ? fields : [];
    const n = replyNumber(b);
    busy += n;
    perProcess.push({ labels: { identity }, value: n });
    if (replyString(qt) === "true") quiet++;
    concurrency += concurrencyOf(replyString(info));
  }
  const gauge = (name: string, help: string, value: number): MetricFamily => ({
    name,
    help,
    type: "gauge",
    samples: [{ value }],
  });
  const counter = (name: string, help: string, value: number): MetricFamily => ({
    name,
    help,
    type: "counter",
    samples: [{ value }],
  });
  return [
    counter(
      "edgekiq_processed_total",
      "Jobs processed by the whole fleet (Sidekiq's stat:processed).",
      replyNumber(counters[0]),
    ),
    counter(
      "edgekiq_failed_total",
      "Jobs failed in the whole fleet (Sidekiq's stat:failed).",
      replyNumber(counters[1]),
    ),
    {
      name: "edgekiq_queue_size",
      help: "Jobs waiting in each queue.",
      type: "gauge",
      samples: sizes,
    },
    {
      name: "edgekiq_queue_latency_seconds",
      help: "Seconds the oldest job of each queue has waited.",
      type: "gauge",
      samples: latencies,
    },
    gauge("edgekiq_queues", "Known queues (the `queues` set).", replyNumber(counters[6])),
    gauge("edgekiq_scheduled_size", "Jobs in the scheduled set.", replyNumber(counters[2])),
    gauge("edgekiq_retry_size", "Jobs in the retry set.", replyNumber(counters[3])),
    gauge("edgekiq_dead_size", "Jobs in the dead set.", replyNumber(counters[4])),
    gauge("edgekiq_processes", "Live worker processes (Ruby's too).", replyNumber(counters[5])),
    gauge("edgekiq_processes_quiet", "Processes that stopped fetching.", quiet),
    gauge("edgekiq_busy", "Jobs running now in the whole fleet.", busy),
    gauge("edgekiq_concurrency", "Jobs the whole fleet can run at once.", concurrency),
    {
      name: "edgekiq_process_busy",
      help: "Jobs running now in each process.",
      type: "gauge",
      samples: perProcess,
    },
  ];
}

/** The fleet's metrics in the Prometheus text format. */
export async function fleetMetrics(
  options: ApiOptions | ApiContext,
  metricsOptions?: FleetMetricsOptions,
): Promise<string> {
  return encodeMetrics(await fleetMetricFamilies(options, metricsOptions));
}

function concurrencyOf(info: string | null): number {
  if (!info) return 0;
  try {
    const n = (JSON.parse(info) as { concurrency?: unknown }).concurrency;
    return typeof n === "number" && Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}
