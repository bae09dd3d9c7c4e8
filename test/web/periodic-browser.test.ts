// The dashboard's Periodic tab in real Chromium: the declared entries with schedule, job, last
// and next run; Pause/Unpause and Enqueue now act (fleet-wide state in Redis); the detail page
// lists the newest runs with their jids; hostile entry data stays text; POSTs need the CSRF token.
import { beforeEach, describe, expect } from "vitest";
import { cronTick, periodic } from "../../src/index";
import { itWith } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { useBrowserDashboard } from "./browser-dashboard";
import { EVIL } from "./seed";

const t = await useTestRedis();
const it = itWith("chromium");
const web = useBrowserDashboard(t.redis);

beforeEach(async () => {
  await t.flush();
  await cronTick({
    redis: t.redis,
    periodic: [
      periodic("nightly", "30 2 * * *", "NightlyReport", ["pdf"], { tz: "Europe/Berlin" }),
      periodic("evil", "*/5 * * * *", `Evil${EVIL}`, [EVIL, { note: EVIL }]),
    ],
  });
});

const row = (name: string) => `tr.periodic[data-name="${name}"]`;

describe("the Periodic tab", () => {
  it("lists the entries; hostile data stays text", async () => {
    const { page, console: lines, errors } = await web.open("/periodic");
    expect(await page.locator(".tabs a.active").textContent()).toBe("Periodic");
    expect(await page.locator("tr.periodic").count()).toBe(2);
    const nightly = await page.locator(row("nightly")).textContent();
    expect(nightly).toContain("30 2 * * *");
    expect(nightly).toContain("Europe/Berlin");
    expect(nightly).toContain("NightlyReport");
    expect(nightly).toMatch(/in \d+ (hours?|minutes?)/); // next run
    expect(await page.locator(row("evil")).textContent()).toContain(`Evil${EVIL}`);
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.locator("main script").count()).toBe(0);
    expect(lines.filter((l) => l.includes("PWNED"))).toEqual([]);
    expect(await web.cspViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("Pause and Unpause change the entry's state in Redis", async () => {
    const { page, errors } = await web.open("/periodic");
    await page.locator(row("nightly")).locator('button[value="pause"]').click();
    await page.waitForURL(/\/periodic$/);
    expect(await page.locator(row("nightly")).textContent()).toContain("paused");
    expect(await t.redis.hget("edgekiq:periodic:nightly", "paused")).toBe("1");
    expect(await t.redis.hget("edgekiq:periodic:evil", "paused")).toBeNull();
    await page.locator(row("nightly")).locator('button[value="unpause"]').click();
    await page.waitForURL(/\/periodic$/);
    await expect.poll(() => t.redis.hget("edgekiq:periodic:nightly", "paused")).toBeNull();
    expect(await page.locator(row("nightly")).locator('button[value="pause"]').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("Enqueue now pushes the job and shows the run with its jid", async () => {
    const { page, errors } = await web.open("/periodic");
    await page.locator(row("evil")).locator('button[value="enqueue"]').click();
    await page.waitForURL(/\/periodic\/evil$/);
    const run = page.locator("tr.run").first();
    expect(await run.textContent()).toContain("enqueued now");
    const jid = await run.locator("td.mono").textContent();
    const jobs = (await t.redis.lrange("queue:default", 0, -1)).map((j) => JSON.parse(j));
    expect(jobs.find((j) => j.jid === jid)).toMatchObject({
      class: `Evil${EVIL}`,
      args: [EVIL, { note: EVIL }],
    });
    expect(await page.locator("main").textContent()).toContain(`Evil${EVIL}`);
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a POST without a valid CSRF token is refused and changes nothing", async () => {
    const { page } = await web.open("/periodic");
    // A tick may have landed at set-up (an entry whose latest tick is under a minute old).
    const queued = await t.redis.llen("queue:default");
    const url = `${web.base}/periodic/nightly`;
    expect((await page.request.post(url, { form: { action: "pause" } })).status()).toBe(403);
    const forged = await page.request.post(url, {
      form: { action: "enqueue", authenticity_token: "A".repeat(43) },
    });
    expect(forged.status()).toBe(403);
    expect(await t.redis.hget("edgekiq:periodic:nightly", "paused")).toBeNull();
    expect(await t.redis.llen("queue:default")).toBe(queued);
    await page.close();
  });

  it("an unknown entry is a 404 page", async () => {
    const { page } = await web.open("/periodic");
    const res = await page.goto(`${web.base}/periodic/nope`);
    expect(res?.status()).toBe(404);
    expect(await page.locator("main").textContent()).toContain("No periodic job");
    await page.close();
  });
});
