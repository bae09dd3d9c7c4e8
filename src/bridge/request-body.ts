/**
 * Reads and checks a request body: at most `maxBytes` (checked against Content-Length first,
 * then while streaming, so an oversized body is never buffered whole), valid UTF-8, and JSON of
 * the shape the endpoint takes: one command (`["SET","k","v"]`) or a list of them. Arguments may
 * be strings, numbers or booleans, as @upstash/redis sends them; numbers go on as decimal text.
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

/** A command ready for Redis. */
export interface ParsedCommand {
  /** Lower-cased, for scope checks. */
  name: string;
  /** As the client sent it (Redis echoes an unknown command's name in its error). */
  sent: string;
  args: string[];
}

const TOO_LARGE = "ERR max request size exceeded";

export async function readBody(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw new BridgeHttpError(413, TOO_LARGE);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BridgeHttpError(413, TOO_LARGE);
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BridgeHttpError(400, "ERR request body is not valid UTF-8");
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BridgeHttpError(400, "ERR request body is not valid JSON");
  }
}

/** `POST /`: one command. */
export function parseCommandBody(text: string): ParsedCommand {
  return toCommand(parseJson(text), "");
}

/** `POST /pipeline` and `/multi-exec`: a non-empty list of commands. */
export function parseCommandListBody(text: string): ParsedCommand[] {
  const data = parseJson(text);
  if (!Array.isArray(data) || data.length === 0) {
    throw new BridgeHttpError(400, "ERR expected a non-empty JSON array of commands");
  }
  return data.map((command, i) => toCommand(command, ` (command ${i + 1})`));
}

function toCommand(value: unknown, where: string): ParsedCommand {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BridgeHttpError(400, `ERR expected a command as a non-empty JSON array${where}`);
  }
  const parts: string[] = [];
  for (const part of value) {
    if (typeof part === "string") parts.push(part);
    else if (typeof part === "number" && Number.isFinite(part)) parts.push(String(part));
    else if (typeof part === "boolean") parts.push(String(part));
    else {
      throw new BridgeHttpError(
        400,
        `ERR command arguments must be strings, numbers or booleans${where}`,
      );
    }
  }
  const [name, ...args] = parts;
  if (!name || typeof value[0] !== "string") {
    throw new BridgeHttpError(400, `ERR the command name must be a non-empty string${where}`);
  }
  return { name: name.toLowerCase(), sent: name, args };
}
