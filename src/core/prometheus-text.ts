/**
 * The Prometheus text exposition format (version 0.0.4), written once for the worker's and the
 * fleet's `/metrics`. Web APIs only, so it runs on every runtime and on the edge; no dependency,
 * since the format is small and the well-kept libraries (prom-client) are Node-only.
 *
 * What the format demands and scrapers check (`promtool check metrics`):
 * 1. One `# HELP` and one `# TYPE` line per family, before its samples, each family once.
 * 2. Label values escape `\`, `"` and newline; HELP text escapes `\` and newline.
 * 3. Values: `+Inf`, `-Inf`, `NaN` spelled so; counters end in `_total`.
 * 4. Histograms: cumulative `_bucket{le=...}` lines ending in `le="+Inf"` (equal to `_count`),
 *    then `_sum` and `_count`.
 */
import { ArgumentError } from "./errors";

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels?: Labels;
  value: number;
}

export interface HistogramSample {
  labels?: Labels;
  /** Upper bounds, ascending, without +Inf. */
  bounds: readonly number[];
  /** Observations per bucket (not cumulative): `counts[i]` fell in (bounds[i-1], bounds[i]]; one more for +Inf. */
  counts: readonly number[];
  sum: number;
}

export type MetricFamily =
  | { name: string; help: string; type: "counter" | "gauge"; samples: readonly Sample[] }
  | { name: string; help: string; type: "histogram"; samples: readonly HistogramSample[] };

/** The content type scrapers expect for this format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Encodes families in order; throws an ArgumentError on a name the format cannot carry. */
export function encodeMetrics(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (!NAME.test(f.name)) throw new ArgumentError(`bad metric name ${JSON.stringify(f.name)}`);
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type === "histogram") {
      for (const s of f.samples) histogramLines(out, f.name, s);
    } else {
      for (const s of f.samples)
        out.push(`${f.name}${labelText(s.labels)} ${formatValue(s.value)}`);
    }
  }
  return out.length ? `${out.join("\n")}\n` : "";
}

function histogramLines(out: string[], name: string, s: HistogramSample): void {
  let cumulative = 0;
  for (let i = 0; i < s.bounds.length; i++) {
    cumulative += s.counts[i] ?? 0;
    out.push(
      `${name}_bucket${labelText(s.labels, formatValue(s.bounds[i]!))} ${formatValue(cumulative)}`,
    );
  }
  cumulative += s.counts[s.bounds.length] ?? 0;
  out.push(`${name}_bucket${labelText(s.labels, "+Inf")} ${formatValue(cumulative)}`);
  out.push(`${name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`);
  out.push(`${name}_count${labelText(s.labels)} ${formatValue(cumulative)}`);
}

function labelText(labels: Labels | undefined, le?: string): string {
  const parts: string[] = [];
  if (labels) {
    for (const [k, v] of Object.entries(labels)) {
      if (!LABEL.test(k) || k.startsWith("__"))
        throw new ArgumentError(`bad label name ${JSON.stringify(k)}`);
      parts.push(`${k}="${escapeLabel(v)}"`);
    }
  }
  if (le !== undefined) parts.push(`le="${le}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/** Finds the bucket of `value` in ascending `bounds` (bounds.length for +Inf). */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let i = 0;
  while (i < bounds.length && value > bounds[i]!) i++;
  return i;
}
