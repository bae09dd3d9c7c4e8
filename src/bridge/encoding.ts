/**
 * Turns Redis replies (as ioredis hands them over when asked for buffers) into the JSON results
 * the Upstash protocol defines:
 *
 * - with `Upstash-Encoding: base64`, every string is the base64 of Redis's exact bytes, status
 *   replies (`OK`, `PONG`, `QUEUED`) included, so binary values and invalid UTF-8 survive;
 * - without it, strings are decoded as UTF-8 (invalid bytes become U+FFFD, as on Upstash);
 * - integers and nulls stay as they are; arrays are converted element by element (RESP2 shape: the
 *   bridge talks RESP2 to Redis, so maps and sets already arrive as flat arrays);
 * - an error nested in an array (a Lua table `{err=...}`) becomes its text.
 */

import { toBase64 } from "../core/bytes";

export type JsonResult = string | number | null | JsonResult[];

const utf8 = new TextDecoder();
const toUtf8 = new TextEncoder();

export function encodeReply(reply: unknown, base64: boolean): JsonResult {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "number") return reply;
  if (reply instanceof Uint8Array) return base64 ? toBase64(reply) : utf8.decode(reply);
  if (typeof reply === "string") return base64 ? toBase64(toUtf8.encode(reply)) : reply;
  if (Array.isArray(reply)) return reply.map((r) => encodeReply(r, base64));
  if (reply instanceof Error) return encodeReply(reply.message, base64);
  if (typeof reply === "bigint" || typeof reply === "boolean") {
    return typeof reply === "boolean" ? (reply ? 1 : 0) : String(reply);
  }
  return encodeReply(String(reply), base64);
}
