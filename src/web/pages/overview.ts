/**
 * The overview (`GET /`), the JSON the live graph polls (`GET /stats`, Sidekiq's shape, with the
 * bounded sums of `Stats#summary`) and the queue lengths (`GET /stats/queues`, a window at a time).
 * The real-time graph is drawn in the browser by app.js from `/stats`; the history graph is an
 * SVG rendered here, so it needs no script at all.
 */
import type { Hono } from "hono";
import { replyString } from "../../api/context";
import { Stats, type StatsHistory } from "../../api/stats";
import { utcTime } from "../format";
import { html, type SafeHtml } from "../html";
import { lineChart } from "../line-chart";
import { cursorParam, intParam, renderPage, type WebEnv } from "../web-env";

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
    const s = await new Stats(c.get("api")).summary();
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

  // Name -> length, longest first, for up to 1,000 queues; more come through `Link: rel="next"`.
  // Written out from pairs: an object would drop `__proto__` and move names like "10" first.
  app.get("/stats/queues", async (c) => {
    const { lengths, next } = await new Stats(c.get("api")).queueLengths({
      cursor: cursorParam(c.req.query("cursor")),
    });
    const body = `{${lengths.map(([q, n]) => `${JSON.stringify(q)}:${n}`).join(",")}}`;
    if (next) c.header("Link", `<${c.get("base")}/stats/queues?cursor=${next}>; rel="next"`);
    return c.body(body, 200, { "Content-Type": "application/json" });
  });
}

/** Processed and failed per day over the history, oldest on the left. */
function historyChart(h: StatsHistory): SafeHtml {
  const dates = Object.keys(h.processed).reverse();
  return lineChart({
    className: "history",
    label: "Jobs per day",
    height: 180,
    processed: dates.map((d) => h.processed[d] ?? 0),
    failed: dates.map((d) => h.failed[d] ?? 0),
    first: dates[0] ?? "",
    last: dates.at(-1) ?? "",
    per: "day",
  });
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
