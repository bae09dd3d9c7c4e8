/**
 * The small JSON scanning steps shared by the bridge's bounded readers (request bodies in
 * `command-parser.ts`, job payloads in `queue-gate.ts`): none recurses and none looks past the
 * token it reads, so their cost is linear in what they read.
 */

/** The first index at or after `at` that is not JSON whitespace. */
export function skipSpace(text: string, at: number): number {
  for (;;) {
    const c = text.charCodeAt(at);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return at;
    at++;
  }
}

/**
 * Index of the quote closing the JSON string whose opening quote is at `start`, or -1: the first
 * `"` after it that is not escaped (preceded by an even run of backslashes).
 */
export function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    let run = 0;
    while (text.charCodeAt(end - 1 - run) === 0x5c /* \ */) run++;
    if (run % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}
