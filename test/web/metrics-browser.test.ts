// The Metrics tab in real Chromium: reached from the navigation, the top-jobs table links to a
// job's page with its histogram, a hostile class name and hostile query parameters run nothing,
// and no page breaks the Content-Security-Policy.
import type { Page } from "playwright-core";
import { beforeEach, describe, expect } from "vitest";
import { itWith } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { useBrowserDashboard } from "./browser-dashboard";
import { writeMetrics } from "./seed";

const t = await useTestRedis();
const it = itWith("chromium");
const EVIL = `Evil::Job"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;
const web = useBrowserDashboard(t.redis);
const open = (path: string) => web.open(path);

beforeEach(async () => {
  await t.flush();
  await writeMetrics(
    t.redis,
    Date.now(),
    [
      ["SleepJob|p", 1],
      ["SleepJob|ms", 6000],
      ["HardJob|p", 4],
      ["HardJob|ms", 0],
      ["FailJob|p", 1],
      ["FailJob|f", 1],
      [`${EVIL}|p`, 1],
      [`${EVIL}|ms`, 3],
    ],
    [["SleepJob", 15]],
  );
});

/** Nothing ran from the data, nothing broke the CSP, nothing threw. */
async function expectClean(page: Page, lines: string[], errors: string[]) {
  expect(await web.cspViolations(page)).toEqual([]);
  expect(
    await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
  ).toBeUndefined();
  expect(lines.filter((l) => /Content Security Policy|Refused to/i.test(l))).toEqual([]);
  expect(errors).toEqual([]);
}

describe("metrics pages in Chromium", () => {
  it("the tab leads to the top jobs, a class link to its page with the histogram", async () => {
    const { page, console: lines, errors } = await open("/");
    await page.click('nav.tabs a:text-is("Metrics")');
    await page.waitForURL(`${web.base}/metrics`);
    expect(await page.locator("nav.tabs a.active").textContent()).toBe("Metrics");
    expect(
      await page
        .locator("tr.job-metrics")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-class"))),
    ).toEqual([
      "SleepJob",
      'Evil::Job"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>',
      "FailJob",
      "HardJob",
    ]);
    expect(
      await page.locator("svg.metrics-chart polyline.processed").getAttribute("points"),
    ).toMatch(/,/);
    await expectClean(page, lines, errors);

    await page.click('tr.job-metrics[data-class="SleepJob"] a');
    await page.waitForURL(`${web.base}/metrics/SleepJob?period=1h`);
    expect(await page.locator('[data-total="ms"]').textContent()).toBe("6.00 s");
    expect(await page.locator('tr.bucket[data-bucket="15"] td').allTextContents()).toEqual([
      "5.75 s – 8.5 s",
      "1",
    ]);
    await expectClean(page, lines, errors);
    // The watcher does see violations: an inline script added now is refused and reported.
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__pwned = 4";
      document.body.append(s);
    });
    await page.waitForFunction(() => (window as unknown as { __csp: string[] }).__csp.length > 0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBe(
      undefined,
    );
    await page.close();
  });

  it("a hostile class name and hostile period/substr stay text", async () => {
    const {
      page,
      console: lines,
      errors,
    } = await open(
      `/metrics?period=${encodeURIComponent('"><script>window.__pwned=3</script>')}&substr=${encodeURIComponent("evil")}`,
    );
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.locator("main script").count()).toBe(0);
    expect(await page.locator('input[name="substr"]').inputValue()).toBe("evil");
    expect(await page.locator(".poll a.active").textContent()).toBe("1h");
    await page.locator("tr.job-metrics a").click();
    await page.waitForURL(/\/metrics\/Evil/);
    expect(await page.locator("main h2 .mono").textContent()).toBe(EVIL);
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.locator('[data-total="processed"]').textContent()).toBe("1");
    await expectClean(page, lines, errors);
    await page.close();
  });
});
