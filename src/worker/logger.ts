/**
 * The logger interface the engine writes to, and the one implementation edgekiq ships (the CLI's
 * `--log-level`/`--log-format` and `consoleLogger` are both `createLogger`). A library user can
 * pass any pino/console-like object instead. Job arguments are never passed in `fields` unless the
 * worker's `logArgs` option is on (security contract: logs never print job arguments unasked).
 *
 * Lines are one of two formats:
 * - human: `2026-11-29T02:50:40.123Z INFO  done class=HardJob jid=… elapsed_ms=12`, logfmt fields:
 *   a value with a space, `=`, a quote, a backslash or a control character is quoted and escaped,
 *   and control characters are escaped in the message too, so data (a job class named with a
 *   newline) can neither split a line nor forge a field;
 * - json: one JSON object per line (`time`, `level`, `msg`, then the fields).
 *
 * A `backtrace` field (an array of stack frames, as a failed job's `fail` line carries) is shown
 * as Sidekiq shows one: in the human format each frame follows the line on its own indented line
 * (escaped like any value, so a frame cannot pass for a log line); in JSON it is an array.
 */

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Drops everything: for tests and benchmarks. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(LEVELS, value);
}

export interface LoggerOptions {
  /** Lines below this level are dropped. Default "info". */
  level?: LogLevel;
  /** Default "human". */
  format?: "human" | "json";
  /** Where each line goes. Default: the console, warn and error lines to stderr. */
  write?: (line: string, level: LogLevel) => void;
  now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? "info"];
  const json = options.format === "json";
  const write = options.write ?? writeToConsole;
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (LEVELS[level] < min) return;
    const time = now().toISOString();
    write(json ? jsonLine(time, level, msg, fields) : humanLine(time, level, msg, fields), level);
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** A console logger in the human format, debug lines hidden unless asked for. */
export function consoleLogger(level: LogLevel = "info"): Logger {
  return createLogger({ level });
}

function writeToConsole(line: string, level: LogLevel): void {
  (level === "error" || level === "warn" ? console.error : console.log)(line);
}

function humanLine(time: string, level: LogLevel, msg: string, fields?: LogFields): string {
  let line = `${time} ${level.toUpperCase().padEnd(5)} ${escapeControls(msg)}`;
  let trailer = "";
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === undefined) continue;
    if (key === "backtrace" && Array.isArray(value)) {
      for (const frame of value) trailer += `\n    ${escapeControls(String(frame))}`;
      continue;
    }
    line += ` ${key.replace(UNSAFE_IN_KEY, "_")}=${logfmtValue(value)}`;
  }
  return line + trailer;
}

function jsonLine(time: string, level: LogLevel, msg: string, fields?: LogFields): string {
  try {
    return JSON.stringify({ time, level, msg, ...fields });
  } catch {
    // A BigInt or a cycle in a field: log its text rather than throw from a log call.
    const text = Object.fromEntries(Object.entries(fields ?? {}).map(([k, v]) => [k, String(v)]));
    return JSON.stringify({ time, level, msg, ...text });
  }
}

/**
 * C0 and C1 controls, DEL, and the Unicode line and paragraph separators: whatever a terminal or
 * a log shipper could take for a line break or an escape sequence.
 */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const SHORT_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
const NEEDS_QUOTES = /[\s="\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const UNSAFE_IN_KEY = /[\s="\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeControls(text: string): string {
  return text.replace(
    CONTROLS,
    (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function logfmtValue(value: unknown): string {
  const text = typeof value === "string" ? value : jsonText(value);
  if (text !== "" && !NEEDS_QUOTES.test(text)) return text;
  return `"${escapeControls(text.replace(/["\\]/g, "\\$&"))}"`;
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
