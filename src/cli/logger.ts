/**
 * Log output for the CLI: human lines by default (`2026-11-29T02:50:40.123Z INFO  done HardJob
 * jid=… 12ms`) or one JSON object per line with `--log-format json`, filtered by level.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

import type { Logger } from "../worker/logger";

export type { Logger };

export function isLogLevel(value: string): value is LogLevel {
  return value in ORDER;
}

export function createLogger(options: {
  level: LogLevel;
  format: "human" | "json";
  write: (line: string) => void;
  now?: () => Date;
}): Logger {
  const min = ORDER[options.level];
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const time = now().toISOString();
    if (options.format === "json") {
      options.write(JSON.stringify({ time, level, msg: message, ...fields }));
      return;
    }
    const extras = fields
      ? Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
          .join(" ")
      : "";
    options.write(
      `${time} ${level.toUpperCase().padEnd(5)} ${message}${extras ? ` ${extras}` : ""}`,
    );
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}
