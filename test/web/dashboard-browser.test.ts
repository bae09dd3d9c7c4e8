// The dashboard in real Chromium (Debian's chromium driven by playwright-core), served by
// node:http: every page renders with data, the buttons act, hostile job data stays text, and
// CSRF and authentication hold in a real browser.
import { createServer } from "node:http";
import { beforeEach, describe, expect } from "vitest";
import { itWith } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { useBrowserDashboard } from "./browser-dashboard";
import { EVIL, IDENTITY, jid, seed } from "./seed";

const t = await useTestRedis();
const it = itWith("chromium");
const web = useBrowserDashboard(t.redis);
const open = (path: string) => web.open(path);

beforeEach(async () => {
  await t.flush();
  await seed(t.redis);
});

describe("pages render with data", () => {
  it("overview: summary numbers, the history chart, and the live graph polling /stats", async () => {
    const { page, errors } = await open("/");
    await expect(page.locator('[data-stat="processed"]').textContent()).resolves.toBe("184,230");
    await expect(page.locator('[data-stat="retries"]').textContent()).resolves.toBe("6");
    await expect(page.locator('[data-stat="enqueued"]').textContent()).resolves.toBe("16");
    expect(await page.locator("svg.history polyline.processed").getAttribute("points")).toMatch(
      /,/,
    );
    await page.click('button.poll-interval[data-interval="2000"]');
    await t.redis.incrby("stat:processed", 42);
    const polls = await page.evaluate(() =>
      Number(document.getElementById("realtime")?.dataset.polls ?? 0),
    );
    await page.waitForFunction(
      (n) => Number(document.getElementById("realtime")?.dataset.polls) >= n + 2,
      polls,
      { timeout: 15_000 },
    );
    await expect(page.locator('[data-stat="processed"]').textContent()).resolves.toBe("184,272");
    expect(await page.locator("#realtime polyline.processed").getAttribute("points")).toMatch(/,/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("busy, queues, a queue, scheduled, retries, dead, a job's detail and search", async () => {
    const checks: [string, string[]][] = [
      ["/busy", ["worker-1.internal:4242", "FulfilOrder", "order-5521", "shop"]],
      ["/queues", ["critical", "default", "mailers"]],
      ["/queues/default", ["ResizeImage", "photos/1011.jpg"]],
      ["/scheduled", ["SendReminder"]],
      ["/retries", ["InvoiceMailer", "Net::ReadTimeout"]],
      ["/morgue", ["SyncInventory"]],
      [`/search?jid=${jid(21)}`, ["Dead", "SyncInventory"]],
    ];
    const { page, errors } = await open("/retries");
    for (const [path, texts] of checks) {
      expect((await page.goto(`${web.base}${path}`))?.status(), path).toBe(200);
      const body = await page.locator("main").textContent();
      for (const text of texts) expect(body, `${path} shows ${text}`).toContain(text);
    }
    expect(errors).toEqual([]);
    await page.goto(`${web.base}/retries`);
    await page
      .locator(`tr[data-jid="${jid(1)}"] a`)
      .first()
      .click();
    await page.waitForSelector("pre.backtrace");
    expect(await page.locator("pre.backtrace").textContent()).toContain(
      "app/jobs/invoice_mailer.rb:12:in `perform'",
    );
    expect(await page.locator("main").textContent()).toContain("user-1@example.com");
    await page.close();
  });
});

describe("buttons act", () => {
  it("retry now on a job's detail page moves it to its queue", async () => {
    const { page } = await open("/retries");
    await page
      .locator(`tr[data-jid="${jid(2)}"] a`)
      .first()
      .click();
    await page.click('button[value="retry"]');
    await page.waitForURL(`${web.base}/retries`);
    expect(await page.locator(`tr[data-jid="${jid(2)}"]`).count()).toBe(0);
    const queued = (await t.redis.lrange("queue:default", 0, -1)).map((j) => JSON.parse(j));
    const job = queued.find((j) => j.jid === jid(2));
    expect(job.retry_count).toBe(1);
    await page.close();
  });

  it("kill on a retry sends it to the dead set; delete on a dead job removes it", async () => {
    const { page } = await open("/retries");
    await page
      .locator(`tr[data-jid="${jid(3)}"] a`)
      .first()
      .click();
    await page.click('button[value="kill"]');
    await page.waitForURL(`${web.base}/retries`);
    expect(await t.redis.zscan("dead", 0, "MATCH", `*${jid(3)}*`).then((r) => r[1].length)).toBe(2);
    await page.goto(`${web.base}/morgue`);
    await page
      .locator(`tr[data-jid="${jid(20)}"] a`)
      .first()
      .click();
    await page.click('button[value="delete"]');
    await page.waitForURL(`${web.base}/morgue`);
    expect(await page.locator(`tr[data-jid="${jid(20)}"]`).count()).toBe(0);
    expect(await t.redis.zcard("dead")).toBe(3); // 3 seeded + 1 killed - 1 deleted
    await page.close();
  });

  it("bulk: select all dead jobs and retry them; delete a queued job; quiet a process", async () => {
    const { page } = await open("/morgue");
    await page.check("input.check-all");
    expect(await page.locator('input[name="key"]:checked').count()).toBe(3);
    await page.click('form.bulk-form button[value="retry"]');
    await page.waitForURL(`${web.base}/morgue`);
    expect(await t.redis.zcard("dead")).toBe(0);
    expect(await t.redis.llen("queue:default")).toBe(15);

    await page.goto(`${web.base}/queues/mailers`);
    await page.click('tr.job button[value="delete"]');
    await page.waitForURL(`${web.base}/queues/mailers`);
    expect(await t.redis.llen("queue:mailers")).toBe(0);

    await page.goto(`${web.base}/busy`);
    await page.click(`tr[data-identity="${IDENTITY}"] button[value="quiet"]`);
    await page.waitForURL(`${web.base}/busy`);
    expect(await t.redis.lrange(`${IDENTITY}-signals`, 0, -1)).toEqual(["TSTP"]);
    await page.close();
  });
});

describe("security in the browser", () => {
  it("hostile args and error messages are shown as text and run nothing", async () => {
    const evilKey = (await t.redis.zrangebyscore("retry", "-inf", "+inf")).find((m) =>
      m.includes("window.__pwned"),
    )!;
    const score = await t.redis.zscore("retry", evilKey);
    for (const path of [
      "/retries",
      `/retries/${encodeURIComponent(`${score}-${jid(99)}`)}`,
      `/search?jid=${encodeURIComponent(EVIL)}`,
    ]) {
      const { page, console: lines, errors } = await open(path);
      await page.waitForLoadState("load");
      expect(
        await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
      ).toBeUndefined();
      expect(await page.locator("main img").count()).toBe(0);
      expect(await page.locator("main script").count()).toBe(0);
      expect(await page.locator("main").textContent()).toContain("<script>window.__pwned=1");
      expect(lines.filter((l) => l.includes("PWNED"))).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    }
  });

  it("a POST without a valid CSRF token is refused, from the page's own origin and from another", async () => {
    const { page } = await open("/retries");
    const key = await page.locator('input[name="key"]').first().getAttribute("value");
    // Same origin, cookie sent, but no token.
    const res = await page.request.post(`${web.base}/retries/${encodeURIComponent(key!)}`, {
      form: { action: "delete" },
    });
    expect(res.status()).toBe(403);
    // A forged token.
    const forged = await page.request.post(`${web.base}/retries/${encodeURIComponent(key!)}`, {
      form: { action: "delete", authenticity_token: "A".repeat(43) },
    });
    expect(forged.status()).toBe(403);
    // A cross-site form posting with a stolen token: the Origin check refuses it.
    const token = await page
      .locator('input[name="authenticity_token"]')
      .first()
      .getAttribute("value");
    const evil = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        `<form id="f" method="post" action="${web.base}/retries/all/delete"><input name="authenticity_token" value="${token}"></form><script>document.getElementById("f").submit()</script>`,
      );
    });
    await new Promise<void>((r) => evil.listen(0, "127.0.0.1", r));
    const evilPage = await web.context.newPage();
    const posted = evilPage.waitForResponse((r) => r.url().includes("/retries/all/delete"));
    await evilPage.goto(`http://localhost:${(evil.address() as { port: number }).port}/`);
    expect((await posted).status()).toBe(403);
    evil.closeAllConnections();
    evil.close();
    expect(await t.redis.zcard("retry")).toBe(6);
    await evilPage.close();
    await page.close();
  });

  it("a request without credentials gets 401", async () => {
    const anonymous = await web.browser!.newContext();
    const page = await anonymous.newPage();
    // Chromium answers the Basic challenge with an error page of its own; the response is a 401.
    const seen = page.waitForResponse((r) => r.url() === `${web.base}/`);
    await page.goto(`${web.base}/`).catch(() => undefined);
    const res = await seen;
    expect(res.status()).toBe(401);
    expect(await res.headerValue("www-authenticate")).toMatch(/^Basic/);
    await anonymous.close();
  });
});
