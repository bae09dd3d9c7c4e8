/**
 * The page shell: head (our bundled CSS and JS only; no inline script or style), the navigation
 * tabs, the summary bar of counters and the footer. `PageContext` carries what every page needs:
 * the base path for links and the CSRF token for forms.
 */
import type { StatsSummary } from "../api/stats";
import { ASSETS } from "./assets.gen";
import { CSRF_FIELD } from "./csrf";
import { formatNumber, utcTime } from "./format";
import { html, type SafeHtml } from "./html";

export interface PageContext {
  /** The dashboard's mount path, no trailing slash ("" at the root). */
  base: string;
  csrfToken: string;
  stats: StatsSummary;
  nowMs: number;
}

const TABS = [
  ["", "Dashboard"],
  ["/busy", "Busy"],
  ["/queues", "Queues"],
  ["/retries", "Retries"],
  ["/scheduled", "Scheduled"],
  ["/morgue", "Dead"],
  ["/metrics", "Metrics"],
  ["/periodic", "Periodic"],
  ["/batches", "Batches"],
  ["/flow", "Flow"],
] as const;

export function assetUrl(base: string, name: keyof typeof ASSETS): string {
  return `${base}/assets/${name}?v=${ASSETS[name].hash}`;
}

/** A POST form with the CSRF token; `confirm` asks the user first (handled by app.js). */
export function postForm(
  ctx: PageContext,
  action: string,
  body: SafeHtml,
  options: { confirm?: string; className?: string } = {},
): SafeHtml {
  return html`<form method="post" action="${action}" class="${options.className ?? "inline"}"${
    options.confirm ? html` data-confirm="${options.confirm}"` : ""
  }><input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrfToken}">${body}</form>`;
}

export function layout(
  ctx: PageContext,
  active: string,
  title: string,
  content: SafeHtml,
): SafeHtml {
  const s = ctx.stats;
  const box = (key: string, label: string, value: number, href: string) =>
    html`<a class="stat" href="${ctx.base}${href}"><span class="count" data-stat="${key}">${formatNumber(value)}</span><span class="label">${label}</span></a>`;
  // With very many queues or processes the sums cover the first 1,000 (a lower bound); say so.
  const of = (label: string, counted: number, total: number, what: string) =>
    counted < total
      ? `${label} in ${formatNumber(counted)} of ${formatNumber(total)} ${what}`
      : label;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · edgekiq</title>
<link rel="icon" type="image/svg+xml" href="${assetUrl(ctx.base, "favicon.svg")}">
<link rel="stylesheet" href="${assetUrl(ctx.base, "app.css")}">
<script src="${assetUrl(ctx.base, "app.js")}" defer></script>
</head>
<body data-base="${ctx.base}">
<header class="navbar">
  <a class="brand" href="${ctx.base}/">edgekiq</a>
  <nav class="tabs">${TABS.map(
    ([href, label]) =>
      html`<a href="${ctx.base}${href || "/"}" class="${href === active ? "active" : ""}">${label}</a>`,
  )}</nav>
  <form class="search" method="get" action="${ctx.base}/search" role="search">
    <input type="search" name="jid" placeholder="Find a job by JID" aria-label="JID" maxlength="100">
  </form>
</header>
<section class="summary">
  ${box("processed", "Processed", s.processed, "/")}
  ${box("failed", "Failed", s.failed, "/")}
  ${box("busy", of("Busy", s.processesCounted, s.processes, "processes"), s.busy, "/busy")}
  ${box("enqueued", of("Enqueued", s.queuesCounted, s.queueCount, "queues"), s.enqueued, "/queues")}
  ${box("retries", "Retries", s.retries, "/retries")}
  ${box("scheduled", "Scheduled", s.scheduled, "/scheduled")}
  ${box("dead", "Dead", s.dead, "/morgue")}
</section>
<main class="container">
${content}
</main>
<footer class="footer">edgekiq · Sidekiq-compatible · <span data-server-time>${utcTime(ctx.nowMs)}</span></footer>
</body>
</html>`;
}

/** Pager links for a list of `total` items, `count` per page. */
export function pager(url: string, page: number, count: number, total: number): SafeHtml {
  const pages = Math.max(1, Math.ceil(total / count));
  if (pages <= 1) return html``;
  const sep = url.includes("?") ? "&" : "?";
  const link = (p: number, label: string, current = false) =>
    current
      ? html`<span class="page current">${label}</span>`
      : html`<a class="page" href="${url}${sep}page=${p}">${label}</a>`;
  const parts: SafeHtml[] = [];
  if (page > 1) parts.push(link(1, "«"), link(page - 1, "‹"));
  for (let p = Math.max(1, page - 2); p <= Math.min(pages, page + 2); p++) {
    parts.push(link(p, String(p), p === page));
  }
  if (page < pages) parts.push(link(page + 1, "›"), link(pages, "»"));
  return html`<nav class="pager" aria-label="Pages">${parts}</nav>`;
}

/**
 * Links for a list walked by SCAN cursor (no page can be jumped to): the first window, the next
 * one, and where this one is among about `total / count` windows when `total` is known. `url`
 * may carry a query.
 */
export function cursorPager(
  url: string,
  window: { page: number; next: string | undefined; count: number; total?: number },
): SafeHtml {
  const { page, next, count, total } = window;
  if (page === 1 && next === undefined) return html``;
  const sep = url.includes("?") ? "&" : "?";
  const of =
    total === undefined
      ? ""
      : ` of about ${formatNumber(Math.max(page, Math.ceil(total / count)))}`;
  return html`<nav class="pager" aria-label="Pages">${
    page > 1 ? html`<a class="page" href="${url}">«</a>` : ""
  }<span class="page current">Page ${formatNumber(page)}${of}</span>${
    next === undefined
      ? ""
      : html`<a class="page next" rel="next" href="${url}${sep}cursor=${next}&amp;page=${page + 1}">›</a>`
  }</nav>`;
}
