/**
 * CSRF protection for every state change (every POST), two independent checks:
 *
 * 1. Signed double-submit token: a random value in an HttpOnly, SameSite=Strict cookie, and in
 *    each form `HMAC-SHA256(secret, cookie)`. A cross-site page can neither read the cookie nor
 *    forge the HMAC; a cookie planted from a sibling subdomain is useless without the secret.
 * 2. Origin check: a browser's `Origin` (or, without it, `Sec-Fetch-Site`) must be this site.
 *
 * The secret is random per `dashboard()` unless given, so a restart invalidates open forms (the
 * user reloads); several instances behind a load balancer need the same `secret`.
 */
import { equalBytes, toBase64Url } from "../core/bytes";

export const CSRF_COOKIE = "edgekiq_csrf";
export const CSRF_FIELD = "authenticity_token";

export class Csrf {
  readonly #key: Promise<CryptoKey>;

  constructor(
    secret: string | undefined,
    readonly allowedOrigins: readonly string[] = [],
  ) {
    const material = secret
      ? new TextEncoder().encode(secret)
      : crypto.getRandomValues(new Uint8Array(32));
    this.#key = crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
  }

  /** A new random cookie value. */
  static newNonce(): string {
    return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  }

  /** The form token for a cookie value. */
  async token(nonce: string): Promise<string> {
    const sig = await crypto.subtle.sign("HMAC", await this.#key, new TextEncoder().encode(nonce));
    return toBase64Url(new Uint8Array(sig));
  }

  /** Why a state-changing request must be refused, or undefined if it may proceed. */
  async reject(
    request: Request,
    nonce: string | undefined,
    token: unknown,
  ): Promise<string | undefined> {
    const origin = request.headers.get("origin");
    const self = new URL(request.url).origin;
    if (origin !== null) {
      if (origin !== self && !this.allowedOrigins.includes(origin)) {
        return `cross-origin request from ${origin}`;
      }
    } else {
      const site = request.headers.get("sec-fetch-site");
      if (site !== null && site !== "same-origin") return `cross-site request (${site})`;
    }
    if (!nonce) return "missing CSRF cookie";
    if (typeof token !== "string" || token === "") return "missing CSRF token";
    const expected = new TextEncoder().encode(await this.token(nonce));
    if (!equalBytes(expected, new TextEncoder().encode(token))) return "invalid CSRF token";
    return undefined;
  }
}
