/**
 * The overview (`GET /`) and the JSON the live graph polls (`GET /stats`, Sidekiq's shape).
 * The real-time graph is drawn in the browser by app.js from `/stats`; the history graph is an
 * SVG rendered here, so it needs no script at all.
 */
import type { Hono } from "hono";
import { replyString } from "../../api/context";
import { Stats, type StatsHistory } from "../../api/stats";
import { formatNumber, utcTime } from "../format";
import { html, type SafeHtml } from "../html";
import { intParam, renderPage, type WebEnv } from "../web-env";

const HISTORY_DAYS = [7, 30, 90, 180] as const;

export function overviewRoutes(app: Hono<WebEnv>): void {
  app.get("/", async (c) => {
    const days = intParam(c.req.query("days"), 30, 180);
    const api = c.get("api");
    const [history, redisInfo] = await Promise.all([
      new Stats(api).history(days),
      api.redis.call(["info"]).then(replyString, () => null),
    ]);
    return renderPage(c, "", "Dashboard", (ctx) => {
      const base = ctx.base;
      return html`
<section class="panel">
  <div class="panel-head">
    <h2>Real-time</h2>
    <div class="poll" role="group" aria-label="Poll interval">
      ${[2, 5, 10, 20].map((s) => html`<button type="button" class="poll-interval" data-interval="${s * 1000}">${s} s</button>`)}
    </div>
  </div>
  <div id="realtime" class="chart" data-stats-url="${base}/stats" aria-label="Processed and failed jobs per poll interval"></div>
  <div class="legend"><span class="key processed">Processed</span><span class="key failed">Failed</span></div>
</section>
<section class="panel">
  <div class="panel-head">
    <h2>History</h2>
    <div class="poll">${HISTORY_DAYS.map((d) => html`<a class="${d === days ? "active" : ""}" href="${base}/?days=${d}">${d} days</a>`)}</div>
  </div>
  ${historyChart(history)}
  <div class="legend"><span class="key processed">Processed</span><span class="key failed">Failed</span></div>
</section>
${redisPanel(redisInfo)}`;
    });
  });

  app.get("/stats", async (c) => {
    const s = await new Stats(c.get("api")).fetch();
    return c.json({
      sidekiq: {
        processed: s.processed,
        failed: s.failed,
        busy: s.busy,
        processes: s.processes,
        enqueued: s.enqueued,
        scheduled: s.scheduled,
        retries: s.retries,
        dead: s.dead,
        default_latency: s.default_queue_latency,
      },
      server_utc_time: utcTime(Date.now()).slice(11),
    });
  });

  app.get("/stats/queues", async (c) => c.json(await new Stats(c.get("api")).queues()));
}

/** Two polylines over the days, oldest on the left, as inline SVG (no script, no style attr). */
function historyChart(h: StatsHistory): SafeHtml {
  const dates = Object.keys(h.processed).reverse();
  const p = dates.map((d) => h.processed[d] ?? 0);
  const f = dates.map((d) => h.failed[d] ?? 0);
  const width = 1000;
  const height = 180;
  const max = Math.max(1, ...p, ...f);
  const x = (i: number) => (dates.length === 1 ? width / 2 : (i / (dates.length - 1)) * width);
  const y = (v: number) => height - (v / max) * (height - 10);
  const line = (values: number[]) =>
    values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  return html`<svg class="chart history" viewBox="0 0 ${width} ${height + 20}" role="img" aria-label="Jobs per day">
  <line class="axis" x1="0" y1="${height}" x2="${width}" y2="${height}"></line>
  <polyline class="series processed" points="${line(p)}"></polyline>
  <polyline class="series failed" points="${line(f)}"></polyline>
  <text class="tick" x="2" y="${height + 16}">${dates[0] ?? ""}</text>
  <text class="tick end" x="${width - 2}" y="${height + 16}">${dates.at(-1) ?? ""}</text>
  <text class="tick" x="2" y="12">max ${formatNumber(max)}/day</text>
</svg>`;
}

function redisPanel(info: string | null): SafeHtml {
  if (!info) return html``;
  const fields = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1));
  }
  const rows: [string, string | undefined][] = [
    ["Version", fields.get("redis_version")],
    ["Uptime (days)", fields.get("uptime_in_days")],
    ["Connections", fields.get("connected_clients")],
    ["Memory", fields.get("used_memory_human")],
    ["Peak memory", fields.get("used_memory_peak_human")],
  ];
  return html`<section class="panel"><h2>Redis</h2><dl class="redis">${rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl></section>`;
}
