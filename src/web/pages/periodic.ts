/**
 * Periodic (`GET /periodic`, issue 15): the periodic entries the fleet declares (workers and edge
 * ticks), with schedule, job, last and next run and state, and per entry Enqueue now and
 * Pause/Unpause; `GET /periodic/:name` adds the entry's newest runs with their jids.
 * `POST /periodic/:name` acts (CSRF-checked by the dashboard like every POST). Entry names,
 * classes and arguments are data anyone with an enqueue token may write: escaped like job data.
 */
import type { Hono } from "hono";
import * as v from "valibot";
import { type PeriodicInfo, PeriodicSet } from "../../api/periodic-set";
import { oneOf } from "../../core/config-check";
import { formatNumber, relativeTime, truncate, utcTime } from "../format";
import { readForm } from "../forms";
import { html, type SafeHtml } from "../html";
import { type PageContext, postForm } from "../layout";
import { back, renderPage, type WebEnv } from "../web-env";

const periodicForm = v.object({ action: oneOf(["pause", "unpause", "enqueue"]) });
const RUNS_SHOWN = 25;

export function periodicRoutes(app: Hono<WebEnv>): void {
  app.get("/periodic", async (c) => {
    const entries = await new PeriodicSet(c.get("api")).list();
    return renderPage(
      c,
      "/periodic",
      "Periodic",
      (
        ctx,
      ) => html`<section class="panel"><h2>Periodic jobs <span class="badge">${formatNumber(entries.length)}</span></h2>
<table class="table">
  <thead><tr><th>Name</th><th>Schedule</th><th>Job</th><th>Last run</th><th>Next run</th><th></th></tr></thead>
  <tbody>${
    entries.length === 0
      ? html`<tr><td colspan="6" class="empty">No periodic jobs are declared. Workers declare theirs while they run; cronTick on each call.</td></tr>`
      : entries.map((e) => row(ctx, e))
  }</tbody>
</table></section>`,
    );
  });

  app.get("/periodic/:name", async (c) => {
    const name = c.req.param("name");
    const set = new PeriodicSet(c.get("api"));
    const entry = await set.get(name);
    if (!entry) {
      return renderPage(
        c,
        "/periodic",
        "Not found",
        () =>
          html`<section class="panel"><h2>No periodic job <span class="mono">${name}</span></h2><p class="muted">No running process or edge tick declares it.</p></section>`,
        404,
      );
    }
    const runs = await set.runs(name, RUNS_SHOWN);
    return renderPage(
      c,
      "/periodic",
      `Periodic ${name}`,
      (ctx) => html`<section class="panel">
<div class="panel-head"><h2>Periodic <span class="mono">${name}</span>${entry.paused ? html` <span class="label-tag warn">paused</span>` : ""}</h2><div>${controls(ctx, entry)}</div></div>
<table class="table"><tbody>
  <tr><th>Schedule</th><td><code>${entry.cron}</code> ${entry.tz ?? "UTC"}</td></tr>
  <tr><th>Job</th><td>${entry.class} on <a href="${ctx.base}/queues/${encodeURIComponent(entry.queue)}">${entry.queue}</a></td></tr>
  <tr><th>Arguments</th><td><code class="args">${truncate(JSON.stringify(entry.args))}</code></td></tr>
  <tr><th>Missed ticks</th><td>${entry.missed === "all" ? `all, at most ${entry.maxMissed}` : "the latest only"}</td></tr>
  <tr><th>Last run</th><td>${when(entry.lastTick, ctx.nowMs)}</td></tr>
  <tr><th>Next run</th><td>${entry.paused ? "paused" : when(entry.nextTick, ctx.nowMs)}</td></tr>
</tbody></table></section>
<section class="panel"><h2>Newest runs <span class="badge">${runs.length}</span></h2>
<table class="table">
  <thead><tr><th>Tick</th><th>JID</th><th>Enqueued</th></tr></thead>
  <tbody>${
    runs.length === 0
      ? html`<tr><td colspan="3" class="empty">No run yet.</td></tr>`
      : runs.map(
          (
            r,
          ) => html`<tr class="run"><td>${utcTime(r.at)}${r.manual ? html` <span class="label-tag">enqueued now</span>` : ""}</td>
    <td class="mono"><a href="${ctx.base}/search?jid=${encodeURIComponent(r.jid)}">${r.jid}</a></td>
    <td>${relativeTime(r.enqueuedAt, ctx.nowMs)}</td></tr>`,
        )
  }</tbody>
</table></section>`,
    );
  });

  app.post("/periodic/:name", async (c) => {
    const name = c.req.param("name");
    const read = await readForm(c, periodicForm);
    if ("refused" in read) return read.refused;
    const set = new PeriodicSet(c.get("api"));
    const { action } = read.form;
    const done =
      action === "enqueue"
        ? (await set.enqueueNow(name)) !== undefined
        : action === "pause"
          ? await set.pause(name)
          : await set.unpause(name);
    if (!done) return c.text("Not found: no such periodic job\n", 404);
    return back(c, action === "enqueue" ? `/periodic/${encodeURIComponent(name)}` : "/periodic");
  });
}

function row(ctx: PageContext, e: PeriodicInfo): SafeHtml {
  const b = ctx.base;
  return html`<tr class="periodic" data-name="${e.name}">
    <td><a href="${b}/periodic/${encodeURIComponent(e.name)}">${e.name}</a>${e.paused ? html` <span class="label-tag warn">paused</span>` : ""}</td>
    <td><code>${e.cron}</code><div class="muted small">${e.tz ?? "UTC"}</div></td>
    <td>${e.class}<div class="muted small">${e.queue} · <code class="args">${truncate(JSON.stringify(e.args), 200)}</code></div></td>
    <td>${when(e.lastTick, ctx.nowMs)}</td>
    <td>${e.paused ? html`<span class="muted">paused</span>` : when(e.nextTick, ctx.nowMs)}</td>
    <td class="actions">${controls(ctx, e)}</td>
  </tr>`;
}

function controls(ctx: PageContext, e: PeriodicInfo): SafeHtml {
  const url = `${ctx.base}/periodic/${encodeURIComponent(e.name)}`;
  return html`${postForm(ctx, url, html`<button class="btn" name="action" value="enqueue">Enqueue now</button>`, { confirm: `Enqueue ${e.name} now?` })}${postForm(
    ctx,
    url,
    e.paused
      ? html`<button class="btn" name="action" value="unpause">Unpause</button>`
      : html`<button class="btn danger" name="action" value="pause">Pause</button>`,
  )}`;
}

function when(ms: number | undefined, nowMs: number): SafeHtml {
  return ms === undefined
    ? html`<span class="muted">never</span>`
    : html`<span title="${utcTime(ms)}">${relativeTime(ms, nowMs)}</span>`;
}
