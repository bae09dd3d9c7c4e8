/**
 * Busy (`GET /busy`): the live processes (Ruby or TypeScript) with Quiet and Stop buttons, and the
 * jobs running on them, 50 processes a page walked by SSCAN cursor so a page's cost does not grow
 * with the fleet. `POST /busy` sends quiet/stop to one process (`identity`) or to all.
 */
import type { Hono } from "hono";
import { ProcessSet } from "../../api/process-set";
import { jobProgress } from "../../api/progress";
import { WorkSet } from "../../api/work-set";
import { argsText, formatNumber, relativeTime, truncate } from "../format";
import { busyForm, readForm } from "../forms";
import { html } from "../html";
import { cursorPager, postForm } from "../layout";
import { back, cursorParam, intParam, renderPage, type WebEnv } from "../web-env";

const PROCESSES_PER_PAGE = 50;

export function busyRoutes(app: Hono<WebEnv>): void {
  app.get("/busy", async (c) => {
    const api = c.get("api");
    const page = intParam(c.req.query("page"), 1);
    const scan = await new ProcessSet(api).scan({
      cursor: cursorParam(c.req.query("cursor")),
      count: PROCESSES_PER_PAGE,
    });
    const processes = scan.processes;
    const work = await new WorkSet(api).listFor(processes.map((p) => p.identity));
    const progress = await jobProgress(
      api,
      work.map((w) => w.job.jid),
    );
    const paged = page > 1 || scan.next !== undefined;
    return renderPage(c, "/busy", "Busy", (ctx) => {
      const b = ctx.base;
      const control = (identity: string | undefined, embedded: boolean) =>
        embedded
          ? html`<span class="muted">embedded</span>`
          : postForm(
              ctx,
              `${b}/busy`,
              html`${identity ? html`<input type="hidden" name="identity" value="${identity}">` : ""}<button class="btn" name="action" value="quiet">Quiet${identity ? "" : " all"}</button><button class="btn danger" name="action" value="stop">Stop${identity ? "" : " all"}</button>`,
              { confirm: identity ? `Send this to ${identity}?` : "Send this to every process?" },
            );
      const totalConcurrency = processes.reduce((n, p) => n + p.data.concurrency, 0);
      const totalBusy = processes.reduce((n, p) => n + p.data.busy, 0);
      return html`
<section class="panel">
  <div class="panel-head"><h2>Processes <span class="badge">${formatNumber(paged ? scan.total : processes.length)}</span></h2>
    <div>${processes.length > 0 ? control(undefined, false) : ""}</div></div>
  <p class="muted">${paged ? "On this page: " : ""}${formatNumber(totalBusy)} busy of ${formatNumber(totalConcurrency)} threads · ${formatNumber(processes.reduce((n, p) => n + p.data.rss, 0) / 1024)} MB RSS</p>
  <table class="table">
    <thead><tr><th>Name</th><th>Started</th><th>RSS</th><th>Threads</th><th>Busy</th><th>Last beat</th><th></th></tr></thead>
    <tbody>${
      processes.length === 0
        ? html`<tr><td colspan="7" class="empty">No processes are running.</td></tr>`
        : processes.map((p) => {
            const d = p.data;
            return html`<tr class="process" data-identity="${p.identity}">
      <td><strong>${d.hostname || p.identity}:${d.pid}</strong>${d.tag ? html` <span class="label-tag">${d.tag}</span>` : ""}${d.labels.map((l) => html` <span class="label-tag">${l}</span>`)}${d.quiet ? html` <span class="label-tag warn">quiet</span>` : ""}${d.version ? html` <span class="muted small">v${d.version}</span>` : ""}
        <div class="muted small">${p.identity} · queues: ${d.queues.join(", ")}</div></td>
      <td>${d.started_at ? relativeTime(d.started_at * 1000, ctx.nowMs) : ""}</td>
      <td>${formatNumber(d.rss / 1024)} MB</td>
      <td>${d.concurrency}</td>
      <td>${d.busy}</td>
      <td>${d.beat ? relativeTime(d.beat * 1000, ctx.nowMs) : ""}</td>
      <td class="actions">${control(p.identity, d.embedded)}</td>
    </tr>`;
          })
    }</tbody>
  </table>
  ${cursorPager(`${b}/busy`, { page, next: scan.next, count: PROCESSES_PER_PAGE, total: scan.total })}
</section>
<section class="panel">
  <h2>Jobs running ${paged ? "on these processes" : "now"} <span class="badge">${work.length}</span></h2>
  <table class="table">
    <thead><tr><th>Process</th><th>TID</th><th>JID</th><th>Queue</th><th>Job</th><th>Arguments</th><th>Progress</th><th>Started</th></tr></thead>
    <tbody>${
      work.length === 0
        ? html`<tr><td colspan="8" class="empty">Nothing is running.</td></tr>`
        : work.map(
            (w, i) => html`<tr class="work">
      <td class="small">${w.process}</td><td>${w.tid}</td><td class="mono">${w.job.jid}</td>
      <td><a href="${b}/queues/${encodeURIComponent(w.queue)}">${w.queue}</a></td>
      <td>${w.job.displayClass}</td><td><code class="args">${truncate(argsText(w.job))}</code></td>
      <td class="progress">${progressText(progress[i])}</td>
      <td>${relativeTime(w.run_at * 1000, ctx.nowMs)}</td></tr>`,
          )
    }</tbody>
  </table>
</section>`;
    });
  });

  app.post("/busy", async (c) => {
    const read = await readForm(c, busyForm);
    if ("refused" in read) return read.refused;
    const { action, identity } = read.form;
    const set = new ProcessSet(c.get("api"));
    const targets = identity
      ? [await set.get(identity)].filter((p) => p !== undefined)
      : await set.list({ clean: false });
    for (const p of targets) {
      if (p.embedded) continue;
      await (action === "quiet" ? p.quiet() : p.stop());
    }
    return back(c, "/busy");
  });
}

/** A job's progress as recorded by `ctx.progress`: a number reads as a percentage. */
function progressText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return `${Math.round(value * 10) / 10}%`;
  return truncate(typeof value === "string" ? value : JSON.stringify(value), 200);
}
