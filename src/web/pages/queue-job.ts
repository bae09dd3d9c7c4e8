/**
 * A job waiting in a queue (`GET /queues/:name/jobs/:key`): its detail (job-detail.ts) with a
 * Delete button. Key = `<index>-<jid>`, the position the queue page showed it at and its jid, so
 * the page finds it without its payload in the URL: at that index first, else by jid anywhere
 * (the list shifts as jobs are pushed and taken). Delete posts to the queue page's own
 * `POST /queues/:name/delete` (CSRF-checked like every POST), which removes the exact stored
 * string and returns to the queue.
 */
import type { Hono } from "hono";
import { Queue, type QueueJob } from "../../api/queue";
import { duration } from "../format";
import { html, type SafeHtml } from "../html";
import { jobDetail, jobNotFound } from "../job-detail";
import { type PageContext, postForm } from "../layout";
import { renderPage, type WebEnv } from "../web-env";

/** The detail page's URL for a job as a queue page listed it. */
export function queueJobUrl(base: string, job: QueueJob): string {
  return `${queueUrl(base, job.queueName)}/jobs/${encodeURIComponent(`${job.index}-${job.jid}`)}`;
}

function queueUrl(base: string, name: string): string {
  return `${base}/queues/${encodeURIComponent(name)}`;
}

/** The Delete button for one queued job: its jid and index, never its payload, are posted. */
export function deleteQueueJobForm(
  ctx: PageContext,
  job: QueueJob,
  options: { small?: boolean; confirm?: string } = {},
): SafeHtml {
  return postForm(
    ctx,
    `${queueUrl(ctx.base, job.queueName)}/delete`,
    html`<input type="hidden" name="jid" value="${job.jid}"><input type="hidden" name="index" value="${job.index}"><button class="btn danger${options.small ? " small" : ""}" name="action" value="delete">Delete</button>`,
    { confirm: options.confirm },
  );
}

export function queueJobRoutes(app: Hono<WebEnv>): void {
  app.get("/queues/:name/jobs/:key", async (c) => {
    const name = c.req.param("name");
    const key = c.req.param("key");
    const dash = key.indexOf("-");
    const index = dash > 0 ? Number(key.slice(0, dash)) : Number.NaN;
    const job = Number.isSafeInteger(index)
      ? await new Queue(name, c.get("api")).findJobNear(key.slice(dash + 1), index)
      : undefined;
    if (!job) {
      return jobNotFound(c, "/queues", { path: queueUrl("", name), label: `queue ${name}` });
    }
    return renderPage(c, "/queues", `Queue ${name}: ${job.displayClass}`, (ctx) =>
      jobDetail(ctx, job, {
        actions: deleteQueueJobForm(ctx, job, { confirm: "Delete this job?" }),
        extra: [
          [
            "Waiting",
            job.enqueuedAt || job.createdAt ? duration(job.latency(ctx.nowMs)) : undefined,
          ],
        ],
      }),
    );
  });
}
