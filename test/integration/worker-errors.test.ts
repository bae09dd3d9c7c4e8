// How failures reach the log on a real Redis: each failure gives one line, and an exception in
// an event listener is logged, never swallowed (and never breaks the worker).
import { describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import type { Logger } from "../../src/worker/logger";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });

function recordingLogger() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, msg, fields });
  const logger: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
  return { lines, logger };
}

describe("error reporting", () => {
  it("a throwing `error` listener is logged once per throw; the worker carries on", async () => {
    await t.flush();
    const { lines, logger } = recordingLogger();
    const worker = testWorker(t.redis, { logger, scheduler: false });
    worker.register("Fails", () => {
      throw new Error("job failed");
    });
    worker.register("Works", () => undefined);
    worker.on("error", () => {
      throw new TypeError("listener bug");
    });
    await worker.start();
    await client.push({ class: "Fails", args: [], retry: false });
    await waitFor(() => lines.some((l) => l.msg.includes("listener threw")), { what: "log" });
    const listenerLines = lines.filter((l) => l.msg.includes("listener threw"));
    expect(listenerLines).toEqual([
      {
        level: "error",
        msg: 'A "error" event listener threw',
        fields: { error_class: "TypeError", error_message: "listener bug" },
      },
    ]);
    await client.push({ class: "Works", args: [] });
    await waitFor(() => lines.some((l) => l.msg === "done" && l.fields.class === "Works"));
  });

  it("a job failure and a bad payload each give one log line", async () => {
    await t.flush();
    const { lines, logger } = recordingLogger();
    const worker = testWorker(t.redis, { logger, scheduler: false });
    worker.register("Fails", () => {
      throw new Error("job failed");
    });
    await worker.start();
    await client.push({ class: "Fails", args: [], retry: false });
    await t.redis.lpush("queue:default", "{not json");
    await waitFor(async () => (await t.redis.zcard("dead")) === 1, { what: "dead" });
    await waitFor(() => lines.some((l) => l.msg === "fail"), { what: "fail line" });
    const failures = lines.filter((l) => l.level === "warn" || l.level === "error");
    expect(failures.map((l) => [l.level, l.msg])).toEqual(
      expect.arrayContaining([
        ["warn", "fail"],
        ["error", "Invalid job payload, moved to the dead set"],
      ]),
    );
    expect(failures).toHaveLength(2);
  });
});
