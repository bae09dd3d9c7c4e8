/**
 * A job's `error_backtrace` (wire spec §2.2): `base64(zlib_deflate(JSON.generate(lines)))`, as
 * Sidekiq's `compress_backtrace` writes it. Sidekiq 6.4 writes MIME base64 (a newline after every
 * 60 characters and at the end), 7.x strict base64; very old payloads hold a plain array. Web
 * `CompressionStream` / `DecompressionStream` ("deflate" is the zlib format), so it runs on every
 * runtime and in the browser alike.
 */
import { fromBase64, toBase64 } from "./bytes";

/** What the Sidekiq generation given reads: 6 = MIME base64, 7 = strict base64. */
export async function encodeBacktrace(
  lines: readonly string[],
  sidekiqVersion: 6 | 7 = 7,
): Promise<string> {
  const stream = new Blob([JSON.stringify(lines)])
    .stream()
    .pipeThrough(new CompressionStream("deflate"));
  const b64 = toBase64(new Uint8Array(await new Response(stream).arrayBuffer()));
  if (sidekiqVersion === 7) return b64;
  // Ruby's Base64.encode64.
  return `${b64.match(/.{1,60}/g)?.join("\n") ?? ""}\n`;
}

/**
 * Reads what any Sidekiq wrote (strict or MIME base64, or a plain array). Undefined when there is
 * nothing to show: no backtrace, or one that is not base64/zlib/JSON (a Marshal dump from
 * Sidekiq 5, or garbage), which a reader should not fail on.
 */
export async function decodeBacktrace(value: unknown): Promise<string[] | undefined> {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== "string" || value === "") return undefined;
  try {
    const bytes = fromBase64(value.replace(/\s+/g, ""));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    const lines: unknown = JSON.parse(await new Response(stream).text());
    return Array.isArray(lines) ? lines.map(String) : [String(lines)];
  } catch {
    return undefined;
  }
}
