/**
 * Scheduled, Retries and Dead (Sidekiq's `/scheduled`, `/retries`, `/morgue`), one module for
 * the three sorted sets:
 *
 * 1. `GET /<set>`: a page of entries with checkboxes and bulk buttons, optionally only those
 *    whose JSON contains `?substr=` (Sidekiq 7's filter: ZSCAN MATCH); `GET /<set>/:key`: one
 *    job's detail (see job-detail.ts) with its action buttons. Key = `<score>-<jid>`.
 * 2. `POST /<set>/:key`, `POST /<set>` (bulk `key`s) and `POST /<set>/all/<action>`: retry now,
 *    add to queue, delete, kill. Each entry is re-read from Redis and acted on by its exact
 *    stored string, so a stale page cannot act on a job that changed.
 */
import type { Hono } from "hono";
import { DeadSet, type JobSet, RetrySet, ScheduledSet, type SortedEntry } from "../../api/job-set";
import type { Page } from "../../api/queue";
import { argsText, formatNumber, relativeTime, truncate } from "../format";
import { readForm, setForm } from "../forms";
import { html, type SafeHtml } from "../html";
import { jobDetail, jobNotFound, timeCell } from "../job-detail";
import { type PageContext, pager, postForm } from "../layout";
import {
  back,
  filterParam,
  intParam,
  MAX_FILTER,
  renderPage,
  type WebContext,
  type WebEnv,
} from "../web-env";

type Action = "retry" | "add_to_queue" | "delete" | "kill";

interface SetPage {
  path: "/scheduled" | "/retries" | "/morgue";
  title: string;
  make: (c: WebContext) => JobSet;
  /** Dead: latest death first. */
  reverse: boolean;
  /** Column heading for the score. */
  when: string;
  actions: readonly Action[];
  bulkAll: readonly Action[];
  showError: boolean;
}

const SETS: readonly SetPage[] = [
  {
    path: "/scheduled",
    title: "Scheduled",
    make: (c) => new ScheduledSet(c.get("api")),
    reverse: false,
    when: "When",
    actions: ["add_to_queue", "delete"],
    bulkAll: [],
    showError: false,
  },
  {
    path: "/retries",
    title: "Retries",
    make: (c) => new RetrySet(c.get("api")),
    reverse: false,
    when: "Next retry",
    actions: ["retry", "delete", "kill"],
    bulkAll: ["retry", "delete", "kill"],
    showError: true,
  },
  {
    path: "/morgue",
    title: "Dead",
    make: (c) => new DeadSet(c.get("api")),
    reverse: true,
    when: "Last retry",
    actions: ["retry", "delete"],
    bulkAll: ["retry", "delete"],
    showError: true,
  },
];

const LABELS: Record<Action, string> = {
  retry: "Retry now",
  add_to_queue: "Add to queue",
  delete: "Delete",
  kill: "Kill",
};
const PER_PAGE = 25;
/** Matches read for one filtered list (Sidekiq's `JobSet#scan` reads them all; this bounds it). */
const MAX_MATCHES = 1000;

export function jobSetRoutes(app: Hono<WebEnv>): void {
  for (const set of SETS) {
    app.get(set.path, (c) => listPage(c, set));
    app.get(`${set.path}/:key`, (c) => detailPage(c, set));

    app.post(`${set.path}/all/:action`, async (c) => {
      const action = c.req.param("action");
      const jobs = set.make(c);
      if (action === "delete") await jobs.clear();
      else if (action === "retry" && set.bulkAll.includes("retry")) await jobs.retryAll();
      else if (action === "kill" && set.bulkAll.includes("kill")) await jobs.killAll();
      else return c.text("Unknown action\n", 400);
      return back(c, set.path);
    });

    const form = setForm(set.actions);
    app.post(set.path, async (c) => {
      const read = await readForm(c, form);
      if ("refused" in read) return read.refused;
      const jobs = set.make(c);
      const entries = (await Promise.all(read.form.key.map((k) => jobs.fetchByKey(k)))).filter(
        (e): e is SortedEntry => e !== undefined,
      );
      await act(jobs, read.form.action, entries);
      return back(c, set.path);
    });

    app.post(`${set.path}/:key`, async (c) => {
      const read = await readForm(c, form);
      if ("refused" in read) return read.refused;
      const jobs = set.make(c);
      const entry = await jobs.fetchByKey(c.req.param("key"));
      if (entry) await act(jobs, read.form.action, [entry]);
      return back(c, set.path);
    });
  }
}

async function act(jobs: JobSet, action: Action, entries: SortedEntry[]): Promise<void> {
  const values = entries.map((e) => e.value);
  if (values.length === 0) return;
  if (action === "delete") await jobs.deleteValues(values);
  else if (action === "kill") await jobs.killValues(values);
  else {
    // Entries that cannot be enqueued (not JSON) are left where they are.
    const valid = entries.filter((e) => !e.parseError).map((e) => e.value);
    if (valid.length === 0) return;
    if (action === "retry") await jobs.retryValues(valid);
    else await jobs.addValuesToQueue(valid);
  }
}

function entryUrl(ctx: PageContext, set: SetPage, entry: SortedEntry): string {
  return `${ctx.base}${set.path}/${encodeURIComponent(entry.key)}`;
}

function actionButtons(actions: readonly Action[], small = false): SafeHtml {
  return html`${actions.map(
    (a) =>
      html`<button class="btn${a === "delete" || a === "kill" ? " danger" : ""}${small ? " small" : ""}" name="action" value="${a}">${LABELS[a]}</button>`,
  )}`;
}

/**
 * One page of the entries whose JSON contains `text`, in the unfiltered list's order. ZSCAN finds
 * them in no order (and may return one twice), so up to MAX_MATCHES are read, sorted and sliced.
 */
async function matchingPage(
  jobs: JobSet,
  text: string,
  page: number,
  reverse: boolean,
): Promise<Page<SortedEntry> & { capped: boolean }> {
  const found = await jobs.scan(text, MAX_MATCHES);
  const unique = [...new Map(found.map((e) => [e.value, e])).values()];
  const order = reverse ? -1 : 1;
  unique.sort((a, b) => order * (a.score - b.score || (a.value < b.value ? -1 : 1)));
  const start = (page - 1) * PER_PAGE;
  return {
    page,
    total: unique.length,
    items: unique.slice(start, start + PER_PAGE),
    capped: found.length >= MAX_MATCHES,
  };
}

async function listPage(c: WebContext, set: SetPage): Promise<Response> {
  const current = intParam(c.req.query("page"), 1);
  const substr = filterParam(c);
  const jobs = set.make(c);
  const page = substr
    ? await matchingPage(jobs, substr, current, set.reverse)
    : { ...(await jobs.page(current, PER_PAGE, { reverse: set.reverse })), capped: false };
  return renderPage(c, set.path, set.title, (ctx) => {
    const self = `${ctx.base}${set.path}`;
    const cols = set.showError ? 7 : 6;
    const empty = substr
      ? html`No ${set.title.toLowerCase()} jobs contain <span class="mono">${substr}</span>.`
      : html`No ${set.title.toLowerCase()} jobs.`;
    const rows =
      page.items.length === 0
        ? html`<tr><td colspan="${cols}" class="empty">${empty}</td></tr>`
        : page.items.map(
            (e) => html`<tr class="entry" data-jid="${e.jid}">
    <td><input type="checkbox" name="key" value="${e.key}" aria-label="Select ${e.jid}"></td>
    <td><a href="${entryUrl(ctx, set, e)}">${relativeTime(e.score * 1000, ctx.nowMs)}</a></td>
    <td>${e.parseError ? "" : html`<a href="${ctx.base}/queues/${encodeURIComponent(e.queue)}">${e.queue}</a>`}</td>
    <td><a href="${entryUrl(ctx, set, e)}">${e.parseError ? "(invalid JSON)" : e.displayClass}</a></td>
    <td>${e.encryptionKey === undefined ? "" : html`<span class="label-tag" title="encrypted arguments">encrypted</span> `}<code class="args">${e.parseError ? truncate(e.value, 300) : truncate(argsText(e))}</code></td>
    ${set.showError ? html`<td class="error">${e.errorClass ? html`<strong>${e.errorClass}</strong>: ` : ""}${truncate(e.errorMessage ?? "", 200)}</td>` : ""}
    <td>${e.retryCount ?? ""}</td>
  </tr>`,
          );
    const bulkAll = set.bulkAll.map((a) =>
      postForm(
        ctx,
        `${self}/all/${a}`,
        html`<button class="btn${a === "delete" || a === "kill" ? " danger" : ""}">${a === "delete" ? "Delete all" : a === "kill" ? "Kill all" : "Retry all"}</button>`,
        { confirm: `${LABELS[a]}: every ${set.title.toLowerCase()} job?` },
      ),
    );
    // While filtering, the "all" buttons are hidden: they act on the whole set, not the matches.
    return html`<section class="panel">
<div class="panel-head"><h2>${set.title} <span class="badge">${formatNumber(page.total)}</span></h2><div>${page.total > 0 && !substr ? bulkAll : ""}</div></div>
<form class="filter" method="get" action="${self}" role="search">
  <input type="search" name="substr" value="${substr}" placeholder="Filter by any text in the job" aria-label="Filter ${set.title.toLowerCase()} jobs" maxlength="${MAX_FILTER}">
  <button class="btn">Filter</button>${substr ? html`<a class="btn" href="${self}">Clear</a>` : ""}
</form>
${page.capped ? html`<p class="muted small">Only the first ${formatNumber(MAX_MATCHES)} matches are shown; narrow the filter to see others.</p>` : ""}
${postForm(
  ctx,
  self,
  html`<div class="bulk">${actionButtons(set.actions, true)} <span class="muted small">on the selected jobs</span></div>
<table class="table">
  <thead><tr><th><input type="checkbox" class="check-all" aria-label="Select all"></th><th>${set.when}</th><th>Queue</th><th>Job</th><th>Arguments</th>${set.showError ? html`<th>Error</th>` : ""}<th>Retries</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`,
  { className: "bulk-form", confirm: "Apply to the selected jobs?" },
)}
${pager(substr ? `${self}?substr=${encodeURIComponent(substr)}` : self, page.page, PER_PAGE, page.total)}
</section>`;
  });
}

async function detailPage(c: WebContext, set: SetPage): Promise<Response> {
  const entry = await set.make(c).fetchByKey(c.req.param("key") ?? "");
  if (!entry) return jobNotFound(c, set.path, { path: set.path, label: set.title });
  return renderPage(c, set.path, `${set.title}: ${entry.displayClass}`, (ctx) =>
    jobDetail(ctx, entry, {
      actions: postForm(ctx, entryUrl(ctx, set, entry), actionButtons(set.actions), {
        confirm: "Are you sure?",
      }),
      extra: [[set.when, timeCell(ctx, entry.at)]],
    }),
  );
}
