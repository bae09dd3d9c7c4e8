/**
 * Turns a request body's text into commands, with the work bounded before any of it is done
 * (#13 item 1: `JSON.parse` of an 8 MB body nested 4M levels deep blocked the event loop for
 * seconds, for every token). A body whose `JSON.parse` cost one cheap pass bounds takes the fast
 * path (`fast-parse.ts`); every other body, and every body that fast path does not accept, is read
 * here in one left-to-right pass, no recursion, no `JSON.parse` of the body:
 *
 * 1. Only the protocol's shape is accepted: one command (`["SET","k","v"]`) or a list of them,
 *    each a flat array of strings, numbers and booleans. A third level of nesting is refused at
 *    its first `[`, so depth costs nothing.
 * 2. The number of commands and of arguments is counted as they are read; the request is refused
 *    (413) at the first one over the limit, before the rest is even looked at.
 * 3. Long bodies are read in slices of a few milliseconds with a macrotask between them, so other
 *    requests (an admin's PING) are answered while a large body is parsed. Small bodies (a push)
 *    finish in the first slice and never wait.
 *
 * Values come out exactly as `JSON.parse` would give them: strings decoded (escapes included,
 * lone surrogates kept), numbers as `String(number)` (`1e308` -> "1e+308"), booleans as
 * "true"/"false". Anything that is not JSON is refused as such.
 */
import { fastCommands } from "./fast-parse";
import { skipSpace, stringEnd } from "./json-scan";
import { BridgeHttpError } from "./request-body";
import { TimeSlice } from "./time-slice";

/** A command ready for Redis. */
export interface ParsedCommand {
  /** Lower-cased, for scope checks. */
  name: string;
  /** As the client sent it (Redis echoes an unknown command's name in its error). */
  sent: string;
  args: string[];
}

export interface ParseLimits {
  /** Most commands in one pipeline or transaction. */
  maxCommands: number;
  /** Most arguments (command names excluded) in one request, all commands together. */
  maxArguments: number;
}

/** `single`: `POST /` (one command); `list`: `/pipeline` and `/multi-exec`. */
export type BodyShape = "single" | "list";

/** Tokens between clock reads (reading the clock per token would cost more than parsing). */
const TOKENS_PER_CHECK = 512;
/** Long strings are checked and decoded in pieces of this many characters. */
const PIECE = 1 << 18;

const NOT_JSON = "ERR request body is not valid JSON";
const NOT_SCALAR = "ERR command arguments must be strings, numbers or booleans";
const NESTED = "ERR commands cannot nest: arguments must be strings, numbers or booleans";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
/** JSON's number grammar, anchored where the scan stands. */
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** Characters JSON forbids raw inside a string. */
const CONTROL = /[\u0000-\u001f]/;

/**
 * The body's commands: through `JSON.parse` when one cheap pass shows its cost is bounded
 * (`fast-parse.ts`: most bodies, a 1,000-job push included), else through the scanner below.
 * Both give the same commands; every refusal comes from the scanner.
 */
export async function parseCommands(
  text: string,
  shape: BodyShape,
  limits: ParseLimits,
): Promise<ParsedCommand[]> {
  return fastCommands(text, shape, limits) ?? scanCommands(text, shape, limits);
}

/** The bounded scanner alone, whatever the body (the tests compare it with the fast path). */
export async function scanCommands(
  text: string,
  shape: BodyShape,
  limits: ParseLimits,
): Promise<ParsedCommand[]> {
  return new CommandParser(text, limits).parse(shape);
}

class CommandParser {
  readonly #text: string;
  readonly #limits: ParseLimits;
  #at = 0;
  #arguments = 0;
  #tokens = 0;
  readonly #slice = new TimeSlice();

  constructor(text: string, limits: ParseLimits) {
    this.#text = text;
    this.#limits = limits;
  }

  async parse(shape: BodyShape): Promise<ParsedCommand[]> {
    const commands: ParsedCommand[] = [];
    this.#open(shape === "single" ? "ERR expected a command as a non-empty JSON array" : "");
    if (shape === "single") commands.push(await this.#command(""));
    else {
      if (this.#peek() === CLOSE) {
        throw new BridgeHttpError(400, "ERR expected a non-empty JSON array of commands");
      }
      do {
        if (commands.length === this.#limits.maxCommands) {
          throw new BridgeHttpError(
            413,
            `ERR too many commands in one request (the limit is ${this.#limits.maxCommands})`,
          );
        }
        const where = ` (command ${commands.length + 1})`;
        this.#open(`ERR expected a command as a non-empty JSON array${where}`);
        commands.push(await this.#command(where));
      } while (this.#separator());
    }
    this.#skipSpace();
    if (this.#at !== this.#text.length) throw new BridgeHttpError(400, NOT_JSON);
    return commands;
  }

  /** Reads a command's elements after its `[`, through its `]`. */
  async #command(where: string): Promise<ParsedCommand> {
    if (this.#peek() === CLOSE) {
      throw new BridgeHttpError(400, `ERR expected a command as a non-empty JSON array${where}`);
    }
    const first = this.#peek() === QUOTE;
    const parts: string[] = [];
    do {
      if (parts.length > 0 && ++this.#arguments > this.#limits.maxArguments) {
        throw new BridgeHttpError(
          413,
          `ERR too many arguments in one request (the limit is ${this.#limits.maxArguments})`,
        );
      }
      // Short values come back as strings: no promise per token on the common path.
      const part = this.#scalar(where);
      parts.push(typeof part === "string" ? part : await part);
      if (++this.#tokens % TOKENS_PER_CHECK === 0) await this.#slice.pause();
    } while (this.#separator());
    const [sent = "", ...args] = parts;
    if (!first || sent === "") {
      throw new BridgeHttpError(400, `ERR the command name must be a non-empty string${where}`);
    }
    return { name: sent.toLowerCase(), sent, args };
  }

  /** One argument: a string, a finite number or a boolean, as text. */
  #scalar(where: string): string | Promise<string> {
    const text = this.#text;
    const c = this.#peek();
    if (c === QUOTE) return this.#string();
    if (c === OPEN) throw new BridgeHttpError(400, `${NESTED}${where}`);
    if (text.startsWith("true", this.#at)) {
      this.#at += 4;
      return "true";
    }
    if (text.startsWith("false", this.#at)) {
      this.#at += 5;
      return "false";
    }
    NUMBER.lastIndex = this.#at;
    const m = NUMBER.exec(text);
    if (m) {
      this.#at += m[0].length;
      const n = Number(m[0]);
      if (Number.isFinite(n)) return String(n);
    } else if (c !== 0x7b && c !== 0x6e /* { n(ull) */) {
      throw new BridgeHttpError(400, NOT_JSON);
    }
    throw new BridgeHttpError(400, `${NOT_SCALAR}${where}`);
  }

  /** A JSON string starting at its opening quote; a long one is decoded in pieces. */
  #string(): string | Promise<string> {
    const text = this.#text;
    const start = this.#at + 1;
    const end = stringEnd(text, this.#at);
    if (end === -1) throw new BridgeHttpError(400, NOT_JSON);
    this.#at = end + 1;
    const raw = text.slice(start, end);
    if (raw.length > PIECE) return this.#longString(start, end, raw);
    if (raw.indexOf("\\") === -1) {
      if (CONTROL.test(raw)) throw new BridgeHttpError(400, NOT_JSON);
      return raw;
    }
    return decodePiece(raw);
  }

  /** The same, piece by piece with pauses in between. */
  async #longString(start: number, end: number, raw: string): Promise<string> {
    const text = this.#text;
    const escaped = raw.indexOf("\\") !== -1;
    const pieces: string[] = [];
    for (let at = start; at < end; ) {
      // Pieces never split an escape; a surrogate pair split over two pieces joins back into
      // the same UTF-16 string.
      const cut = at + PIECE >= end ? end : escaped ? escapeSafeCut(text, at + PIECE) : at + PIECE;
      const piece = text.slice(at, cut);
      if (escaped) pieces.push(decodePiece(piece));
      else if (CONTROL.test(piece)) throw new BridgeHttpError(400, NOT_JSON);
      at = cut;
      await this.#slice.pause();
    }
    return escaped ? pieces.join("") : raw;
  }

  /** Expects `[` (after whitespace); `message` when something else is there ("" = not JSON). */
  #open(message: string): void {
    this.#skipSpace();
    if (this.#text.charCodeAt(this.#at) !== OPEN) {
      throw new BridgeHttpError(400, message && this.#at < this.#text.length ? message : NOT_JSON);
    }
    this.#at++;
  }

  /** After an element: true for `,` (another follows), false for `]`. */
  #separator(): boolean {
    const c = this.#peek();
    this.#at++;
    if (c === COMMA) return true;
    if (c === CLOSE) return false;
    throw new BridgeHttpError(400, NOT_JSON);
  }

  /** The next character after whitespace (NaN at the end). */
  #peek(): number {
    this.#skipSpace();
    return this.#text.charCodeAt(this.#at);
  }

  #skipSpace(): void {
    this.#at = skipSpace(this.#text, this.#at);
  }
}

/** The text of a string with escapes (no quotes around it), decoded as JSON.parse does. */
function decodePiece(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    throw new BridgeHttpError(400, NOT_JSON);
  }
}

/**
 * A cut position at or before `at` that does not fall inside an escape sequence (`\"`, `\\`,
 * `\uXXXX`...): backs up to the start of any escape that would straddle it.
 */
function escapeSafeCut(text: string, at: number): number {
  // An escape starts at a backslash preceded by an even run of backslashes; the longest one
  // (`\uXXXX`) spans 6 characters, so only the 5 before the cut can straddle it.
  for (let back = 1; back <= 5; back++) {
    const p = at - back;
    if (text.charCodeAt(p) !== BACKSLASH) continue;
    let run = 0;
    while (text.charCodeAt(p - 1 - run) === BACKSLASH) run++;
    if (run % 2 === 1) continue; // this backslash is itself escaped
    const length = text.charCodeAt(p + 1) === 0x75 /* u */ ? 6 : 2;
    if (p + length > at) return p;
  }
  return at;
}
