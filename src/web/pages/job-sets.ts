/**
 * Scheduled, Retries and Dead (Sidekiq's `/scheduled`, `/retries`, `/morgue`), one module for
 * the three sorted sets:
 *
 * 1. `GET /<set>`: a page of entries with checkboxes and bulk buttons; `GET /<set>/:key`: one
 *    job's detail (args, error, decoded backtrace) with its action buttons. Key = `<score>-<jid>`.
 * 2. `POST /<set>/:key`, `POST /<set>` (bulk `key`s) and `POST /<set>/all/<action>`: retry now,
 *    add to queue, delete, kill. Each entry is re-read from Redis and acted on by its exact
 *    stored string, so a stale page cannot act on a job that changed.
 */
import type { Hono } from "hono";
import { DeadSet, type JobSet, RetrySet, ScheduledSet, type SortedEntry } from "../../api/job-set";
import { rawArrayItems } from "../../core/raw-json";
import { argsText, formatNumber, relativeTime, truncate, utcTime } from "../format";
import { html, type SafeHtml } from "../html";
import { type PageContext, pager, postForm } from "../layout";
import { prettyJson } from "../pretty-json";
import { back, intParam, renderPage, type WebContext, type WebEnv } from "../web-env";

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

    app.post(set.path, async (c) => {
      const body = await c.req.parseBody({ all: true });
      const action = toAction(body.action, set);
      if (!action) return c.text("Unknown action\n", 400);
      const keys = ([] as unknown[]).concat(body.key ?? []).filter((k) => typeof k === "string");
      const jobs = set.make(c);
      const entries = (await Promise.all(keys.map((k) => jobs.fetchByKey(k as string)))).filter(
        (e): e is SortedEntry => e !== undefined,
      );
      await act(jobs, action, entries);
      return back(c, set.path);
    });

    app.post(`${set.path}/:key`, async (c) => {
      const body = await c.req.parseBody();
      const action = toAction(body.action, set);
      if (!action) return c.text("Unknown action\n", 400);
      const jobs = set.make(c);
      const entry = await jobs.fetchByKey(c.req.param("key"));
      if (entry) await act(jobs, action, [entry]);
      return back(c, set.path);
    });
  }
}

function toAction(value: unknown, set: SetPage): Action | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return set.actions.find((a) => a === v);
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

async function listPage(c: WebContext, set: SetPage): Promise<Response> {
  const page = await set.make(c).page(intParam(c.req.query("page"), 1), PER_PAGE, {
    reverse: set.reverse,
  });
  return renderPage(c, set.path, set.title, (ctx) => {
    const self = `${ctx.base}${set.path}`;
    const cols = set.showError ? 7 : 6;
    const rows =
      page.items.length === 0
        ? html`<tr><td colspan="${cols}" class="empty">No ${set.title.toLowerCase()} jobs.</td></tr>`
        : page.items.map(
            (e) => html`<tr class="entry" data-jid="${e.jid}">
    <td><input type="checkbox" name="key" value="${e.key}" aria-label="Select ${e.jid}"></td>
    <td><a href="${entryUrl(ctx, set, e)}">${relativeTime(e.score * 1000, ctx.nowMs)}</a></td>
    <td>${e.parseError ? "" : html`<a href="${ctx.base}/queues/${encodeURIComponent(e.queue)}">${e.queue}</a>`}</td>
    <td><a href="${entryUrl(ctx, set, e)}">${e.parseError ? "(invalid JSON)" : e.displayClass}</a></td>
    <td><code class="args">${e.parseError ? truncate(e.value, 300) : truncate(argsText(e))}</code></td>
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
    return html`<section class="panel">
<div class="panel-head"><h2>${set.title} <span class="badge">${formatNumber(page.total)}</span></h2><div>${page.total > 0 ? bulkAll : ""}</div></div>
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
${pager(self, page.page, PER_PAGE, page.total)}
</section>`;
  });
}

async function detailPage(c: WebContext, set: SetPage): Promise<Response> {
  const entry = await set.make(c).fetchByKey(c.req.param("key") ?? "");
  if (!entry) {
    return renderPage(
      c,
      set.path,
      "Job not found",
      (ctx) =>
        html`<section class="panel"><h2>Job not found</h2><p>It may have been retried, deleted or moved already.</p><p><a class="btn" href="${ctx.base}${set.path}">Back to ${set.title}</a></p></section>`,
      404,
    );
  }
  const backtrace = await entry.errorBacktrace();
  return renderPage(c, set.path, `${set.title}: ${entry.displayClass}`, (ctx) => {
    const row = (label: string, value: SafeHtml | string | number | undefined) =>
      value === undefined || value === "" ? "" : html`<tr><th>${label}</th><td>${value}</td></tr>`;
    const time = (d: Date | undefined) =>
      d
        ? html`${utcTime(d.getTime())} <span class="muted">(${relativeTime(d.getTime(), ctx.nowMs)})</span>`
        : undefined;
    return html`<section class="panel job-detail">
<div class="panel-head"><h2>${entry.displayClass}</h2>
  <div>${postForm(ctx, entryUrl(ctx, set, entry), actionButtons(set.actions), {
    confirm: "Are you sure?",
  })}</div></div>
<table class="table detail">
  ${row("Queue", entry.parseError ? undefined : entry.queue)}
  ${row("Job", entry.klass)}
  ${row("Arguments", html`<pre class="args">${entry.parseError ? entry.value : argsDetail(entry)}</pre>`)}
  ${row("JID", html`<span class="mono">${entry.jid}</span>`)}
  ${row("Tags", entry.tags.length ? html`${entry.tags.map((t) => html`<span class="label-tag">${t}</span> `)}` : undefined)}
  ${row("Created at", time(entry.createdAt))}
  ${row("Enqueued at", time(entry.enqueuedAt))}
  ${row(set.when, time(entry.at))}
  ${row("Retry count", entry.retryCount)}
  ${row("Failed at", time(entry.failedAt))}
  ${row("Retried at", time(entry.retriedAt))}
  ${row("Error class", entry.errorClass)}
  ${row("Error message", entry.errorMessage === undefined ? undefined : html`<pre class="error-message">${entry.errorMessage}</pre>`)}
  ${row("Invalid payload", entry.parseError)}
</table>
${backtrace ? html`<h3>Backtrace</h3><pre class="backtrace">${backtrace.join("\n")}</pre>` : ""}
<details><summary>Payload</summary><pre class="payload">${entry.parseError ? entry.value : prettyJson(entry.value)}</pre></details>
<details><summary>Raw payload</summary><pre class="payload raw">${entry.value}</pre></details>
</section>`;
  });
}

/** ActiveJob's arguments one per line for reading; else the stored `args` as they are. */
function argsDetail(entry: SortedEntry): string {
  if (entry.displayArgs === entry.args) return argsText(entry);
  return rawArrayItems(argsText(entry))
    .map((a) => prettyJson(a))
    .join("\n");
}
