/**
 * The logger interface the engine writes to. The CLI formats it (human or JSON); a library user
 * can pass pino/console-like objects. Job arguments are never passed in `fields` unless the
 * worker's `logArgs` option is on (security contract: logs never print job arguments unasked).
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

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A plain console logger: `LEVEL msg key=value …`, debug lines hidden unless asked for. */
export function consoleLogger(minLevel: Level = "info"): Logger {
  const min = ORDER[minLevel];
  const write = (level: Level) => (msg: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    let line = `${new Date().toISOString()} ${level.toUpperCase()} ${msg}`;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) {
        line += ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`;
      }
    }
    (level === "error" || level === "warn" ? console.error : console.log)(line);
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}
