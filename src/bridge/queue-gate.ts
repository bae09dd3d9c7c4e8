/**
 * What an `enqueue` token may add to `queues` (#13 item 5: one 2.6 MB pipeline added 200,000
 * names, after which the dashboard's queue list took 17 s):
 *
 * 1. every queue name it uses (SADD members, `queue:<name>` keys, the push script's names, and
 *    the top-level `"queue"` of every job it writes, since a scheduled or retried job is later
 *    pushed to that queue) must be 1-128 letters, digits, `_`, `-`, `.` or `:`;
 * 2. names already in `queues` are always allowed (looked up once, then remembered);
 * 3. at most `maxNewQueues` names that were not in `queues` are admitted per token for the life
 *    of the bridge process; a request that would go past that is refused whole.
 */
import { skipSpace, stringEnd } from "./json-scan";
import type { TimeSlice } from "./time-slice";

/** A queue name an enqueue token may use. */
export const QUEUE_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
export const QUEUE_NAME_RULE = "1-128 letters, digits, '_', '-', '.' or ':'";

/** Runs read-only lookups on the token's connection (one round trip for the whole list). */
export type Lookup = (commands: readonly (readonly string[])[]) => Promise<unknown[]>;

/** Names remembered as existing, at most (a cache: past this, names are looked up each time). */
const KNOWN_LIMIT = 10_000;

export class QueueGate {
  readonly #queuesKey: string;
  readonly #maxNewQueues: number;
  /** Names seen in `queues`, or admitted by this gate. */
  readonly #known = new Set<string>();
  #created = 0;

  constructor(queuesKey: string, maxNewQueues: number) {
    this.#queuesKey = queuesKey;
    this.#maxNewQueues = maxNewQueues;
  }

  /** Undefined when every name may be used; else the NOPERM message (the request must not run). */
  async admit(names: ReadonlySet<string>, lookup: Lookup): Promise<string | undefined> {
    const unknown: string[] = [];
    for (const name of names) {
      if (!QUEUE_NAME.test(name)) return `NOPERM queue names must be ${QUEUE_NAME_RULE}`;
      if (!this.#known.has(name)) unknown.push(name);
    }
    if (unknown.length === 0) return undefined;
    const replies = await lookup(unknown.map((name) => ["sismember", this.#queuesKey, name]));
    const fresh = new Set(unknown.filter((_, i) => Number(replies[i]) !== 1));
    if (this.#created + fresh.size > this.#maxNewQueues) {
      return `NOPERM this token may create at most ${this.#maxNewQueues} new queues (the bridge's maxNewQueues)`;
    }
    this.#created += fresh.size;
    for (const name of unknown) {
      if (this.#known.size < KNOWN_LIMIT || fresh.has(name)) this.#known.add(name);
    }
    return undefined;
  }
}

/** A job whose top-level `"queue"` is not a string: refused, as no queue name can be checked. */
export const NOT_A_QUEUE_NAME = Symbol("not a queue name");

/**
 * The values of every top-level `"queue"` key of a job's JSON (duplicates included: parsers keep
 * different ones), without parsing the job: one non-recursive pass that jumps over strings and
 * skips whatever is nested. Not a JSON object: no names (nothing can route it to a queue).
 */
export async function jobQueues(
  json: string,
  slice: TimeSlice,
): Promise<string[] | typeof NOT_A_QUEUE_NAME> {
  const out: string[] = [];
  let i = skipSpace(json, 0);
  if (json.charCodeAt(i) !== 0x7b /* { */) return out;
  let depth = 0;
  let expectKey = false;
  for (let steps = 0; i < json.length; steps++) {
    if (steps % 4096 === 4095) await slice.pause();
    const c = json.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(json, i);
      if (end < 0) return out;
      if (depth === 1 && expectKey) {
        expectKey = false;
        if (decodeString(json, i, end) === "queue") {
          let v = skipSpace(json, end + 1);
          if (json.charCodeAt(v) !== 0x3a /* : */) return out;
          v = skipSpace(json, v + 1);
          if (json.charCodeAt(v) !== 0x22) return NOT_A_QUEUE_NAME;
          const vEnd = stringEnd(json, v);
          const value = vEnd < 0 ? undefined : decodeString(json, v, vEnd);
          if (value === undefined) return out;
          out.push(value);
          i = vEnd + 1;
          continue;
        }
      }
      i = end + 1;
    } else if (c === 0x7b || c === 0x5b /* [ */) {
      depth++;
      expectKey = depth === 1;
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (--depth === 0) return out;
      i++;
    } else {
      if (c === 0x2c /* , */ && depth === 1) expectKey = true;
      i++;
    }
  }
  return out;
}

/** Jobs longer than this always take the sliced scan (the fast read has no pauses). */
export const FAST_JOB_CHARS = 1 << 16;

/**
 * The same answer as `jobQueues`, read without walking the whole job, or undefined when that
 * scan must decide. Built for the common job, `{"retry":true,"queue":"default",...}`:
 *
 * - without `\u` in the text, a key can only decode to "queue" if its text is exactly `queue`
 *   (no other escape spells one of its letters), so every top-level "queue" key is an
 *   occurrence of the literal `"queue"`;
 * - with exactly one occurrence, the answer is decided by that one: the scan's own steps, run
 *   only over the text before it, say whether it is a top-level key (not inside a string, not
 *   nested, not a value), and its value is the only name.
 *
 * Anything else (`\u` anywhere, two occurrences, a long job) goes to `jobQueues`.
 */
export function jobQueuesFast(json: string): string[] | typeof NOT_A_QUEUE_NAME | undefined {
  if (json.length > FAST_JOB_CHARS || json.indexOf("\\u") !== -1) return undefined;
  const at = json.indexOf('"queue"');
  if (at === -1) return [];
  if (hasQueueLiteral(json, at + 7)) return undefined;
  if (!isTopLevelKey(json, at)) return [];
  let v = skipSpace(json, at + 7);
  if (json.charCodeAt(v) !== 0x3a /* : */) return [];
  v = skipSpace(json, v + 1);
  if (json.charCodeAt(v) !== 0x22) return NOT_A_QUEUE_NAME;
  const vEnd = stringEnd(json, v);
  const value = vEnd < 0 ? undefined : decodeString(json, v, vEnd);
  return value === undefined ? [] : [value];
}

/**
 * Whether `"queue"` occurs at or after `from`. Found through its `q`: a second multi-character
 * `indexOf` over the rest of a job cost about five times as much (measured on 1,000-job pushes).
 */
function hasQueueLiteral(json: string, from: number): boolean {
  for (let q = json.indexOf("q", from + 1); q !== -1; q = json.indexOf("q", q + 1)) {
    if (json.startsWith('"queue"', q - 1)) return true;
  }
  return false;
}

/**
 * Whether the string token at `at` is a key of the top-level object: `jobQueues`'s steps (depth,
 * whether a key is expected), run up to `at`. False when `at` falls inside a string.
 */
function isTopLevelKey(json: string, at: number): boolean {
  let i = skipSpace(json, 0);
  if (json.charCodeAt(i) !== 0x7b /* { */) return false;
  let depth = 0;
  let expectKey = false;
  while (i < at) {
    const c = json.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(json, i);
      if (end < 0 || end >= at) return false;
      if (depth === 1) expectKey = false;
      i = end + 1;
    } else if (c === 0x7b || c === 0x5b /* [ */) {
      depth++;
      expectKey = depth === 1;
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (--depth === 0) return false;
      i++;
    } else {
      if (c === 0x2c /* , */ && depth === 1) expectKey = true;
      i++;
    }
  }
  return i === at && depth === 1 && expectKey;
}

/**
 * The string between the quotes at `start` and `end`, decoded; undefined if not valid JSON. Only
 * short strings matter (a key named "queue", a queue name), so a long one comes back raw, which
 * is neither.
 */
function decodeString(text: string, start: number, end: number): string | undefined {
  const raw = text.slice(start + 1, end);
  if (raw.length > 1024 || raw.indexOf("\\") === -1) return raw;
  try {
    return JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    return undefined;
  }
}
