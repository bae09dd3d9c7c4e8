// The set-up every dashboard browser test shares: the dashboard served by node:http under
// /admin/jobs with basic auth, one Chromium with a logged-in context that records every CSP
// violation, and `open(path)` for a page that records console output and page errors. Created
// once per test file (beforeAll) and closed after it. `newContext` makes more logged-in contexts
// (another viewport, a dark colour scheme); `served` lists every response the server sent,
// including the requests a browser makes on its own (a favicon) that the page never reports.
import type { Redis } from "ioredis";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
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

export interface ServedResponse {
  /** Path and query as requested. */
  path: string;
  status: number;
  type: string | null;
}

export interface BrowserDashboard {
  /** The dashboard's URL, e.g. `http://127.0.0.1:<port>/admin/jobs`. */
  readonly base: string;
  /** Undefined when Chromium is missing (the tests are then skipped by `itWith`). */
  readonly browser: Browser | undefined;
  readonly context: BrowserContext;
  /** Every response the dashboard's server sent so far, oldest first. */
  readonly served: ServedResponse[];
  /** A further logged-in context that records CSP violations (closed with the browser). */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Opens `path` (expects 200) in `context` (default: the shared one), accepting dialogs. */
  open(path: string, context?: BrowserContext): Promise<OpenedPage>;
  /** The CSP violations `page` reported so far ("<directive> <blocked URI>"). */
  cspViolations(page: Page): Promise<string[]>;
}

export function useBrowserDashboard(redis: Redis): BrowserDashboard {
  let server: Served | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let base = "";
  const served: ServedResponse[] = [];

  async function newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
    if (!browser) throw new Error("no browser (Chromium missing)");
    const created = await browser.newContext({ ...options, httpCredentials: AUTH });
    // A missing element fails the test with its selector, well before the test's own timeout.
    created.setDefaultTimeout(10_000);
    // The init script itself is not subject to the CSP.
    await created.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    return created;
  }

  beforeAll(async () => {
    const web = dashboard({ redis: fromIoredis(redis), auth: AUTH, basePath: "/admin/jobs" });
    server = await serve({
      async fetch(request) {
        const response = await web.fetch(request);
        const url = new URL(request.url);
        served.push({
          path: url.pathname + url.search,
          status: response.status,
          type: response.headers.get("content-type"),
        });
        return response;
      },
    });
    base = `${server.url}/admin/jobs`;
    if (peers.chromium()) return;
    browser = await launchChromium();
    context = await newContext();
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
    served,
    newContext,
    async open(path, inContext) {
      const page = await (inContext ?? this.context).newPage();
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

/** The widths the dashboard's layout tests cover: a desktop and a 390 px phone. */
export const VIEWPORTS = [
  { name: "desktop", width: 1280, height: 900 },
  { name: "390 px phone", width: 390, height: 844 },
] as const;
