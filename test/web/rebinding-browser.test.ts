// DNS rebinding in real Chromium: `attacker.example` resolves to 127.0.0.1 (what a rebinding DNS
// server achieves after the attacker's page has loaded), so the attacker's script runs with the
// dashboard as its own origin. It tries what it would do against `edgekiq web --open`: read a
// form token from /queues, then post it to clear a queue. The dashboard refuses the host name,
// so there is nothing to read and nothing is cleared; the same browser on localhost is served.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { Client } from "../../src/core/client";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import { itWith, peers } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { launchChromium } from "./chromium";
import { serve } from "./serve";

const t = await useTestRedis();
const it = itWith("chromium");
const redis = fromIoredis(t.redis);
const server = await serve(dashboard({ redis, auth: "open" }));
const port = new URL(server.url).port;
let browser: Browser | undefined;

beforeAll(async () => {
  if (peers.chromium()) return;
  browser = await launchChromium(["--host-resolver-rules=MAP attacker.example 127.0.0.1"]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server.close();
});

it("a page on a rebound name can neither read a token nor clear a queue", async () => {
  await t.flush();
  await new Client({ redis }).push({ class: "Keep", args: [], queue: "default" });
  const page = await browser!.newPage();
  const landing = await page.goto(`http://attacker.example:${port}/`);
  expect(landing?.status()).toBe(421);
  // The attacker's script, same-origin with the rebound name.
  const attack = await page.evaluate(async () => {
    const list = await fetch("/queues");
    const text = await list.text();
    const token = /name="authenticity_token" value="([^"]+)"/.exec(text)?.[1] ?? "";
    const clear = await fetch("/queues/default", {
      method: "POST",
      body: new URLSearchParams({ authenticity_token: token, action: "clear" }),
      redirect: "manual",
    });
    return { list: list.status, token, clear: clear.status };
  });
  expect(attack).toEqual({ list: 421, token: "", clear: 421 });
  expect(await t.redis.llen("queue:default")).toBe(1);

  const local = await page.goto(`http://localhost:${port}/queues`);
  expect(local?.status()).toBe(200);
  expect(await page.locator("main").textContent()).toContain("default");
  await page.close();
});
