// Takes the README's dashboard screenshots in real Chromium from seeded demo data:
//   npx tsx test/web/take-screenshots.ts
// writes docs/images/dashboard-overview.png, dashboard-job.png, dashboard-metrics.png,
// dashboard-dark.png (the overview in a browser that prefers dark) and dashboard-phone.png (the
// retries at 390 px wide). Starts (and stops) a redis-server of its own on a free port; touches
// nothing else.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import { startRedisServer } from "../helpers/redis-server";
import { launchChromium } from "./chromium";
import { jid, seed, writeMetrics } from "./seed";
import { serve } from "./serve";

const out = fileURLToPath(new URL("../../docs/images/", import.meta.url));
mkdirSync(out, { recursive: true });
const server = await startRedisServer();
const redis = new Redis(server.url);
const site = await serve(dashboard({ redis: fromIoredis(redis), auth: "open" }));
const browser = await launchChromium();
try {
  await seed(redis);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${site.url}/`);
  await page.click('button.poll-interval[data-interval="2000"]');
  // Some traffic, so the live graph has a shape.
  for (const [p, f] of [
    [120, 2],
    [340, 5],
    [260, 1],
    [410, 9],
    [380, 3],
    [150, 0],
  ]) {
    await redis.incrby("stat:processed", p!);
    await redis.incrby("stat:failed", f!);
    const polls = await page.evaluate(() =>
      Number(document.getElementById("realtime")?.dataset.polls ?? 0),
    );
    await page.waitForFunction(
      (n) => Number(document.getElementById("realtime")?.dataset.polls) > n,
      polls,
    );
  }
  await page.screenshot({ path: `${out}dashboard-overview.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: `${out}dashboard-dark.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto(`${site.url}/retries`);
  await page
    .locator(`tr[data-jid="${jid(1)}"] a`)
    .first()
    .click();
  await page.waitForSelector("pre.backtrace");
  await page.screenshot({ path: `${out}dashboard-job.png`, fullPage: true });
  await seedMetrics(redis);
  await page.goto(`${site.url}/metrics`);
  await page.screenshot({ path: `${out}dashboard-metrics.png`, fullPage: true });
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await phone.goto(`${site.url}/retries`);
  await phone.screenshot({ path: `${out}dashboard-phone.png`, fullPage: true });
  console.log(`wrote ${out}dashboard-{overview,dark,job,metrics,phone}.png`);
} finally {
  await browser.close();
  await site.close();
  await redis.quit();
  await server.stop();
}

/** An hour of Sidekiq 7 job metrics for three classes, as the worker writes them each minute. */
async function seedMetrics(redis: Redis): Promise<void> {
  const now = Date.now();
  for (let m = 0; m < 60; m++) {
    const wave = 1 + Math.sin(m / 6);
    const fields: [string, number][] = [];
    for (const [name, p, avg, f] of [
      ["SendWelcome", Math.round(40 * wave + 20), 120, 2],
      ["ResizeImage", Math.round(15 * wave + 5), 1_400, m % 7 === 0 ? 1 : 0],
      ["Billing::Charge", Math.round(6 * wave + 2), 3_200, m % 11 === 0 ? 2 : 0],
    ] as const) {
      fields.push([`${name}|p`, p], [`${name}|ms`, (p - f) * avg]);
      if (f > 0) fields.push([`${name}|f`, f]);
    }
    await writeMetrics(redis, now - m * 60_000, fields);
  }
}
