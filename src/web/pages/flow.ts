/**
 * Flow control (issue 16): `GET /flow` lists paused and capped queues, unique locks (how many,
 * refused pushes, and the lock of a job looked up by class, queue and args) and limiter states;
 * `POST /queues/:name/flow` pauses, resumes, caps or uncaps a queue (CSRF-checked like every
 * post). Only edgekiq processes obey pauses and caps; the pages say so, since Ruby Sidekiq
 * processes keep fetching.
 */
import type { Hono } from "hono";
import * as v from "valibot";
import { limiterStates, UniqueLocks } from "../../api/flow";
import { Queue } from "../../api/queue";
import { formatNumber } from "../format";
import { readForm } from "../forms";
import { html, type SafeHtml } from "../html";
import { type PageContext, postForm } from "../layout";
import { back, MAX_FILTER, renderPage, type WebEnv } from "../web-env";

/** What the queue page's flow buttons post. */
export const queueFlowForm = v.object({
  action: v.picklist(["pause", "resume", "limit"]),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{0,9}$/))),
});

export const RUBY_NOTE =
  "Only edgekiq processes obey pauses and caps; Ruby Sidekiq processes keep fetching.";

/** The Pause/Resume button and the cap form of one queue, for its page. */
export function queueFlowControls(
  ctx: PageContext,
  name: string,
  paused: boolean,
  limit: number | undefined,
): SafeHtml {
  const action = `${ctx.base}/queues/${encodeURIComponent(name)}/flow`;
  return html`${postForm(ctx, action, paused ? html`<button class="btn" name="action" value="resume">Resume</button>` : html`<button class="btn" name="action" value="pause">Pause</button>`)}
  ${postForm(ctx, action, html`<input type="hidden" name="action" value="limit"><input class="cap" type="number" min="0" name="limit" value="${limit === undefined ? "" : String(limit)}" placeholder="no cap" aria-label="Most running across edgekiq processes"><button class="btn">Set cap</button>`)}
  <span class="label-tag" title="${RUBY_NOTE}">${paused ? "paused" : limit === undefined ? "" : `cap ${limit}`}</span>`;
}

export function flowRoutes(app: Hono<WebEnv>): void {
  app.post("/queues/:name/flow", async (c) => {
    const name = c.req.param("name");
    const read = await readForm(c, queueFlowForm);
    if ("refused" in read) return read.refused;
    const queue = new Queue(name, c.get("api"));
    const { action, limit } = read.form;
    if (action === "pause") await queue.pause();
    else if (action === "resume") await queue.unpause();
    else await queue.setLimit(limit ? Number(limit) : null);
    return back(c, `/queues/${encodeURIComponent(name)}`);
  });

  app.get("/flow", async (c) => {
    const api = c.get("api");
    const locks = new UniqueLocks(api);
    const [states, limiters, count, duplicates] = await Promise.all([
      Queue.flowStates(api),
      limiterStates(api),
      // Counting walks the keyspace (SCAN), which read-only users and read tokens may not do:
      // then the count is unknown, and the rest of the page still answers.
      locks.count(10_000).catch(() => undefined),
      locks.duplicates(),
    ]);
    // Lookup of a job's lock by what makes it unique: class, queue and args (JSON).
    const lookClass = (c.req.query("class") ?? "").slice(0, MAX_FILTER);
    const lookQueue = (c.req.query("queue") ?? "default").slice(0, MAX_FILTER) || "default";
    const lookArgs = (c.req.query("args") ?? "").slice(0, 10_000);
    let found: SafeHtml | string = "";
    if (lookClass) {
      let args: unknown;
      try {
        args = JSON.parse(lookArgs || "[]");
      } catch {
        args = undefined;
      }
      if (!Array.isArray(args)) found = html`<p class="empty">The args must be a JSON array.</p>`;
      else {
        const lock = await locks.forArgs(lookClass, lookQueue, args);
        found =
          lock.holder === null
            ? html`<p class="empty lock">No lock held for this job.</p>`
            : html`<p class="lock">Held by <span class="mono">${lock.holder}</span>, ${String(lock.ttl)} s left.</p>`;
      }
    }
    const capped = Object.entries(states.caps).sort(([a], [b]) => a.localeCompare(b));
    return renderPage(c, "/flow", "Flow control", (ctx) => {
      const b = ctx.base;
      const q = (name: string) =>
        html`<a href="${b}/queues/${encodeURIComponent(name)}">${name}</a>`;
      return html`<section class="panel"><h2>Paused and capped queues</h2>
<p class="note">${RUBY_NOTE}</p>
<table class="table"><thead><tr><th>Queue</th><th>State</th></tr></thead><tbody>${
        states.paused.length + capped.length === 0
          ? html`<tr><td colspan="2" class="empty">No queue is paused or capped.</td></tr>`
          : [
              ...states.paused.map(
                (n) => html`<tr class="paused"><td>${q(n)}</td><td>paused</td></tr>`,
              ),
              ...capped.map(
                ([n, cap]) =>
                  html`<tr class="capped"><td>${q(n)}</td><td>at most ${formatNumber(cap)} running</td></tr>`,
              ),
            ]
      }</tbody></table></section>
<section class="panel"><h2>Unique locks <span class="badge" data-flow="locks">${count === undefined ? "?" : formatNumber(count)}</span></h2>
<p>Duplicate pushes refused: <span data-flow="duplicates">${formatNumber(duplicates)}</span></p>
<form method="get" action="${b}/flow" class="search-page"><input name="class" value="${lookClass}" placeholder="Class" aria-label="Job class" maxlength="${MAX_FILTER}"><input name="queue" value="${lookQueue}" aria-label="Queue" maxlength="${MAX_FILTER}"><input name="args" value="${lookArgs}" placeholder="[args as JSON]" aria-label="Args as JSON"><button class="btn">Find lock</button></form>
${found}</section>
<section class="panel"><h2>Limiters</h2>
<table class="table"><thead><tr><th>Name</th><th>Kind</th><th>In use</th><th>Limit</th><th>Over limit</th></tr></thead><tbody>${
        limiters.length === 0
          ? html`<tr><td colspan="5" class="empty">No limiter has been used yet.</td></tr>`
          : limiters.map(
              (l) =>
                html`<tr class="limiter"><td class="mono">${l.name}</td><td>${l.kind}</td><td>${formatNumber(l.inUse)}</td><td>${formatNumber(l.limit)}${l.kind === "concurrent" ? "" : ` per ${l.seconds} s`}</td><td>${formatNumber(l.overLimit)}</td></tr>`,
            )
      }</tbody></table></section>`;
    });
  });
}
