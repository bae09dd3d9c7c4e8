/**
 * `dashboard({ redis, auth })`: the web UI as a fetch handler (Request -> Response), built with
 * Hono on Web APIs only, so it mounts in node:http, Bun.serve, Deno.serve, Hono or any framework.
 *
 * Every request passes, in order:
 * 1. security headers (CSP without inline script or style, nosniff, no-store, no framing);
 * 2. the host check against DNS rebinding (421 for a host name not allowed; see host-allowlist);
 * 3. authentication (basic auth, a function, or an explicit "open");
 * 4. CSRF: every non-GET needs the signed token and a same-origin `Origin`/`Sec-Fetch-Site`;
 * 5. the routes, which read and act on Redis only through `edgekiq/api`. No GET changes anything.
 */
import { type Context, Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import { type ApiOptions, toContext } from "../api/context";
import type { AuditHook, ClientInfo } from "../core/audit";
import { ConfigError } from "../core/errors";
import { hostAllowlist } from "../core/host-allowlist";
import { ASSETS } from "./assets.gen";
import { auditMiddleware, type DashboardAuditOptions } from "./audit";
import { authenticator, type DashboardAuth } from "./auth";
import { CSRF_COOKIE, CSRF_FIELD, Csrf } from "./csrf";
import { batchRoutes } from "./pages/batches";
import { busyRoutes } from "./pages/busy";
import { flowRoutes } from "./pages/flow";
import { jobSetRoutes } from "./pages/job-sets";
import { metricsRoutes } from "./pages/metrics";
import { overviewRoutes } from "./pages/overview";
import { periodicRoutes } from "./pages/periodic";
import { queueJobRoutes } from "./pages/queue-job";
import { queueRoutes } from "./pages/queues";
import { searchRoutes } from "./pages/search";
import { type MetricsAuth, prometheusEndpoint, wantsPrometheus } from "./prometheus-endpoint";
import type { WebEnv } from "./web-env";

export interface DashboardOptions extends ApiOptions {
  /** Required: `{ username, password }`, `(request) => boolean | Promise<boolean>`, or `"open"`. */
  auth: DashboardAuth;
  /** The path the dashboard is served under, e.g. `/sidekiq` (default: the root). */
  basePath?: string;
  /** Key for the CSRF token HMAC; give every instance behind one load balancer the same one. */
  secret?: string;
  /** Extra origins allowed to POST (a proxy that rewrites the host), e.g. `https://ops.example.com`. */
  allowedOrigins?: string[];
  /**
   * Host names the dashboard answers to (ports ignored), e.g. `["ops.example.com"]`; any other
   * `Host` gets 421, which stops DNS rebinding. Default: loopback names only with `auth: "open"`;
   * any host with authentication (a rebinding page has no credentials for this host).
   */
  allowedHosts?: readonly string[];
  /**
   * Serve the fleet's Prometheus metrics at `/metrics` to scrapers (browsers still get the page),
   * checked with these credentials instead of `auth`: `{ bearer: token }` for Prometheus's
   * `authorization`, or any form `auth` takes. Off when omitted.
   */
  metricsAuth?: MetricsAuth;
  /**
   * Called once after every state-changing request (retry, delete, kill, enqueue now, clear,
   * quiet/stop, and refused attempts) with who, what, on what, from where and the outcome.
   */
  onAudit?: AuditHook;
  /** The audit's actor when `auth` is a function (e.g. the session's user). */
  auditActor?: DashboardAuditOptions["actor"];
  /** The client's address behind a proxy (e.g. from X-Forwarded-For) for the audit trail. */
  clientAddress?: DashboardAuditOptions["clientAddress"];
}

export interface Dashboard {
  /** `info.remoteAddress`: the client's address, for the audit trail (the runtimes' serve passes it). */
  fetch(request: Request, info?: ClientInfo): Promise<Response>;
}

/**
 * Hono's secureHeaders with our policy: a CSP without inline script or style, nosniff, no
 * framing, same-origin referrers. Its other defaults stay off so the dashboard sends exactly these
 * headers: above all HSTS, which would pin the host app (and, with includeSubDomains, its
 * neighbours) to HTTPS for half a year, a decision for the app the dashboard is mounted in.
 */
const SECURITY_HEADERS = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  xContentTypeOptions: true,
  xFrameOptions: "DENY",
  referrerPolicy: "same-origin",
  crossOriginResourcePolicy: false,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  strictTransportSecurity: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
});

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function dashboard(options: DashboardOptions): Dashboard {
  const base = normaliseBase(options.basePath);
  const authenticate = authenticator(options.auth);
  const api = toContext(options);
  const csrf = new Csrf(options.secret, options.allowedOrigins);
  const scrape = options.metricsAuth && prometheusEndpoint(options.metricsAuth, api);
  const hostAllowed = hostAllowlist(
    options.allowedHosts ?? (options.auth === "open" ? "loopback" : "any"),
    "dashboard: allowedHosts",
  );

  // Route on the path below `base`; a request that arrives already stripped (Hono's `mount`)
  // routes the same way, and links keep `base` either way.
  const app = new Hono<WebEnv>({
    getPath: (request) => {
      let path = new URL(request.url).pathname;
      if (base && (path === base || path.startsWith(`${base}/`))) path = path.slice(base.length);
      // "/busy/" and "/busy" are the same page.
      return path.length > 1 ? path.replace(/\/+$/, "") || "/" : "/";
    },
  });

  if (options.onAudit) {
    app.use(
      auditMiddleware({
        onAudit: options.onAudit,
        auth: options.auth,
        actor: options.auditActor,
        clientAddress: options.clientAddress,
      }),
    );
  }
  app.use(SECURITY_HEADERS);
  app.use(async (c, next) => {
    await next();
    if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
  });

  app.use(async (c, next) => {
    if (!hostAllowed(c.req.raw)) return c.text("Misdirected request: host not allowed\n", 421);
    if (scrape && c.req.path === "/metrics" && wantsPrometheus(c.req.raw)) {
      return scrape(c.req.raw);
    }
    const refused = await authenticate(c.req.raw);
    if (refused) return refused;
    c.set("api", api);
    c.set("base", base);
    await next();
  });

  app.use(async (c, next) => {
    let nonce = getCookie(c, CSRF_COOKIE);
    if (!SAFE_METHODS.has(c.req.method)) {
      const type = c.req.header("content-type") ?? "";
      const body =
        type.startsWith("application/x-www-form-urlencoded") ||
        type.startsWith("multipart/form-data")
          ? await c.req.parseBody({ all: true })
          : {};
      const token = body[CSRF_FIELD];
      const reason = await csrf.reject(c.req.raw, nonce, Array.isArray(token) ? token[0] : token);
      if (reason) return c.text(`Forbidden: ${reason}\n`, 403);
    }
    if (!nonce || !/^[A-Za-z0-9_-]{43}$/.test(nonce)) {
      nonce = Csrf.newNonce();
      setCookie(c, CSRF_COOKIE, nonce, {
        path: base || "/",
        httpOnly: true,
        sameSite: "Strict",
        secure: new URL(c.req.url).protocol === "https:",
      });
    }
    c.set("csrfToken", await csrf.token(nonce));
    await next();
  });

  const serveAsset = (c: Context<WebEnv>, name: string) => {
    // Own keys only: `/assets/constructor` must not find Object's.
    if (!Object.hasOwn(ASSETS, name)) return c.text("Not found\n", 404);
    const asset = ASSETS[name as keyof typeof ASSETS];
    // Versioned URLs (?v=<hash>): safe to cache; private because the dashboard is authenticated.
    return c.body(asset.body, 200, {
      "Content-Type": asset.type,
      "Cache-Control": "private, max-age=86400",
    });
  };
  app.get("/assets/:name", (c) => serveAsset(c, c.req.param("name")));
  // Pages name their icon; a browser still asks for /favicon.ico where nothing names one (the
  // JSON endpoints opened in a tab), so that gets the same icon rather than a 404.
  app.get("/favicon.ico", (c) => serveAsset(c, "favicon.svg"));

  overviewRoutes(app);
  busyRoutes(app);
  queueRoutes(app);
  queueJobRoutes(app);
  jobSetRoutes(app);
  searchRoutes(app);
  metricsRoutes(app);
  batchRoutes(app);
  periodicRoutes(app);
  flowRoutes(app);

  app.notFound((c) => c.text("Not found\n", 404));
  app.onError((err, c) => c.text(`Internal error: ${err.message}\n`, 500));

  return {
    fetch: (request, info) =>
      Promise.resolve(app.fetch(request, { remoteAddress: info?.remoteAddress })),
  };
}

function normaliseBase(basePath: string | undefined): string {
  if (basePath === undefined || basePath === "" || basePath === "/") return "";
  if (!basePath.startsWith("/") || /[?#"'<>\s]/.test(basePath)) {
    throw new ConfigError(`dashboard: basePath must be a path like "/sidekiq", got ${basePath}`);
  }
  return basePath.replace(/\/+$/, "");
}
