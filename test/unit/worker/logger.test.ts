// The one logger: level table, human (logfmt) and JSON lines, and no way for data to forge a line
// or a field (issue 13, item 9).
import { describe, expect, it } from "vitest";
import { createLogger, isLogLevel, type LogLevel } from "../../../src/worker/logger";

const NOW = new Date("2026-11-29T02:50:40.123Z");

function capture(options: { level?: LogLevel; format?: "human" | "json" } = {}) {
  const lines: [string, LogLevel][] = [];
  const logger = createLogger({
    ...options,
    now: () => NOW,
    write: (l, lv) => lines.push([l, lv]),
  });
  return { logger, lines, text: () => lines.map(([l]) => l) };
}

describe("createLogger", () => {
  it("filters by level; the level names are the only levels", () => {
    const { logger, lines } = capture({ level: "warn" });
    logger.debug("a");
    logger.info("b");
    logger.warn("c");
    logger.error("d");
    expect(lines.map(([l, lv]) => [l.split(" ").at(-1), lv])).toEqual([
      ["c", "warn"],
      ["d", "error"],
    ]);
    expect(["debug", "info", "warn", "error"].every(isLogLevel)).toBe(true);
    expect(isLogLevel("constructor")).toBe(false);
    expect(isLogLevel("INFO")).toBe(false);
  });

  it("human: time, padded level, message, key=value fields; undefined fields left out", () => {
    const { logger, text } = capture();
    logger.info("done", { class: "HardJob", jid: "abc", elapsed_ms: 12.5, gone: undefined });
    expect(text()).toEqual([
      "2026-11-29T02:50:40.123Z INFO  done class=HardJob jid=abc elapsed_ms=12.5",
    ]);
  });

  it("human: quotes values with spaces, =, quotes or backslashes, and empty ones", () => {
    const { logger, text } = capture();
    logger.warn("fail", {
      error_message: 'bad "x" = 1',
      path: "C:\\jobs",
      empty: "",
      obj: { a: "b c" },
      n: 10n,
    });
    expect(text()[0]).toBe(
      '2026-11-29T02:50:40.123Z WARN  fail error_message="bad \\"x\\" = 1" path="C:\\\\jobs" empty="" obj="{\\"a\\":\\"b c\\"}" n=10',
    );
  });

  it("human: a newline in a class name cannot forge a line or a field", () => {
    const { logger, text } = capture();
    const forged = "Evil\n2026-11-29T02:50:40.123Z INFO  done class=Fine jid=x\r\u0007\u2028";
    logger.info(`start ${forged}`, { class: forged, [`k\ney`]: 1 });
    const [line] = text();
    expect(text()).toHaveLength(1);
    expect(line).not.toMatch(/[\n\r\u0007\u2028]/);
    expect(line).toBe(
      "2026-11-29T02:50:40.123Z INFO  start Evil\\n2026-11-29T02:50:40.123Z INFO  done class=Fine jid=x\\r\\u0007\\u2028" +
        ' class="Evil\\n2026-11-29T02:50:40.123Z INFO  done class=Fine jid=x\\r\\u0007\\u2028" k_ey=1',
    );
  });

  it("json: one object per line, control characters escaped by JSON, odd values as text", () => {
    const { logger, text } = capture({ format: "json", level: "debug" });
    logger.debug("x\ny", { class: "A\nB", n: 1 });
    logger.error("big", { n: 10n });
    expect(text()).toHaveLength(2);
    expect(text()[0]).not.toContain("\n");
    expect(JSON.parse(text()[0]!)).toEqual({
      time: NOW.toISOString(),
      level: "debug",
      msg: "x\ny",
      class: "A\nB",
      n: 1,
    });
    expect(JSON.parse(text()[1]!)).toMatchObject({ level: "error", msg: "big", n: "10" });
  });
});
