// The set-up every dashboard browser test shares: the dashboard served by node:http under
// /admin/jobs with basic auth, one Chromium with a logged-in context that records every CSP
// violation, and `open(path)` for a page that records console output and page errors. Created
// once per test file (beforeAll) and closed after it.
import type { Redis } from "ioredis";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import { peers } from "../helpers/peers";
import { launchChromium } from "./chromium";
import { type Served, serve } from "./serve";

export const AUTH = { username: "ops", password: "correct horse" };

export interface OpenedPage {
  page: Page;
  console: string[];
  errors: string[];
}

export interface BrowserDashboard {
  /** The dashboard's URL, e.g. `http://127.0.0.1:<port>/admin/jobs`. */
  readonly base: string;
  /** Undefined when Chromium is missing (the tests are then skipped by `itWith`). */
  readonly browser: Browser | undefined;
  readonly context: BrowserContext;
  /** Opens `path` (expects 200), accepting confirmation dialogs. */
  open(path: string): Promise<OpenedPage>;
  /** The CSP violations `page` reported so far ("<directive> <blocked URI>"). */
  cspViolations(page: Page): Promise<string[]>;
}

export function useBrowserDashboard(redis: Redis): BrowserDashboard {
  let server: Served | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let base = "";

  beforeAll(async () => {
    server = await serve(
      dashboard({ redis: fromIoredis(redis), auth: AUTH, basePath: "/admin/jobs" }),
    );
    base = `${server.url}/admin/jobs`;
    if (peers.chromium()) return;
    browser = await launchChromium();
    context = await browser.newContext({ httpCredentials: AUTH });
    // The init script itself is not subject to the CSP.
    await context.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  return {
    get base() {
      return base;
    },
    get browser() {
      return browser;
    },
    get context() {
      if (!context) throw new Error("no browser context (Chromium missing)");
      return context;
    },
    async open(path) {
      const page = await this.context.newPage();
      const lines: string[] = [];
      const errors: string[] = [];
      page.on("console", (m) => lines.push(m.text()));
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("dialog", (d) => void d.accept());
      const res = await page.goto(`${base}${path}`);
      expect(res?.status(), path).toBe(200);
      return { page, console: lines, errors };
    },
    cspViolations(page) {
      return page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    },
  };
}
