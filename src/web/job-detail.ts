/**
 * One job's detail, the same on every page that shows one (a job waiting in a queue; a scheduled,
 * retry or dead entry): its fields, arguments, error, backtrace and payload, under a heading with
 * the page's action buttons, and the "Job not found" page for a job that has gone.
 *
 * The backtrace is what the job stores: Sidekiq (and our worker) keep one only for jobs that set
 * `backtrace`, so the page says when none is stored instead of leaving a silent gap.
 */
import type { JobRecord } from "../api/job-record";
import { rawArrayItems } from "../core/raw-json";
import { argsText, relativeTime, truncate, utcTime } from "./format";
import { html, type SafeHtml } from "./html";
import type { PageContext } from "./layout";
import { prettyJson } from "./pretty-json";
import { renderPage, type WebContext } from "./web-env";

type Cell = SafeHtml | string | number | undefined;

/** An absolute UTC time with the relative one beside it. */
export function timeCell(ctx: PageContext, date: Date | undefined): SafeHtml | undefined {
  if (!date) return undefined;
  const ms = date.getTime();
  return html`${utcTime(ms)} <span class="muted">(${relativeTime(ms, ctx.nowMs)})</span>`;
}

export async function jobDetail(
  ctx: PageContext,
  job: JobRecord,
  options: {
    /** The action buttons (a form) beside the heading. */
    actions: SafeHtml;
    /** Rows shown after "Enqueued at", e.g. the set's time ("Next retry"). */
    extra?: readonly (readonly [string, Cell])[];
  },
): Promise<SafeHtml> {
  const row = (label: string, value: Cell) =>
    value === undefined || value === "" ? "" : html`<tr><th>${label}</th><td>${value}</td></tr>`;
  return html`<section class="panel job-detail">
<div class="panel-head"><h2>${job.displayClass}</h2><div>${options.actions}</div></div>
<table class="table detail">
  ${row("Queue", job.parseError ? undefined : job.queue)}
  ${row("Job", job.klass)}
  ${row("Arguments", html`<pre class="args">${job.parseError ? job.value : argsDetail(job)}</pre>`)}
  ${row("Encrypted", job.encryptionKey === undefined ? undefined : html`<span class="label-tag">encrypted</span> AES-256-GCM, key ${job.encryptionKey}: only workers holding the key can read these arguments`)}
  ${row("JID", html`<span class="mono">${job.jid}</span>`)}
  ${row("Tags", job.tags.length ? html`${job.tags.map((t) => html`<span class="label-tag">${t}</span> `)}` : undefined)}
  ${row("Created at", timeCell(ctx, job.createdAt))}
  ${row("Enqueued at", timeCell(ctx, job.enqueuedAt))}
  ${(options.extra ?? []).map(([label, value]) => row(label, value))}
  ${row("Retry count", job.retryCount)}
  ${row("Failed at", timeCell(ctx, job.failedAt))}
  ${row("Retried at", timeCell(ctx, job.retriedAt))}
  ${row("Error class", job.errorClass)}
  ${row("Error message", job.errorMessage === undefined ? undefined : html`<pre class="error-message">${job.errorMessage}</pre>`)}
  ${row("Invalid payload", job.parseError)}
</table>
<h3>Backtrace</h3>
${await backtraceSection(job)}
<details><summary>Payload</summary><pre class="payload">${job.parseError ? job.value : prettyJson(job.value)}</pre></details>
<details><summary>Raw payload</summary><pre class="payload raw">${job.value}</pre></details>
</section>`;
}

/** A 404 page for a job that is no longer where the link pointed. */
export function jobNotFound(
  c: WebContext,
  active: string,
  back: { path: string; label: string },
): Promise<Response> {
  return renderPage(
    c,
    active,
    "Job not found",
    (ctx) =>
      html`<section class="panel"><h2>Job not found</h2><p>It may have run, been retried, deleted or moved already.</p><p><a class="btn" href="${ctx.base}${back.path}">Back to ${back.label}</a></p></section>`,
    404,
  );
}

async function backtraceSection(job: JobRecord): Promise<SafeHtml> {
  const lines = await job.errorBacktrace();
  if (lines) return html`<pre class="backtrace">${lines.join("\n")}</pre>`;
  const stored = job.item.error_backtrace;
  if (stored !== undefined && stored !== null && stored !== "") {
    // Not base64+zlib JSON (a Sidekiq 5 Marshal dump, or damage): show the bytes, not nothing.
    return html`<p class="no-backtrace">The stored backtrace could not be decoded; as stored:</p><pre class="backtrace raw">${truncate(typeof stored === "string" ? stored : JSON.stringify(stored))}</pre>`;
  }
  return html`<p class="no-backtrace">No backtrace stored.${
    job.errorClass === undefined
      ? ""
      : html` Sidekiq keeps one only for jobs that set <code>backtrace: true</code> (or a number of lines).`
  }</p>`;
}

/** ActiveJob's arguments one per line for reading; else the stored `args` as they are. */
function argsDetail(job: JobRecord): string {
  if (job.displayArgs === job.args) return argsText(job);
  return rawArrayItems(argsText(job))
    .map((a) => prettyJson(a))
    .join("\n");
}
