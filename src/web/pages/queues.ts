/**
 * Queues: the list (`GET /queues`) with sizes and latencies and a clear button, 100 queues a page
 * walked by SSCAN cursor (sorted within a page; a name filter when there are many), so a page
 * costs the same with 200,000 queues; one queue (`GET /queues/:name`) page by page, each job
 * linked to its detail (queue-job.ts) and with a delete button; `POST /queues/:name` clears it;
 * `POST /queues/:name/delete` deletes one job,
 * found by jid near the position the page showed and removed by its exact stored string.
 */
import type { Hono } from "hono";
import { Queue } from "../../api/queue";
import { argsText, duration, formatNumber, relativeTime, truncate } from "../format";
import { clearQueueForm, queueJobDeleteForm, readForm } from "../forms";
import { html } from "../html";
import { cursorPager, pager, postForm } from "../layout";
import { back, cursorParam, intParam, MAX_FILTER, renderPage, type WebEnv } from "../web-env";
import { queueFlowControls } from "./flow";
import { deleteQueueJobForm, queueJobUrl } from "./queue-job";

const PER_PAGE = 25;
const QUEUES_PER_PAGE = 100;

export function queueRoutes(app: Hono<WebEnv>): void {
  app.get("/queues", async (c) => {
    const filter = (c.req.query("filter") ?? "").slice(0, MAX_FILTER);
    const page = intParam(c.req.query("page"), 1);
    const scan = await Queue.scan(c.get("api"), {
      cursor: cursorParam(c.req.query("cursor")),
      count: QUEUES_PER_PAGE,
      filter: filter || undefined,
    });
    return renderPage(c, "/queues", "Queues", (ctx) => {
      const b = ctx.base;
      const self = `${b}/queues${filter ? `?filter=${encodeURIComponent(filter)}` : ""}`;
      return html`<section class="panel"><h2>Queues <span class="badge">${formatNumber(scan.total)}</span></h2>
${
  scan.total > QUEUES_PER_PAGE || filter
    ? html`<form class="search-page" method="get" action="${b}/queues" role="search"><input type="search" name="filter" value="${filter}" placeholder="Filter by name" aria-label="Queue name contains" maxlength="${MAX_FILTER}"></form>`
    : ""
}
<table class="table">
  <thead><tr><th>Queue</th><th>Size</th><th>Latency</th><th></th></tr></thead>
  <tbody>${
    scan.queues.length === 0
      ? html`<tr><td colspan="4" class="empty">${filter ? (scan.next ? "None here; see the next page." : "No queue matches.") : "No queues yet."}</td></tr>`
      : scan.queues.map(
          ({ queue: q, size, latency }) => html`<tr class="queue">
    <td><a href="${b}/queues/${encodeURIComponent(q.name)}">${q.name}</a></td>
    <td>${formatNumber(size)}</td><td>${duration(latency)}</td>
    <td class="actions">${postForm(ctx, `${b}/queues/${encodeURIComponent(q.name)}`, html`<button class="btn danger" name="action" value="clear">Delete</button>`, { confirm: `Delete queue ${q.name} and all its jobs?` })}</td>
  </tr>`,
        )
  }</tbody>
</table>
${cursorPager(self, { page, next: scan.next, count: QUEUES_PER_PAGE, total: filter ? undefined : scan.total })}
</section>`;
    });
  });

  app.get("/queues/:name", async (c) => {
    const name = c.req.param("name");
    const queue = new Queue(name, c.get("api"));
    const oldestFirst = c.req.query("direction") === "asc";
    const [page, paused, limit] = await Promise.all([
      queue.page(intParam(c.req.query("page"), 1), PER_PAGE, { oldestFirst }),
      queue.isPaused(),
      queue.limit(),
    ]);
    return renderPage(c, "/queues", `Queue ${name}`, (ctx) => {
      const b = ctx.base;
      const self = `${b}/queues/${encodeURIComponent(name)}`;
      return html`<section class="panel">
<div class="panel-head"><h2>Queue <span class="mono">${name}</span> <span class="badge">${formatNumber(page.total)}</span></h2>
  <div>${queueFlowControls(ctx, name, paused, limit)}
  <a class="btn" href="${self}${oldestFirst ? "" : "?direction=asc"}">${oldestFirst ? "Newest first" : "Oldest first"}</a>
  ${postForm(ctx, self, html`<button class="btn danger" name="action" value="clear">Delete queue</button>`, { confirm: `Delete queue ${name} and all its jobs?` })}</div></div>
<table class="table">
  <thead><tr><th>Job</th><th>Arguments</th><th>JID</th><th>Enqueued</th><th></th></tr></thead>
  <tbody>${
    page.items.length === 0
      ? html`<tr><td colspan="5" class="empty">This queue is empty.</td></tr>`
      : page.items.map(
          (job) => html`<tr class="job" data-jid="${job.jid}">
    <td><a href="${queueJobUrl(b, job)}">${job.displayClass}</a>${job.parseError ? html` <span class="label-tag warn">invalid JSON</span>` : ""}</td>
    <td>${job.encryptionKey === undefined ? "" : html`<span class="label-tag" title="encrypted arguments">encrypted</span> `}<code class="args">${job.parseError ? truncate(job.value, 300) : truncate(argsText(job))}</code></td>
    <td class="mono">${job.jid}</td>
    <td>${job.enqueuedAt ? relativeTime(job.enqueuedAt.getTime(), ctx.nowMs) : ""}</td>
    <td class="actions">${deleteQueueJobForm(ctx, job, { small: true })}</td>
  </tr>`,
        )
  }</tbody>
</table>
${pager(`${self}${oldestFirst ? "?direction=asc" : ""}`, page.page, PER_PAGE, page.total)}
</section>`;
    });
  });

  app.post("/queues/:name", async (c) => {
    const name = c.req.param("name");
    const read = await readForm(c, clearQueueForm);
    if ("refused" in read) return read.refused;
    await new Queue(name, c.get("api")).clear();
    return back(c, "/queues");
  });

  app.post("/queues/:name/delete", async (c) => {
    const name = c.req.param("name");
    const read = await readForm(c, queueJobDeleteForm);
    if ("refused" in read) return read.refused;
    const { jid, index = -1 } = read.form;
    const queue = new Queue(name, c.get("api"));
    // A job without a jid (a payload that is not JSON) is found by its position alone.
    const job = await queue.findJobNear(jid, index);
    if (job) await job.delete();
    return back(c, `/queues/${encodeURIComponent(name)}`);
  });
}
