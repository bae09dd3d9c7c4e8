/**
 * Reads a job's `error_backtrace` (wire spec §2.2): `base64(zlib_deflate(JSON.generate(lines)))`.
 * 6.4 writes MIME base64 (a newline every 60 chars), 7.x strict base64; very old payloads hold a
 * plain array. Uses the Web `DecompressionStream` ("deflate" is the zlib format), so it runs on
 * every runtime and in the browser alike.
 */

export async function decodeBacktrace(value: unknown): Promise<string[] | undefined> {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== "string" || value === "") return undefined;
  try {
    const binary = atob(value.replace(/\s+/g, ""));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    const text = await new Response(stream).text();
    const lines: unknown = JSON.parse(text);
    return Array.isArray(lines) ? lines.map(String) : [String(lines)];
  } catch {
    // Not base64/zlib/JSON (a Marshal dump from Sidekiq 5, or garbage): show nothing rather than fail.
    return undefined;
  }
}

/** The inverse, for tests and tools: what Sidekiq 7 writes for `lines`. */
export async function encodeBacktrace(lines: readonly string[]): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(lines));
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"));
  const out = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = "";
  for (const b of out) binary += String.fromCharCode(b);
  return btoa(binary);
}
