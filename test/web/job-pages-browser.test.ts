// Job pages in real Chromium, at a desktop width and at a 390 px phone width: the stored backtrace
// (or a line saying none is stored) on scheduled, retry and dead jobs; a detail page for a job
// waiting in a queue, reached from its queue and deleted from there; and the substring filter of
// every set, kept across pages and shown as text.
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect } from "vitest";
import { encodeBacktrace } from "../../src/api";
import { itWith } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { useBrowserDashboard, VIEWPORTS } from "./browser-dashboard";
import { EVIL, failed, jid, seed } from "./seed";

const t = await useTestRedis();
const it = itWith("chromium");
const web = useBrowserDashboard(t.redis);

beforeEach(async () => {
  await t.flush();
  await seed(t.redis);
});

for (const viewport of VIEWPORTS) {
  describe(`at ${viewport.name} width (${viewport.width} px)`, () => {
    let context: BrowserContext;
    beforeAll(async () => {
      if (web.browser) context = await web.newContext({ viewport });
    });
    afterAll(() => context?.close());
    const open = (path: string) => web.open(path, context);

    it("scheduled, retry and dead jobs show their stored backtrace, or say that none is stored", async () => {
      const backtrace = await encodeBacktrace(["app/jobs/reminder.rb:7:in `perform'"]);
      // A job that failed once and was scheduled again by hand keeps its error and backtrace.
      await t.redis.zadd(
        "schedule",
        String(Date.now() / 1000 + 3600),
        failed(50, { cls: "RemindLater", backtrace }),
      );
      const { page, errors } = await open("/scheduled");
      const cases: [string, string, string][] = [
        ["/scheduled", jid(50), "app/jobs/reminder.rb:7:in `perform'"],
        ["/retries", jid(1), "app/jobs/invoice_mailer.rb:12:in `perform'"],
        ["/morgue", jid(21), "lib/sidekiq/processor.rb:196:in `execute_job'"],
      ];
      for (const [list, id, line] of cases) {
        await page.goto(`${web.base}${list}`);
        await page.locator(`tr[data-jid="${id}"] a`).first().click();
        await page.waitForSelector("pre.backtrace");
        expect(await page.locator("pre.backtrace").textContent(), list).toContain(line);
        expect(await page.locator("main").textContent(), list).not.toContain("No backtrace");
      }
      // Failed without `backtrace: true` (retry 99), and never failed (a scheduled reminder).
      for (const [list, row] of [
        ["/retries", page.locator(`tr[data-jid="${jid(99)}"]`)],
        ["/scheduled", page.locator("tr.entry", { hasText: "SendReminder" }).first()],
      ] as const) {
        await page.goto(`${web.base}${list}`);
        await row.locator("a").first().click();
        await page.waitForSelector(".job-detail");
        expect(await page.locator("pre.backtrace").count(), list).toBe(0);
        expect(await page.locator(".no-backtrace").textContent(), list).toContain(
          "No backtrace stored",
        );
      }
      expect(await web.cspViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    });

    it("a queued job has a detail page, linked from its queue, whose Delete removes just that job", async () => {
      const [target] = (await t.redis.lrange("queue:critical", 0, 0)).map((j) => JSON.parse(j));
      const { page, errors } = await open("/queues/critical");
      await page.locator(`tr[data-jid="${target.jid}"] a`).first().click();
      await page.waitForURL(/\/queues\/critical\/jobs\//);
      const main = (await page.locator("main").textContent()) ?? "";
      for (const text of ["ChargeCard", target.jid, "critical", String(target.args[0])]) {
        expect(main).toContain(text);
      }
      expect(await page.locator(".no-backtrace").count()).toBe(1);
      await page.click('button[value="delete"]');
      await page.waitForURL(`${web.base}/queues/critical`);
      const left = (await t.redis.lrange("queue:critical", 0, -1)).map((j) => JSON.parse(j).jid);
      expect(left).toHaveLength(2);
      expect(left).not.toContain(target.jid);
      // The page of a job that is gone says so.
      const gone = await page.goto(
        `${web.base}/queues/critical/jobs/${encodeURIComponent(`0-${target.jid}`)}`,
      );
      expect(gone?.status()).toBe(404);
      expect(await page.locator("main").textContent()).toContain("Job not found");
      expect(await web.cspViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    });

    it("every set filters by substring; the filter survives paging and hostile text stays text", async () => {
      const now = Date.now() / 1000;
      for (let i = 0; i < 30; i++) {
        await t.redis.zadd(
          "retry",
          String(now + 1000 + i),
          failed(200 + i, { args: [`needle-${i}`] }),
        );
      }
      const { page, errors } = await open("/retries");
      const filter = page.locator('form.filter input[name="substr"]');
      await filter.fill("needle");
      await filter.press("Enter");
      await page.waitForURL(/[?&]substr=needle/);
      expect(await page.locator("tr.entry").count()).toBe(25);
      expect(await filter.inputValue()).toBe("needle");
      await page.locator(".pager a", { hasText: "2" }).first().click();
      await page.waitForURL(/page=2/);
      expect(page.url()).toContain("substr=needle");
      const rows = await page.locator("tr.entry code.args").allTextContents();
      expect(rows).toHaveLength(5);
      for (const r of rows) expect(r).toContain("needle-");
      expect(await page.locator('form.filter input[name="substr"]').inputValue()).toBe("needle");

      for (const [path, text, expected] of [
        ["/scheduled", "SendReminder", 4],
        ["/morgue", "user-21@", 1],
        ["/morgue", "no such text", 0],
      ] as const) {
        await page.goto(`${web.base}${path}`);
        await page.locator('form.filter input[name="substr"]').fill(text);
        await page.locator('form.filter input[name="substr"]').press("Enter");
        await page.waitForURL(/substr=/);
        expect(await page.locator("tr.entry").count(), `${path} ${text}`).toBe(expected);
      }

      // The filter matches the stored JSON, where the hostile job's text sits unescaped up to
      // its first quote; a hostile filter (quotes and all) is echoed back as text.
      for (const [text, expected] of [
        [EVIL.slice(0, EVIL.indexOf('"')), 1],
        [`"><img src=x onerror="window.__pwned=3">`, 0],
      ] as const) {
        await page.goto(`${web.base}/retries`);
        await page.locator('form.filter input[name="substr"]').fill(text);
        await page.locator('form.filter input[name="substr"]').press("Enter");
        await page.waitForURL(/substr=/);
        expect(await page.locator("tr.entry").count(), text).toBe(expected);
        expect(await page.locator('form.filter input[name="substr"]').inputValue()).toBe(text);
        expect(
          await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
        ).toBeUndefined();
        expect(await page.locator("main img").count()).toBe(0);
      }
      expect(await web.cspViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    });
  });
}
