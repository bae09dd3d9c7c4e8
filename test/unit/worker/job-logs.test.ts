// The parts of #14 item 6 that need no process: a `backtrace` field follows a human line as
// indented, escaped frames (a JSON array in JSON lines), and a job's logger (ctx.logger) puts its
// class, jid and queue on every line.
import { describe, expect, it } from "vitest";
import { JobLogger } from "../../../src/worker/job-logger";
import { createLogger, type LogFields, type LogLevel } from "../../../src/worker/logger";

const NOW = new Date("2026-11-29T02:50:40.123Z");

function capture(format: "human" | "json" = "human") {
  const lines: string[] = [];
  const logger = createLogger({ format, now: () => NOW, write: (l) => lines.push(l) });
  return { logger, lines };
}

describe("a backtrace field", () => {
  it("follows the human line, one indented frame a line, escaped", () => {
    const { logger, lines } = capture();
    logger.warn("fail", {
      class: "Boom",
      backtrace: ["at a (/app/jobs.ts:3:9)", "at b\n2026-11-29T00:00:00.000Z INFO  forged"],
      error_class: "Error",
    });
    expect(lines).toEqual([
      "2026-11-29T02:50:40.123Z WARN  fail class=Boom error_class=Error\n" +
        "    at a (/app/jobs.ts:3:9)\n" +
        "    at b\\n2026-11-29T00:00:00.000Z INFO  forged",
    ]);
  });

  it("is an array in JSON lines", () => {
    const { logger, lines } = capture("json");
    logger.warn("fail", { backtrace: ["at a (/app/jobs.ts:3:9)"] });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: "fail",
      backtrace: ["at a (/app/jobs.ts:3:9)"],
    });
  });

  it("that is not an array is an ordinary field", () => {
    const { logger, lines } = capture();
    logger.info("x", { backtrace: "none" });
    expect(lines).toEqual(["2026-11-29T02:50:40.123Z INFO  x backtrace=none"]);
  });
});

describe("JobLogger", () => {
  it("puts class, jid and queue first on every level; the caller's fields follow and win", () => {
    const seen: [LogLevel, string, LogFields | undefined][] = [];
    const base = {
      debug: (m: string, f?: LogFields) => seen.push(["debug", m, f]),
      info: (m: string, f?: LogFields) => seen.push(["info", m, f]),
      warn: (m: string, f?: LogFields) => seen.push(["warn", m, f]),
      error: (m: string, f?: LogFields) => seen.push(["error", m, f]),
    };
    const log = new JobLogger(base, "HardJob", "a".repeat(24), "critical");
    log.debug("d");
    log.info("i", { step: 1 });
    log.warn("w", { queue: "overridden" });
    log.error("e");
    const job = { class: "HardJob", jid: "a".repeat(24), queue: "critical" };
    expect(seen).toEqual([
      ["debug", "d", job],
      ["info", "i", { ...job, step: 1 }],
      ["warn", "w", { ...job, queue: "overridden" }],
      ["error", "e", job],
    ]);
    expect(Object.keys(seen[1]![2]!)).toEqual(["class", "jid", "queue", "step"]);
  });
});
