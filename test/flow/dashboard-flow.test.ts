// The dashboard's flow control over HTTP: Pause/Resume and cap forms on a queue's page (CSRF-
// protected posts), and the Flow page listing paused and capped queues, unique locks (count,
// refused pushes, a job's lock) and limiter states, with job data escaped.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { Queue } from "../../src/api/queue";
import { Client } from "../../src/core/client";
import { uniqueJobs } from "../../src/core/unique";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import { Limiter } from "../../src/worker/limiter";
import { useTestRedis } from "../helpers/redis";
import { serve } from "../web/serve";

const t = await useTestRedis();
const redis = fromIoredis(t.redis);
const client = new Client({ redis, unique: uniqueJobs });
const AUTH = { username: "admin", password: "flow-pass" };
const GOOD = { authorization: `Basic ${Buffer.from("admin:flow-pass").toString("base64")}` };
const server = await serve(dashboard({ redis, auth: AUTH }));
afterAll(() => server.close());
beforeEach(() => t.flush());

async function get(path: string) {
  const res = await fetch(`${server.url}${path}`, { headers: GOOD });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("edgekiq_csrf="));
  const page = await res.text();
  return {
    status: res.status,
    page,
    cookie: cookie?.split(";")[0] ?? "",
    token: page.match(/name="authenticity_token" value="([^"]+)"/)?.[1] ?? "",
  };
}

function post(path: string, form: Record<string, string>, cookie: string) {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    body: new URLSearchParams(form),
    redirect: "manual",
    headers: { ...GOOD, cookie, "content-type": "application/x-www-form-urlencoded" },
  });
}

describe("queue page flow controls", () => {
  it("pauses, resumes and caps a queue through CSRF-checked posts", async () => {
    await client.push({ class: "Job", args: [], queue: "mail" });
    const queue = new Queue("mail", { redis });
    const s = await get("/queues/mail");
    expect(s.page).toContain('value="pause"');
    const pause = await post(
      "/queues/mail/flow",
      { action: "pause", authenticity_token: s.token },
      s.cookie,
    );
    expect(pause.status).toBe(303);
    expect(await queue.isPaused()).toBe(true);
    const after = await get("/queues/mail");
    expect(after.page).toContain('value="resume"');
    expect(after.page).toContain("Ruby Sidekiq processes keep fetching");
    await post(
      "/queues/mail/flow",
      { action: "limit", limit: "4", authenticity_token: s.token },
      s.cookie,
    );
    expect(await queue.limit()).toBe(4);
    await post("/queues/mail/flow", { action: "resume", authenticity_token: s.token }, s.cookie);
    expect(await queue.isPaused()).toBe(false);
    await post(
      "/queues/mail/flow",
      { action: "limit", limit: "", authenticity_token: s.token },
      s.cookie,
    );
    expect(await queue.limit()).toBeUndefined();
    // Without the token: refused, nothing changes.
    const forged = await post("/queues/mail/flow", { action: "pause" }, s.cookie);
    expect(forged.status).toBe(403);
    expect(await queue.isPaused()).toBe(false);
    // A bad cap is a 400 naming the field.
    const bad = await post(
      "/queues/mail/flow",
      { action: "limit", limit: "-1", authenticity_token: s.token },
      s.cookie,
    );
    expect(bad.status).toBe(400);
  });
});

describe("the Flow page", () => {
  it("lists paused and capped queues, unique locks and limiters, escaping names", async () => {
    await new Queue("<b>held</b>", { redis }).pause();
    await new Queue("capped", { redis }).setLimit(2);
    const jid = await client.push({ class: "U", args: [1, "x"], unique: { for: 60 } });
    await client.push({ class: "U", args: [1, "x"], unique: { for: 60 } });
    await Limiter.window("<i>api</i>", 10, 60, { redis, waitTimeout: 0 }).within(() => 1);
    const { status, page } = await get("/flow");
    expect(status).toBe(200);
    expect(page).toContain("&lt;b&gt;held&lt;/b&gt;");
    expect(page).not.toContain("<b>held</b>");
    expect(page).toContain("at most 2 running");
    expect(page).toMatch(/data-flow="locks">1</);
    expect(page).toMatch(/data-flow="duplicates">1</);
    expect(page).toContain("&lt;i&gt;api&lt;/i&gt;");
    const lookup = await get(`/flow?class=U&queue=default&args=${encodeURIComponent('[1,"x"]')}`);
    expect(lookup.page).toContain(`Held by <span class="mono">${jid}</span>`);
    const none = await get(`/flow?class=U&args=${encodeURIComponent("[2]")}`);
    expect(none.page).toContain("No lock held for this job.");
  });
});
