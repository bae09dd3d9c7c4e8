/**
 * Batches (`GET /batches`, `GET /batches/:bid`): every live batch with its progress, and one
 * batch's detail: counts, a progress bar (a `<progress>` element, no inline style under our CSP),
 * its parent and children, and the jobs failing now, each linked to where it is (the JID search
 * finds it in retries, dead or a queue). Reads only; nothing here changes a batch.
 */
import type { Hono } from "hono";
import { BatchSet, type BatchStatus } from "../../api/batch-set";
import { formatNumber, relativeTime, truncate } from "../format";
import { html } from "../html";
import { type PageContext, pager } from "../layout";
import { intParam, renderPage, type WebEnv } from "../web-env";

const PER_PAGE = 25;

function state(s: BatchStatus) {
  if (s.success) return html`<span class="label-tag ok">success</span>`;
  if (s.death) return html`<span class="label-tag warn">dead jobs</span>`;
  if (s.complete) return html`<span class="label-tag warn">complete, failures</span>`;
  return html`<span class="label-tag">running</span>`;
}

function progress(s: BatchStatus) {
  const done = s.total - s.pending;
  return html`<progress class="batch-progress" max="${Math.max(1, s.total)}" value="${done}" aria-label="${done} of ${s.total} done"></progress> <span class="small">${formatNumber(done)} / ${formatNumber(s.total)}</span>`;
}

function batchLink(ctx: PageContext, bid: string) {
  return html`<a class="mono" href="${ctx.base}/batches/${encodeURIComponent(bid)}">${bid}</a>`;
}

export function batchRoutes(app: Hono<WebEnv>): void {
  app.get("/batches", async (c) => {
    const page = intParam(c.req.query("page"), 1);
    const list = await new BatchSet(c.get("api")).page(page, PER_PAGE);
    return renderPage(
      c,
      "/batches",
      "Batches",
      (ctx) => html`
<section class="panel">
  <h2>Batches <span class="badge">${formatNumber(list.total)}</span></h2>
  <table class="table batches">
    <thead><tr><th>Batch</th><th>Description</th><th>Created</th><th>Progress</th><th>Pending</th><th>Failures</th><th>State</th></tr></thead>
    <tbody>${
      list.items.length === 0
        ? html`<tr><td colspan="7" class="empty">No batches.</td></tr>`
        : list.items.map(
            (s) => html`<tr class="batch" data-bid="${s.bid}">
      <td>${batchLink(ctx, s.bid)}</td><td>${truncate(s.description ?? "", 200)}</td>
      <td>${relativeTime(s.created_at * 1000, ctx.nowMs)}</td><td>${progress(s)}</td>
      <td>${formatNumber(s.pending)}</td><td>${formatNumber(s.failures)}</td><td>${state(s)}</td></tr>`,
          )
    }</tbody>
  </table>
  ${pager(`${ctx.base}/batches`, list.page, PER_PAGE, list.total)}
</section>`,
    );
  });

  app.get("/batches/:bid", async (c) => {
    const bid = c.req.param("bid");
    const s = await new BatchSet(c.get("api")).find(bid);
    if (!s) {
      return renderPage(
        c,
        "/batches",
        "Batch not found",
        () =>
          html`<section class="panel"><h2>Batch not found</h2><p class="empty">No batch ${bid}: it never existed or it expired.</p></section>`,
        404,
      );
    }
    return renderPage(
      c,
      "/batches",
      `Batch ${bid}`,
      (ctx) => html`
<section class="panel batch-detail" data-bid="${s.bid}">
  <h2>Batch <span class="mono">${s.bid}</span> ${state(s)}</h2>
  <p>${s.description ?? ""}</p>
  <p>${progress(s)}</p>
  <table class="table kv">
    <tbody>
      <tr><th>Created</th><td>${relativeTime(s.created_at * 1000, ctx.nowMs)}</td></tr>
      <tr><th>Total</th><td data-field="total">${formatNumber(s.total)}</td></tr>
      <tr><th>Pending</th><td data-field="pending">${formatNumber(s.pending)}</td></tr>
      <tr><th>Failures</th><td data-field="failures">${formatNumber(s.failures)}</td></tr>
      <tr><th>Complete</th><td>${s.complete_at ? relativeTime(s.complete_at * 1000, ctx.nowMs) : "no"}</td></tr>
      <tr><th>Succeeded</th><td>${s.success_at ? relativeTime(s.success_at * 1000, ctx.nowMs) : "no"}</td></tr>
      <tr><th>Parent</th><td>${s.parent ? batchLink(ctx, s.parent) : "none"}</td></tr>
      <tr><th>Children</th><td class="children">${s.children.length === 0 ? "none" : s.children.map((k) => html`${batchLink(ctx, k)} `)}</td></tr>
      <tr><th>Expires</th><td>in ${formatNumber(Math.round(s.expires_in / 3600))} h</td></tr>
    </tbody>
  </table>
</section>
<section class="panel">
  <h2>Failing now <span class="badge">${s.failed.length}</span></h2>
  <table class="table failed">
    <thead><tr><th>JID</th><th>Error</th><th>Message</th><th>State</th></tr></thead>
    <tbody>${
      s.failed.length === 0
        ? html`<tr><td colspan="4" class="empty">No failing jobs.</td></tr>`
        : s.failed.map(
            (f) => html`<tr class="failed-job">
      <td>${
        f.jid.startsWith("b:")
          ? batchLink(ctx, f.jid.slice(2))
          : html`<a class="mono" href="${ctx.base}/search?jid=${encodeURIComponent(f.jid)}">${f.jid}</a>`
      }</td>
      <td>${f.error_class}</td><td>${truncate(f.error_message, 500)}</td>
      <td>${f.dead ? html`<a href="${ctx.base}/morgue">dead</a>` : html`<a href="${ctx.base}/retries">retrying</a>`}</td></tr>`,
          )
    }</tbody>
  </table>
</section>`,
    );
  });
}
