/**
 * Search by jid (`GET /search?jid=`): looks in the running jobs, the three sorted sets (ZSCAN)
 * and every queue (LRANGE pages, O(n) like Sidekiq's `find_job`), and links to what it found
 * (a queued job to its own detail page).
 */
import type { Hono } from "hono";
import { DeadSet, RetrySet, ScheduledSet } from "../../api/job-set";
import { Queue } from "../../api/queue";
import { WorkSet } from "../../api/work-set";
import { html, type SafeHtml } from "../html";
import { renderPage, type WebEnv } from "../web-env";
import { queueJobUrl } from "./queue-job";

export function searchRoutes(app: Hono<WebEnv>): void {
  app.get("/search", async (c) => {
    const jid = (c.req.query("jid") ?? "").trim().slice(0, 100);
    const api = c.get("api");
    const found: { where: string; href: string; label: string }[] = [];
    if (jid !== "") {
      const base = c.get("base");
      const [work, scheduled, retry, dead, queues] = await Promise.all([
        new WorkSet(api).findWorkByJid(jid),
        new ScheduledSet(api).findJob(jid),
        new RetrySet(api).findJob(jid),
        new DeadSet(api).findJob(jid),
        Queue.all(api),
      ]);
      if (work)
        found.push({ where: "Busy", href: `${base}/busy`, label: `running on ${work.process}` });
      for (const [where, path, e] of [
        ["Scheduled", "/scheduled", scheduled],
        ["Retries", "/retries", retry],
        ["Dead", "/morgue", dead],
      ] as const) {
        if (e)
          found.push({
            where,
            href: `${base}${path}/${encodeURIComponent(e.key)}`,
            label: e.displayClass,
          });
      }
      for (const q of queues) {
        const job = await q.findJob(jid);
        if (job)
          found.push({
            where: `Queue ${q.name}`,
            href: queueJobUrl(base, job),
            label: job.displayClass,
          });
      }
    }
    return renderPage(c, "", "Search", (ctx) => {
      let body: SafeHtml;
      if (jid === "") body = html`<p class="muted">Enter a JID in the search box.</p>`;
      else if (found.length === 0)
        body = html`<p class="empty">No job with JID <span class="mono">${jid}</span>.</p>`;
      else
        body = html`<table class="table"><thead><tr><th>Where</th><th>Job</th></tr></thead><tbody>${found.map(
          (f) =>
            html`<tr class="result"><td><a href="${f.href}">${f.where}</a></td><td>${f.label}</td></tr>`,
        )}</tbody></table>`;
      return html`<section class="panel"><h2>Search <span class="mono">${jid}</span></h2>
<form method="get" action="${ctx.base}/search" class="search-page"><input type="search" name="jid" value="${jid}" aria-label="JID"> <button class="btn">Find</button></form>
${body}</section>`;
    });
  });
}
