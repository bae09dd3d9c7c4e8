// The Batches tab and job progress in real Chromium: batches run by a real worker on a real
// Redis; the tab lists them with a progress bar, a batch's page shows its counts, children and
// failing jobs linked to where they are; a hostile description runs nothing and nothing breaks
// the CSP. The Busy page shows a running job's progress.
import type { Page } from "playwright-core";
import { describe, expect } from "vitest";
import { Batch } from "../../src/core/batch/batch";
import { Client } from "../../src/core/client";
import { itWith } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { deferred, testWorker, waitFor } from "../integration/worker-helpers";
import { useBrowserDashboard } from "./browser-dashboard";

const t = await useTestRedis();
const it = itWith("chromium");
const web = useBrowserDashboard(t.redis);
const client = new Client({ redis: t.redis });
const EVIL = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;

async function expectClean(page: Page, errors: string[]) {
  expect(await web.cspViolations(page)).toEqual([]);
  expect(
    await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
  ).toBeUndefined();
  expect(errors).toEqual([]);
}

describe("batches in Chromium", () => {
  it("lists batches with progress; a batch's page shows counts, children and failing jobs", async () => {
    await t.flush();
    const w = testWorker(t.redis, { scheduler: false });
    w.register("Step", async (args) => {
      if (args[0] === "flaky") throw new Error("try again later");
      if (args[0] === "doomed") throw new RangeError("out of range");
    });
    const batch = new Batch(client, { description: `nightly ${EVIL}` });
    const jids = await batch.add(async (b) => {
      await b.push({ class: "Step", args: ["ok"] });
      await b.push({ class: "Step", args: ["ok"] });
      await b.push({ class: "Step", args: ["flaky"] });
      await b.push({ class: "Step", args: ["doomed"], retry: false });
    });
    const child = new Batch(client, { parent: batch.bid, description: "child" });
    await child.add((b) => b.push({ class: "Step", args: ["ok"] }));
    await w.start();
    await waitFor(async () => (await Batch.status(client, batch.bid))?.complete, {
      what: "the batch to complete",
    });

    const { page, errors } = await web.open("/");
    await page.click('nav.tabs a:text-is("Batches")');
    await page.waitForURL(`${web.base}/batches`);
    const row = page.locator(`tr.batch[data-bid="${batch.bid}"]`);
    await row.waitFor();
    expect(await row.locator("td").nth(1).textContent()).toBe(`nightly ${EVIL}`);
    // 3 of 5 members done (2 jobs and the child batch); 2 failing.
    const bar = row.locator("progress.batch-progress");
    expect(await bar.getAttribute("max")).toBe("5");
    expect(await bar.getAttribute("value")).toBe("3");
    expect(await page.locator("tr.batch").count()).toBe(2);
    await expectClean(page, errors);

    await row.locator(`a:text-is("${batch.bid}")`).click();
    await page.waitForURL(`${web.base}/batches/${batch.bid}`);
    expect(await page.locator('[data-field="total"]').textContent()).toBe("5");
    expect(await page.locator('[data-field="pending"]').textContent()).toBe("2");
    expect(await page.locator("td.children a").textContent()).toBe(child.bid);
    const failed = page.locator("tr.failed-job");
    expect(await failed.count()).toBe(2);
    const texts = (await failed.allTextContents()).join("\n");
    expect(texts).toContain("try again later");
    expect(texts).toContain("RangeError");
    await expectClean(page, errors);

    // The flaky job's link finds it in the retry set.
    await page.click(`tr.failed-job a:text-is("${jids[2]}")`);
    await page.waitForURL(/\/search\?jid=/);
    expect(await page.locator("tr.result td").first().textContent()).toBe("Retries");

    // A child links back to its parent; an unknown batch is a 404 page.
    const kid = await web.open(`/batches/${child.bid}`);
    await kid.page.click(`a:text-is("${batch.bid}")`);
    await kid.page.waitForURL(`${web.base}/batches/${batch.bid}`);
    const res = await fetch(`${web.base}/batches/nope`, {
      headers: { authorization: `Basic ${btoa("ops:correct horse")}` },
    });
    expect(res.status).toBe(404);
  });

  it("the Busy page shows a running job's progress", async () => {
    await t.flush();
    const w = testWorker(t.redis, { heartbeatInterval: 0.2 });
    const release = deferred();
    const reported = deferred();
    w.register("Import", async (_args, ctx) => {
      await ctx.progress(42);
      reported.resolve();
      await release.promise;
    });
    await w.start();
    const jid = (await client.push({ class: "Import", args: [] }))!;
    await reported.promise;
    // The heartbeat publishes the running job.
    await waitFor(async () => (await t.redis.hlen(`${w.identity}:work`)) > 0, {
      what: "the work hash",
    });
    const { page, errors } = await web.open("/busy");
    const row = page.locator("tr.work", { hasText: jid });
    expect(await row.locator("td.progress").textContent()).toBe("42%");
    await expectClean(page, errors);
    release.resolve();
  });
});
