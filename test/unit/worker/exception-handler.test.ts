// The error hub: configured handlers run (each guarded), the error event follows, and with no
// handler the error is logged here unless its reporter already logged it: one line per failure.
import { describe, expect, it } from "vitest";
import { exceptionHandler } from "../../../src/worker/exception-handler";
import type { Logger } from "../../../src/worker/logger";
import type { ErrorContext, ErrorHandler } from "../../../src/worker/types";

function recording() {
  const lines: [string, string, unknown][] = [];
  const logger: Logger = {
    debug: (m, f) => lines.push(["debug", m, f]),
    info: (m, f) => lines.push(["info", m, f]),
    warn: (m, f) => lines.push(["warn", m, f]),
    error: (m, f) => lines.push(["error", m, f]),
  };
  const events: { error: Error; context: ErrorContext }[] = [];
  return { lines, logger, events, emit: (e: (typeof events)[number]) => events.push(e) };
}

describe("exceptionHandler", () => {
  it("with no handler, logs an error once and emits it", () => {
    const r = recording();
    const report = exceptionHandler([], r.logger, r.emit);
    report(new RangeError("bad"), { context: "Heartbeat error" });
    expect(r.lines).toEqual([
      ["error", "Heartbeat error", { error_class: "RangeError", error_message: "bad" }],
    ]);
    expect(r.events.map((e) => [e.error.message, e.context.context])).toEqual([
      ["bad", "Heartbeat error"],
    ]);
  });

  it("does not log again what its reporter already logged, but still emits it", () => {
    const r = recording();
    const report = exceptionHandler([], r.logger, r.emit);
    report(new Error("Invalid JSON for job: x"), { context: "Invalid JSON for job" }, true);
    expect(r.lines).toEqual([]);
    expect(r.events).toHaveLength(1);
  });

  it("runs every handler instead of logging; one that throws is logged and the rest run", () => {
    const r = recording();
    const seen: string[] = [];
    const handlers: ErrorHandler[] = [
      () => {
        throw new Error("handler bug");
      },
      (err, ctx) => seen.push(`${ctx.context}: ${err.message}`),
    ];
    const report = exceptionHandler(handlers, r.logger, r.emit);
    report("thrown string", { context: "Error fetching job" });
    expect(seen).toEqual(["Error fetching job: thrown string"]);
    expect(r.lines).toEqual([["error", "Error handler raised", { error_message: "handler bug" }]]);
    expect(r.events).toHaveLength(1);
  });
});
