// examples/grafana/edgekiq-dashboard.json asks only for metrics edgekiq exposes: every metric
// name in every panel's query is a family of the worker's or the fleet's exposition (histogram
// series by their family), and, with a real Prometheus, every query (Grafana's variables filled
// in) parses and evaluates.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { fleetMetricFamilies } from "../../src/api/fleet-metrics";
import { JobObserver } from "../../src/worker/job-observer";
import { webPlatform } from "../../src/worker/platform";
import { ROOT } from "../helpers/cli";
import { itWith } from "../helpers/peers";
import { type PrometheusServer, startPrometheus } from "../helpers/prometheus";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const dashboard = JSON.parse(
  readFileSync(`${ROOT}/examples/grafana/edgekiq-dashboard.json`, "utf8"),
) as {
  panels: { title: string; targets?: { expr: string }[] }[];
  templating: { list: { definition?: string }[] };
};

const queries = [
  ...dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((x) => ({ panel: p.title, expr: x.expr })),
  ),
  ...dashboard.templating.list
    .filter((v) => v.definition)
    .map((v) => ({ panel: "variable", expr: v.definition! })),
];

/** Metric names a PromQL expression reads (functions, keywords and labels left out). */
function metricNames(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, "").replace(/\[[^\]]*\]/g, "");
  const names = withoutLabels.match(/\b(edgekiq|process)_[a-z_]+\b/g) ?? [];
  return [...new Set(names)];
}

async function exposedFamilies(): Promise<Map<string, string>> {
  const observer = new JobObserver({
    busy: () => 0,
    concurrency: 1,
    identity: "x",
    platform: { ...webPlatform, cpuSeconds: () => 1 },
  });
  const families = [...observer.families(), ...(await fleetMetricFamilies({ redis: t.redis }))];
  return new Map(families.map((f) => [f.name, f.type]));
}

describe("the Grafana dashboard", () => {
  it("has panels, and every query reads only metrics edgekiq exposes", async () => {
    expect(queries.length).toBeGreaterThan(20);
    const families = await exposedFamilies();
    const missing: string[] = [];
    for (const { panel, expr } of queries) {
      const names = metricNames(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) {
        const family = name.replace(/_(bucket|sum|count)$/, "");
        const type = families.get(name) ?? families.get(family);
        if (!type) missing.push(`${panel}: ${name}`);
        // Series suffixes only on histograms; rate() only over counters and histogram series.
        if (name !== family && !families.has(name)) expect(type, name).toBe("histogram");
      }
    }
    expect(missing).toEqual([]);
  });

  let prom: PrometheusServer | undefined;
  afterAll(async () => {
    await prom?.stop();
  });
  itWith("prometheus")("every query parses and evaluates in a real Prometheus", async () => {
    prom = await startPrometheus([]);
    for (const { panel, expr } of queries) {
      if (expr.startsWith("label_values(")) continue; // a Grafana function, not PromQL
      const promql = expr
        .replaceAll("$__rate_interval", "1m")
        .replaceAll("$queue", ".*")
        .replaceAll("$worker_job", ".*");
      await expect(prom.query(promql), `${panel}: ${promql}`).resolves.toBeInstanceOf(Array);
    }
  });
});
