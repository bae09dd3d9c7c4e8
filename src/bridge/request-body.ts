/**
 * Reads a request body as text: at most `maxBytes` (checked against Content-Length first, then
 * while streaming, so an oversized body is never buffered whole), valid UTF-8 (decoded chunk by
 * chunk as it arrives, so a large body costs no single long decode). `command-parser.ts` then
 * turns the text into commands.
 */
import { EdgekiqError } from "../core/errors";

/** A client error the bridge answers with `status` and `{ error: message }`. */
export class BridgeHttpError extends EdgekiqError {
  override readonly name = "BridgeHttpError";
  readonly code = "BRIDGE_REQUEST";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOO_LARGE = "ERR max request size exceeded";
const NOT_UTF8 = "ERR request body is not valid UTF-8";

export async function readBody(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw new BridgeHttpError(413, TOO_LARGE);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const parts: string[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BridgeHttpError(413, TOO_LARGE);
    }
    const text = decode(decoder, value);
    if (text === undefined) {
      await reader.cancel().catch(() => undefined);
      throw new BridgeHttpError(400, NOT_UTF8);
    }
    parts.push(text);
  }
  const rest = decode(decoder);
  if (rest === undefined) throw new BridgeHttpError(400, NOT_UTF8);
  if (rest) parts.push(rest);
  // A push arrives as one chunk: no join (and no copy) for it.
  return parts.length === 1 ? parts[0]! : parts.join("");
}

/** The next piece of text, or undefined for invalid UTF-8 (no value: flush the last bytes). */
function decode(decoder: TextDecoder, bytes?: Uint8Array): string | undefined {
  try {
    return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
  } catch {
    return undefined;
  }
}
