// The dashboard's audit trail in real Chromium: each state change a person makes (retry, kill,
// delete, enqueue now, delete a queued job, clear a queue, quiet and stop a process) emits one
// event with the basic-auth user, the action, its target, the client's address (node:http's
// socket, through the Node serve helper) and the outcome; a CSRF-less POST and an
// unauthenticated one are recorded as refused. No password and no job argument in any event.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect } from "vitest";
import { serveNode } from "../../runtimes/node/serve";
import type { Served } from "../../src/cli/runtime";
import type { AuditEvent } from "../../src/core/audit";
import { Client } from "../../src/core/client";
import { dashboard } from "../../src/web/dashboard";
import { itWith, peers } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { launchChromium } from "./chromium";
import { IDENTITY, jid, seed } from "./seed";

const t = await useTestRedis();
const it = itWith("chromium");
const AUTH = { username: "ops", password: "correct horse battery" };
const events: AuditEvent[] = [];
let served: Served | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let base = "";

beforeAll(async () => {
  const app = dashboard({ redis: t.redis, auth: AUTH, onAudit: (e) => void events.push(e) });
  served = await serveNode((request, info) => app.fetch(request, info), {
    hostname: "127.0.0.1",
    port: 0,
  });
  base = served.url;
  if (peers.chromium()) return;
  browser = await launchChromium();
  context = await browser.newContext({ httpCredentials: AUTH });
  context.setDefaultTimeout(10_000);
});
afterAll(async () => {
  await browser?.close();
  await served?.close();
});
beforeEach(async () => {
  await t.flush();
  await seed(t.redis);
  events.length = 0;
});

async function open(path: string): Promise<Page> {
  const page = await context!.newPage();
  page.on("dialog", (d) => void d.accept());
  expect((await page.goto(`${base}${path}`))?.status()).toBe(200);
  return page;
}

/** Opens a set entry's detail page and presses one of its action buttons. */
async function actOnEntry(set: string, entryJid: string, action: string): Promise<void> {
  const page = await open(`/${set}`);
  await page.locator(`tr[data-jid="${entryJid}"] a`).first().click();
  await page.click(`button[value="${action}"]`);
  await page.waitForURL(`${base}/${set}`);
  await page.close();
}

function only(action: string): AuditEvent {
  const found = events.filter((e) => e.action === action);
  expect(found, action).toHaveLength(1);
  return found[0]!;
}

describe("the dashboard's audit trail", () => {
  it("records every action taken in the browser", async () => {
    await actOnEntry("retries", jid(2), "retry");
    await actOnEntry("retries", jid(3), "kill");
    await actOnEntry("morgue", jid(20), "delete");
    const scheduled = await new Client({ redis: t.redis }).push({
      class: "Later",
      args: ["secret-argument"],
      at: Date.now() / 1000 + 3600,
    });
    await actOnEntry("scheduled", scheduled!, "add_to_queue");

    const page = await open("/queues/mailers");
    const mailJid = await page.locator("tr.job").first().getAttribute("data-jid");
    await page.click('tr.job button[value="delete"]');
    await page.waitForURL(`${base}/queues/mailers`);
    await page.goto(`${base}/queues/critical`);
    await page.click('button[value="clear"]');
    await page.waitForURL(`${base}/queues`);
    await page.goto(`${base}/busy`);
    await page.click(`tr[data-identity="${IDENTITY}"] button[value="quiet"]`);
    await page.waitForURL(`${base}/busy`);
    await page.click(`tr[data-identity="${IDENTITY}"] button[value="stop"]`);
    await page.waitForURL(`${base}/busy`);
    await page.close();

    expect(events.map((e) => e.action)).toEqual([
      "retries.retry",
      "retries.kill",
      "morgue.delete",
      "scheduled.enqueue_now",
      "queue.delete_job",
      "queue.clear",
      "process.quiet",
      "process.stop",
    ]);
    expect(only("retries.retry").target).toMatch(new RegExp(`^retries/[0-9.]+-${jid(2)}$`));
    expect(only("morgue.delete").target).toMatch(new RegExp(`^morgue/[0-9.]+-${jid(20)}$`));
    expect(only("scheduled.enqueue_now").target).toContain(scheduled);
    expect(only("queue.delete_job").target).toBe(`mailers/${mailJid}`);
    expect(only("queue.clear").target).toBe("critical");
    expect(only("process.quiet").target).toBe(IDENTITY);
    for (const e of events) {
      expect(e).toMatchObject({
        source: "dashboard",
        actor: "ops",
        client: "127.0.0.1",
        outcome: "ok",
        status: 303,
      });
      expect(Date.parse(e.time)).toBeGreaterThan(Date.now() - 120_000);
    }
    // What happened really happened (the events are not just requests).
    expect(await t.redis.lrange(`${IDENTITY}-signals`, 0, -1)).toEqual(["TERM", "TSTP"]);
    expect(await t.redis.exists("queue:critical")).toBe(0);
    const all = JSON.stringify(events);
    expect(all).not.toContain("correct horse");
    expect(all).not.toContain("secret-argument");
    expect(all).not.toContain("@example.com");
  });

  it("records refused attempts: no CSRF token, and no credentials", async () => {
    const page = await open("/retries");
    // From the dashboard's own origin, with the user's credentials, but without the form token.
    const status = await page.evaluate(async () => {
      const r = await fetch("/busy", {
        method: "POST",
        body: new URLSearchParams({ action: "stop" }),
      });
      return r.status;
    });
    await page.close();
    expect(status).toBe(403);
    const anonymous = await fetch(`${base}/busy`, {
      method: "POST",
      body: new URLSearchParams({ action: "stop" }),
    });
    expect(anonymous.status).toBe(401);
    // GETs are not state changes: opening pages recorded nothing.
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      actor: "ops",
      action: "process.stop",
      outcome: "refused",
      status: 403,
      client: "127.0.0.1",
      reason: "CSRF check failed",
    });
    // An unauthenticated request's body is never read: the action is named by its path alone.
    expect(events[1]).toMatchObject({
      actor: null,
      action: "process.post",
      target: "all processes",
      outcome: "refused",
      status: 401,
      reason: "authentication required",
    });
    expect(await t.redis.llen(`${IDENTITY}-signals`)).toBe(0);
  });
});
