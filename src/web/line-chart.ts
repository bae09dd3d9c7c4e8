/**
 * The dashboard's static charts: processed and failed jobs as two polylines, oldest on the left,
 * in inline SVG (no script and no style attribute, so the strict CSP holds). The overview draws
 * days with it, the Metrics pages minutes.
 */
import { formatNumber } from "./format";
import { html, type SafeHtml } from "./html";

export interface LineChart {
  /** Extra class on the `<svg>` (`history`, `metrics-chart`), which tests and CSS select. */
  className: string;
  /** The accessible name, e.g. "Jobs per day". */
  label: string;
  height: number;
  processed: number[];
  failed: number[];
  /** Labels under the first and the last point. */
  first: string;
  last: string;
  /** The unit of one point in the "max N/<unit>" legend: "day", "min". */
  per: string;
}

export function lineChart(c: LineChart): SafeHtml {
  const width = 1000;
  const { height, processed, failed } = c;
  const n = Math.max(processed.length, failed.length);
  const max = Math.max(1, ...processed, ...failed);
  const x = (i: number) => (n === 1 ? width / 2 : (i / (n - 1)) * width);
  const y = (v: number) => height - (v / max) * (height - 10);
  const line = (values: number[]) =>
    values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  return html`<svg class="chart ${c.className}" viewBox="0 0 ${width} ${height + 20}" role="img" aria-label="${c.label}">
  <line class="axis" x1="0" y1="${height}" x2="${width}" y2="${height}"></line>
  <polyline class="series processed" points="${line(processed)}"></polyline>
  <polyline class="series failed" points="${line(failed)}"></polyline>
  <text class="tick" x="2" y="${height + 16}">${c.first}</text>
  <text class="tick end" x="${width - 2}" y="${height + 16}">${c.last}</text>
  <text class="tick" x="2" y="12">max ${formatNumber(max)}/${c.per}</text>
</svg>`;
}
