/**
 * Byte-preserving edits of a job's top-level JSON object.
 *
 * Ruby and Sidekiq's API find a job by its exact string, and Ruby writes values JavaScript cannot
 * round-trip: integers beyond 2^53, floats like `3.0`, object keys that look like integers (which
 * JS objects reorder). So when the worker must rewrite a payload (a retry adds error fields), it
 * never re-serialises the parsed value: it splits the top level into `key -> raw value text`,
 * changes only the fields it owns, and joins the rest back untouched.
 *
 * The scanners are loops, not recursion, so any depth JSON.parse accepts is fine; they are also
 * exported for showing stored bytes (`rawArrayItems`, `skipString`).
 */
import { JobPayloadError } from "./errors";

interface Entry {
  rawKey: string;
  rawValue: string;
}

export class RawJsonObject {
  readonly #entries = new Map<string, Entry>();

  private constructor() {}

  /** Splits `json` into its top-level members. Throws JobPayloadError if it is not a JSON object. */
  static parse(json: string): RawJsonObject {
    // Full validation first: the scanner below trusts the structure.
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new JobPayloadError((err as Error).message, { cause: err });
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new JobPayloadError("payload is not a JSON object");
    }
    const obj = new RawJsonObject();
    let i = skipWs(json, 0) + 1; // past "{"
    i = skipWs(json, i);
    if (json[i] === "}") return obj;
    for (;;) {
      const keyEnd = skipValue(json, i);
      const rawKey = json.slice(i, keyEnd);
      i = skipWs(json, keyEnd) + 1; // past ":"
      i = skipWs(json, i);
      const valueEnd = skipValue(json, i);
      const key = JSON.parse(rawKey) as string;
      // Duplicate keys: JSON.parse keeps the last one; so do we.
      obj.#entries.delete(key);
      obj.#entries.set(key, { rawKey, rawValue: json.slice(i, valueEnd) });
      i = skipWs(json, valueEnd);
      if (json[i] === "}") return obj;
      i = skipWs(json, i + 1); // past ","
    }
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** The member's raw JSON text, exactly as it was written. */
  getRaw(key: string): string | undefined {
    return this.#entries.get(key)?.rawValue;
  }

  /** Sets a member to already-serialised JSON text; a new key goes last (Ruby's insertion order). */
  setRaw(key: string, rawValue: string): this {
    const entry = this.#entries.get(key);
    if (entry) entry.rawValue = rawValue;
    else this.#entries.set(key, { rawKey: JSON.stringify(key), rawValue });
    return this;
  }

  /** Sets a member to a JS value, serialised with JSON.stringify. */
  set(key: string, value: unknown): this {
    return this.setRaw(key, JSON.stringify(value));
  }

  delete(key: string): this {
    this.#entries.delete(key);
    return this;
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }

  toString(): string {
    let out = "{";
    let first = true;
    for (const { rawKey, rawValue } of this.#entries.values()) {
      out += `${first ? "" : ","}${rawKey}:${rawValue}`;
      first = false;
    }
    return `${out}}`;
  }
}

/** The raw JSON text of each item of a JSON array text (valid JSON), exactly as written. */
export function rawArrayItems(json: string): string[] {
  const items: string[] = [];
  let i = skipWs(json, 0);
  if (json[i] !== "[") throw new JobPayloadError("not a JSON array");
  i = skipWs(json, i + 1);
  while (i < json.length && json[i] !== "]") {
    const end = skipValue(json, i);
    items.push(json.slice(i, end));
    i = skipWs(json, end);
    if (json[i] === ",") i = skipWs(json, i + 1);
  }
  return items;
}

export function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === " " || s[i] === "\n" || s[i] === "\r" || s[i] === "\t")) i++;
  return i;
}

/** Index just past the JSON value starting at `i` (the text is known to be valid JSON). */
function skipValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return skipString(s, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s[j];
      if (d === '"') j = skipString(s, j) - 1;
      else if (d === "{" || d === "[") depth++;
      else if (d === "}" || d === "]") {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return s.length;
  }
  // number, true, false, null
  let j = i;
  while (j < s.length && !/[,}\]\s]/.test(s[j] as string)) j++;
  return j;
}

/** Index just past the JSON string whose opening quote is at `i`. */
export function skipString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === "\\") j++;
    else if (s[j] === '"') return j + 1;
  }
  return s.length;
}
