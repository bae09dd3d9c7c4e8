/**
 * Metrics (Sidekiq 7's `/metrics` and `/metrics/:name`), from the per-minute keys the worker
 * writes (wire spec §1.5):
 * - `GET /metrics?period=1h|2h|4h|8h&substr=`: every class that ran in the period, slowest first,
 *   with a chart of jobs per minute; `substr` keeps classes whose name contains it.
 * - `GET /metrics/:name?period=`: one class: totals, a chart and table of its busy minutes, and its
 *   execution-time histogram as a table.
 *
 * `period` and `substr` come from the URL and Sidekiq's own page reflected them unescaped (XSS):
 * here `period` is only ever one of the four names and everything reaches the page through the
 * escaping `html` template; class names go into links URL-encoded.
 */
import type { Hono } from "hono";
import {
  type JobHistogram,
  type JobMetrics,
  METRICS_PERIODS,
  Metrics,
  type MetricsPeriod,
} from "../../api/metrics";
import { formatNumber } from "../format";
import { html, type SafeHtml } from "../html";
import { lineChart } from "../line-chart";
import { filterParam, MAX_FILTER, renderPage, type WebContext, type WebEnv } from "../web-env";

const PERIODS = Object.keys(METRICS_PERIODS) as MetricsPeriod[];

export function metricsRoutes(app: Hono<WebEnv>): void {
  app.get("/metrics", async (c) => {
    const period = periodParam(c);
    const substr = filterParam(c);
    const top = await new Metrics(c.get("api")).topJobs({
      minutes: METRICS_PERIODS[period],
      classFilter: substr,
    });
    return renderPage(c, "/metrics", "Metrics", (ctx) => {
      const self = `${ctx.base}/metrics`;
      const query = (p: MetricsPeriod) =>
        `?period=${p}${substr ? `&substr=${encodeURIComponent(substr)}` : ""}`;
      const processed = sumSeries(top.jobs, "processed", top.minutes.length);
      const failed = sumSeries(top.jobs, "failed", top.minutes.length);
      return html`<section class="panel">
  <div class="panel-head">
    <h2>Metrics <span class="badge">${top.jobs.length}</span></h2>
    ${periodLinks(self, period, query)}
  </div>
  <form class="search-page" method="get" action="${self}" role="search">
    <input type="hidden" name="period" value="${period}">
    <input type="search" name="substr" value="${substr}" placeholder="Filter by class name" aria-label="Class name contains" maxlength="${MAX_FILTER}">
  </form>
  ${minuteChart(top.minutes, processed, failed)}
  <div class="legend"><span class="key processed">Processed</span><span class="key failed">Failed</span></div>
  <table class="table metrics">
    <thead><tr><th>Job</th><th>Processed</th><th>Failed</th><th>Total time</th><th>Average time</th></tr></thead>
    <tbody>${
      top.jobs.length === 0
        ? html`<tr><td colspan="5" class="empty">No job ran in the last ${period}${substr ? html` matching <span class="mono">${substr}</span>` : ""}.</td></tr>`
        : top.jobs.map(
            (j) => html`<tr class="job-metrics" data-class="${j.className}">
      <td><a href="${self}/${encodeURIComponent(j.className)}?period=${period}">${j.className}</a></td>
      <td>${formatNumber(j.processed)}</td><td>${formatNumber(j.failed)}</td>
      <td>${formatMs(j.totalMs)}</td><td>${formatMs(j.avgMs)}</td></tr>`,
          )
    }</tbody>
  </table>
</section>`;
    });
  });

  app.get("/metrics/:name", async (c) => {
    const name = c.req.param("name");
    const period = periodParam(c);
    const detail = await new Metrics(c.get("api")).forJob(name, {
      minutes: METRICS_PERIODS[period],
    });
    const job = detail.job;
    return renderPage(c, "/metrics", `Metrics for ${name}`, (ctx) => {
      const self = `${ctx.base}/metrics/${encodeURIComponent(name)}`;
      const busy = detail.minutes
        .map((m, i) => ({
          m,
          p: job.series.processed[i]!,
          f: job.series.failed[i]!,
          ms: job.series.totalMs[i]!,
        }))
        .filter((r) => r.p > 0 || r.f > 0 || r.ms > 0)
        .reverse();
      return html`<section class="panel">
  <div class="panel-head">
    <h2><a href="${ctx.base}/metrics?period=${period}">Metrics</a> · <span class="mono">${name}</span></h2>
    ${periodLinks(self, period, (p) => `?period=${p}`)}
  </div>
  <table class="table detail totals">
    <tr><th>Processed</th><td data-total="processed">${formatNumber(job.processed)}</td></tr>
    <tr><th>Failed</th><td data-total="failed">${formatNumber(job.failed)}</td></tr>
    <tr><th>Total time</th><td data-total="ms">${formatMs(job.totalMs)}</td></tr>
    <tr><th>Average time</th><td data-total="avg">${formatMs(job.avgMs)}</td></tr>
  </table>
  ${minuteChart(detail.minutes, job.series.processed, job.series.failed)}
  <div class="legend"><span class="key processed">Processed</span><span class="key failed">Failed</span></div>
</section>
<section class="panel">
  <h2>Execution time</h2>
  ${histogramTable(detail.histogram)}
</section>
<section class="panel">
  <h2>Minutes with runs <span class="badge">${busy.length}</span></h2>
  <table class="table minutes">
    <thead><tr><th>Minute (UTC)</th><th>Processed</th><th>Failed</th><th>Total time</th><th>Average time</th></tr></thead>
    <tbody>${
      busy.length === 0
        ? html`<tr><td colspan="5" class="empty">No run of this job in the last ${period}.</td></tr>`
        : busy.map(
            (
              r,
            ) => html`<tr class="minute"><td>${minuteLabel(r.m)}</td><td>${formatNumber(r.p)}</td><td>${formatNumber(r.f)}</td>
      <td>${formatMs(r.ms)}</td><td>${formatMs(r.p - r.f > 0 ? r.ms / (r.p - r.f) : 0)}</td></tr>`,
          )
    }</tbody>
  </table>
</section>`;
    });
  });
}

/** `period` as one of the four names; anything else (absent, hostile) is the default hour. */
function periodParam(c: WebContext): MetricsPeriod {
  const value = c.req.query("period") ?? "";
  return (PERIODS as string[]).includes(value) ? (value as MetricsPeriod) : "1h";
}

function periodLinks(
  self: string,
  active: MetricsPeriod,
  query: (p: MetricsPeriod) => string,
): SafeHtml {
  return html`<div class="poll" role="group" aria-label="Period">${PERIODS.map(
    (p) => html`<a class="${p === active ? "active" : ""}" href="${self}${query(p)}">${p}</a>`,
  )}</div>`;
}

function sumSeries(jobs: JobMetrics[], key: "processed" | "failed", length: number): number[] {
  const out = new Array<number>(length).fill(0);
  for (const j of jobs) for (let i = 0; i < length; i++) out[i]! += j.series[key][i]!;
  return out;
}

/** Processed and failed per minute, oldest on the left. */
function minuteChart(minutes: number[], processed: number[], failed: number[]): SafeHtml {
  return lineChart({
    className: "metrics-chart",
    label: "Jobs per minute",
    height: 140,
    processed,
    failed,
    first: minuteLabel(minutes[0] ?? 0),
    last: minuteLabel(minutes.at(-1) ?? 0),
    per: "min",
  });
}

/** One row per bucket: the range of run times it holds and how many runs fell in it. */
function histogramTable(h: JobHistogram): SafeHtml {
  const total = h.counts.reduce((n, c) => n + c, 0);
  return html`<table class="table histogram">
  <thead><tr><th>Run time</th><th>Runs</th></tr></thead>
  <tbody>${h.bounds.map((bound, i) => {
    const lower = i === 0 ? 0 : h.bounds[i - 1]!;
    const label =
      i === 0
        ? `< ${boundLabel(bound)}`
        : i === h.bounds.length - 1
          ? `≥ ${boundLabel(lower)}`
          : `${boundLabel(lower)} – ${boundLabel(bound)}`;
    return html`<tr class="bucket" data-bucket="${i}"><td>${label}</td><td>${formatNumber(h.counts[i] ?? 0)}</td></tr>`;
  })}</tbody>
  <tfoot><tr><th>All</th><th>${formatNumber(total)}</th></tr></tfoot>
</table>`;
}

/** A bucket bound as Sidekiq labels them: `20 ms`, `1.1 s`, `335 s`. */
function boundLabel(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${ms / 1000} s`;
}

/** `850 ms`, `6.00 s`, `12.5 min`, `3.2 h`. */
function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** `HH:MM` UTC, prefixed by the date when the minute is not today (UTC). */
function minuteLabel(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.slice(0, 10) === new Date().toISOString().slice(0, 10)
    ? iso.slice(11, 16)
    : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}
