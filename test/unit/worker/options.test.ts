// Worker constructor options are checked before anything starts, and each refusal names the option
// and the value it got.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/errors";
import { checkOptions, type WorkerOptions } from "../../../src/worker/options";

const base: WorkerOptions = { redis: {} as never };

describe("checkOptions", () => {
  it("accepts the defaults and good values", () => {
    expect(() => checkOptions(base)).not.toThrow();
    expect(() =>
      checkOptions({
        ...base,
        concurrency: 5,
        shutdownTimeout: 0,
        maxRetries: 0,
        timeoutSeconds: 0.5,
        sidekiqVersion: 6,
        timestamps: "milliseconds",
      }),
    ).not.toThrow();
  });

  const wrong: [Partial<WorkerOptions>, string][] = [
    [{ concurrency: -3 }, "Worker: concurrency: expected a positive integer, got -3"],
    [{ concurrency: 2.5 }, "Worker: concurrency: expected a positive integer, got 2.5"],
    [{ concurrency: "10" as never }, 'Worker: concurrency: expected a positive integer, got "10"'],
    [{ heartbeatInterval: 0 }, "Worker: heartbeatInterval: expected a positive number, got 0"],
    [{ shutdownTimeout: -1 }, "Worker: shutdownTimeout: expected a number, 0 or more, got -1"],
    [{ maxRetries: 1.5 }, "Worker: maxRetries: expected an integer, 0 or more, got 1.5"],
    [{ sidekiqVersion: 8 as never }, "Worker: sidekiqVersion: expected 6 or 7, got 8"],
    [
      { timestamps: "ms" as never },
      'Worker: timestamps: expected "seconds" or "milliseconds", got "ms"',
    ],
  ];
  it.each(wrong)("refuses %o, naming the option and the value", (options, message) => {
    expect(() => checkOptions({ ...base, ...options })).toThrow(ConfigError);
    expect(() => checkOptions({ ...base, ...options })).toThrow(message);
  });
});
