// The page shell in real Chromium at a desktop width and at a 390 px phone width: the favicon is
// served (no 404 on any page), every navigation tab and the search box are on screen, nothing
// makes the page wider than the viewport, and the colours follow `prefers-color-scheme`.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { itWith } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { useBrowserDashboard, VIEWPORTS } from "./browser-dashboard";
import { jid, seed } from "./seed";

const t = await useTestRedis();
const it = itWith("chromium");
const web = useBrowserDashboard(t.redis);

beforeAll(async () => {
  await t.flush();
  await seed(t.redis);
});

/** Relative luminance (0 black .. 1 white) of a computed CSS colour such as `rgb(22, 24, 28)`. */
function luminance(color: string): number {
  const [r, g, b] = (color.match(/[\d.]+/g) ?? []).map(Number).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

async function colours(page: Page) {
  return page.evaluate(() => {
    const style = (selector: string) => getComputedStyle(document.querySelector(selector)!);
    return {
      page: style("html").backgroundColor,
      text: style("main").color,
      panel: style(".panel").backgroundColor,
      navbar: style(".navbar").backgroundColor,
    };
  });
}

for (const viewport of VIEWPORTS) {
  describe(`at ${viewport.name} width (${viewport.width} px)`, () => {
    let context: BrowserContext;
    beforeAll(async () => {
      if (web.browser) context = await web.newContext({ viewport });
    });
    afterAll(() => context?.close());

    it("every page: every tab and the search box on screen, no horizontal overflow, no 404, the favicon served", async () => {
      const first = web.served.length;
      const flat = await t.redis.zrange("retry", "0", "-1", "WITHSCORES");
      const retryKey = `${flat[flat.findIndex((m) => m.includes(jid(1))) + 1]}-${jid(1)}`;
      const queuedJid = JSON.parse((await t.redis.lindex("queue:default", 0))!).jid;
      const paths = [
        "/",
        "/busy",
        "/queues",
        "/queues/default",
        "/scheduled",
        "/retries",
        `/retries/${encodeURIComponent(retryKey)}`,
        `/queues/default/jobs/${encodeURIComponent(`0-${queuedJid}`)}`,
        "/morgue",
        "/metrics",
        "/periodic",
        "/batches",
        "/flow",
        `/search?jid=${jid(21)}`,
      ];
      for (const path of paths) {
        const { page, errors } = await web.open(path, context);
        await page.waitForLoadState("load");
        const tabs = page.locator(".tabs a");
        expect(await tabs.count(), path).toBe(10);
        for (const tab of await tabs.all()) {
          const label = `${path}: tab ${await tab.textContent()}`;
          expect(await tab.isVisible(), label).toBe(true);
          const box = (await tab.boundingBox())!;
          expect(box.x, label).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width, label).toBeLessThanOrEqual(viewport.width);
        }
        const search = page.locator('header input[name="jid"]');
        expect(await search.isVisible(), `${path}: search box`).toBe(true);
        const searchBox = (await search.boundingBox())!;
        expect(searchBox.x + searchBox.width, `${path}: search box`).toBeLessThanOrEqual(
          viewport.width,
        );
        const widths = await page.evaluate(() => ({
          content: document.documentElement.scrollWidth,
          viewport: window.innerWidth,
        }));
        expect(widths.content, `${path}: page wider than the viewport`).toBeLessThanOrEqual(
          widths.viewport,
        );
        expect(await web.cspViolations(page), path).toEqual([]);
        expect(errors, path).toEqual([]);
        await page.close();
      }
      // Chromium asks for the icon by itself after the page loads (the page never sees it).
      await expect
        .poll(() => web.served.slice(first).filter((r) => r.path.includes("favicon")).length, {
          timeout: 10_000,
        })
        .toBeGreaterThan(0);
      const served = web.served.slice(first);
      expect(served.filter((r) => r.status === 404)).toEqual([]);
      for (const icon of served.filter((r) => r.path.includes("favicon"))) {
        expect(icon.status, icon.path).toBe(200);
        expect(icon.type, icon.path).toMatch(/^image\/svg\+xml/);
        expect(icon.path, icon.path).toMatch(/^\/admin\/jobs\//);
      }
    });

    it("follows prefers-color-scheme: dark pages in a dark browser, light ones in a light browser", async () => {
      const dark = await web.newContext({ viewport, colorScheme: "dark" });
      try {
        for (const path of ["/", "/retries"]) {
          const { page } = await web.open(path, dark);
          const c = await colours(page);
          expect(luminance(c.page), `${path} page ${c.page}`).toBeLessThan(0.05);
          expect(luminance(c.panel), `${path} panel ${c.panel}`).toBeLessThan(0.05);
          expect(luminance(c.navbar), `${path} navbar ${c.navbar}`).toBeLessThan(0.05);
          expect(luminance(c.text), `${path} text ${c.text}`).toBeGreaterThan(0.5);
          expect(await web.cspViolations(page), path).toEqual([]);
          await page.close();
        }
      } finally {
        await dark.close();
      }
      const { page } = await web.open("/retries", context);
      const c = await colours(page);
      expect(luminance(c.page), `light page ${c.page}`).toBeGreaterThan(0.8);
      expect(luminance(c.text), `light text ${c.text}`).toBeLessThan(0.1);
      await page.close();
    });
  });
}
