/**
 * Pretty-printing of stored JSON text for the job pages, without parsing it into values first:
 * the bytes shown are the bytes Redis holds (integers beyond 2^53, `3.0`, key order), and any
 * depth is fine. `JSON.stringify(value, null, 2)` recurses and overflows the stack on a 20k-deep
 * payload, which used to turn a whole page into a 500.
 *
 * One loop over the text: a newline and indentation after `{`, `[` and `,` down to `maxDepth`;
 * below that the text is copied as stored (compact), so a deep job stays one long line there.
 * Indentation can multiply the size of a payload of many tiny values, so past a bound the text
 * is returned as stored instead.
 */
import { skipString, skipWs } from "../core/raw-json";

/** Levels indented before the rest is shown as stored. */
export const PRETTY_DEPTH = 20;

/** `text` must be valid JSON (the caller parsed it already). */
export function prettyJson(text: string, maxDepth: number = PRETTY_DEPTH): string {
  const limit = text.length * 4 + 65_536;
  let out = "";
  let depth = 0;
  const newline = () => `\n${"  ".repeat(depth)}`;
  for (let i = skipWs(text, 0); i < text.length; i = skipWs(text, i)) {
    const c = text[i]!;
    if (c === '"') {
      const end = skipString(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (c === "{" || c === "[") {
      const next = skipWs(text, i + 1);
      if (text[next] === "}" || text[next] === "]") {
        out += c + text[next]; // an empty container stays `[]` / `{}`
        i = next + 1;
        continue;
      }
      depth++;
      out += depth <= maxDepth ? c + newline() : c;
      i++;
    } else if (c === "}" || c === "]") {
      depth--;
      out += depth < maxDepth ? newline() + c : c;
      i++;
    } else if (c === ",") {
      out += depth <= maxDepth ? `,${newline()}` : ",";
      i++;
    } else if (c === ":") {
      out += depth <= maxDepth ? ": " : ":";
      i++;
    } else {
      // A number, true, false or null: up to the next delimiter.
      let end = i + 1;
      while (end < text.length && !/[\s,:{}[\]"]/.test(text[end]!)) end++;
      out += text.slice(i, end);
      i = end;
    }
    if (out.length > limit) return text;
  }
  return out;
}
