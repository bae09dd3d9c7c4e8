// The Prometheus text encoder: escaping, HELP/TYPE lines, histogram buckets, and output that the
// real `promtool check metrics` accepts (skipped outside CI without the prometheus package).
import { describe, expect, it } from "vitest";
import { encodeMetrics, type MetricFamily } from "../../../src/core/prometheus-text";
import { itWith } from "../../helpers/peers";
import { promtoolCheck } from "../../helpers/prometheus";

const families: MetricFamily[] = [
  {
    name: "demo_jobs_total",
    help: 'Jobs with a "quote", a back\\slash\nand a newline in the help.',
    type: "counter",
    samples: [
      { labels: { class: 'Weird"Class\\Name\nX', queue: "default" }, value: 3 },
      { labels: { class: "Plain", queue: "critical" }, value: 0 },
    ],
  },
  {
    name: "demo_busy",
    help: "A gauge with special values.",
    type: "gauge",
    samples: [
      { labels: { kind: "nan" }, value: Number.NaN },
      { labels: { kind: "inf" }, value: Number.POSITIVE_INFINITY },
      { labels: { kind: "minus" }, value: Number.NEGATIVE_INFINITY },
      { labels: { kind: "float" }, value: 0.25 },
    ],
  },
  {
    name: "demo_duration_seconds",
    help: "A histogram.",
    type: "histogram",
    samples: [{ labels: { class: "A" }, bounds: [0.1, 1, 10], counts: [2, 0, 1, 4], sum: 42.5 }],
  },
];

describe("encodeMetrics", () => {
  const text = encodeMetrics(families);

  it("writes HELP and TYPE once per family, before its samples", () => {
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe(
      '# HELP demo_jobs_total Jobs with a "quote", a back\\\\slash\\nand a newline in the help.',
    );
    expect(lines[1]).toBe("# TYPE demo_jobs_total counter");
    expect(lines.filter((l) => l.startsWith("# TYPE demo_busy "))).toEqual([
      "# TYPE demo_busy gauge",
    ]);
    expect(text.endsWith("\n")).toBe(true);
  });

  it("escapes backslash, quote and newline in label values", () => {
    expect(text).toContain(
      'demo_jobs_total{class="Weird\\"Class\\\\Name\\nX",queue="default"} 3\n',
    );
  });

  it("spells NaN and infinities as the format does", () => {
    expect(text).toContain('demo_busy{kind="nan"} NaN\n');
    expect(text).toContain('demo_busy{kind="inf"} +Inf\n');
    expect(text).toContain('demo_busy{kind="minus"} -Inf\n');
    expect(text).toContain('demo_busy{kind="float"} 0.25\n');
  });

  it("writes cumulative buckets ending in +Inf, then sum and count", () => {
    const lines = text.split("\n").filter((l) => l.startsWith("demo_duration_seconds"));
    expect(lines).toEqual([
      'demo_duration_seconds_bucket{class="A",le="0.1"} 2',
      'demo_duration_seconds_bucket{class="A",le="1"} 2',
      'demo_duration_seconds_bucket{class="A",le="10"} 3',
      'demo_duration_seconds_bucket{class="A",le="+Inf"} 7',
      'demo_duration_seconds_sum{class="A"} 42.5',
      'demo_duration_seconds_count{class="A"} 7',
    ]);
  });

  it("refuses metric and label names the format cannot carry", () => {
    expect(() =>
      encodeMetrics([{ name: "bad-name", help: "", type: "gauge", samples: [] }]),
    ).toThrow(/bad metric name/);
    expect(() =>
      encodeMetrics([
        { name: "ok", help: "", type: "gauge", samples: [{ labels: { "a-b": "x" }, value: 1 }] },
      ]),
    ).toThrow(/bad label name/);
  });

  it("encodes nothing as the empty string", () => {
    expect(encodeMetrics([])).toBe("");
  });

  itWith("prometheus")("passes promtool check metrics", () => {
    const r = promtoolCheck(text);
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });

  itWith("prometheus")("promtool does flag a broken exposition (the check can fail)", () => {
    const r = promtoolCheck("# TYPE x counter\nx 1\n");
    expect(r.output).toMatch(/_total/);
  });
});
