/**
 * Bytes as text and back, and comparing secrets: hex, base64 (standard and URL-safe), SHA digests
 * in hex, random hex, and a constant-time equality. Web APIs only (Uint8Array, atob/btoa, Web
 * Crypto), so the edge client, the worker, the dashboard and the bridge share one implementation.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex of `bytes[start..end)`; the range lets hot paths skip a subarray allocation. */
export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = "";
  for (let i = start; i < end; i++) out += HEX[bytes[i]!];
  return out;
}

/** The bytes of a hex string (two digits a byte; callers check the text is hex). */
export function fromHex(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `byteCount` random bytes from Web Crypto as hex (Ruby's `SecureRandom.hex(n)`). */
export function randomHex(byteCount: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(byteCount)));
}

/** The digest of a string's UTF-8 bytes: SHA-256 for secrets, SHA-1 for Lua script ids. */
export async function digest(
  algorithm: "SHA-1" | "SHA-256",
  text: string,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest(algorithm, new TextEncoder().encode(text)));
}

/** The same digest as lowercase hex (what token files store and EVALSHA takes). */
export async function digestHex(algorithm: "SHA-1" | "SHA-256", text: string): Promise<string> {
  return toHex(await digest(algorithm, text));
}

/** Standard base64 with padding, in chunks so that large values do not overflow the call stack. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** URL-safe base64 without padding (RFC 4648 §5), for cookies and form fields. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The bytes of standard base64 text; throws (a DOMException from `atob`) when it is not base64. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * Compares two byte strings touching every byte, so the time taken does not say where they
 * differ. Only the length leaks: compare digests (fixed length) when the length is secret too.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
