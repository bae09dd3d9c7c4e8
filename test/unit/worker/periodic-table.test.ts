// How a worker takes its periodic table: `periodic` in the options, `worker.periodic(...)` with
// entries or with periodic()'s own arguments; refused with a ConfigError for anything that is not
// an entry or a duplicate name (after start: test/integration/periodic-catch-up.test.ts).
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/errors";
import { periodic } from "../../../src/core/periodic/entry";
import { silentLogger } from "../../../src/worker/logger";
import { Worker } from "../../../src/worker/worker";

/** A BlockingRedisClient that is never called (nothing here starts the worker). */
const redis = {
  call: async () => null,
  multi: async () => [],
  pipeline: async () => [],
  evalScript: async () => null,
  blocking: async () => null,
  close: async () => {},
};
const make = (options: Partial<ConstructorParameters<typeof Worker>[0]> = {}) =>
  new Worker({ redis, logger: silentLogger, handleSignals: false, ...options });

describe("a worker's periodic table", () => {
  const a = periodic("a", "@hourly", "A");
  const b = periodic("b", "*/5 * * * *", "B");

  it("takes entries from the options and from worker.periodic, in order", () => {
    const w = make({ periodic: [a] });
    w.periodic(b).periodic("c", "0 3 * * *", "C", [1], { tz: "Asia/Tokyo" });
    expect(w.periodicEntries.map((e) => [e.name, e.class, e.tz])).toEqual([
      ["a", "A", undefined],
      ["b", "B", undefined],
      ["c", "C", "Asia/Tokyo"],
    ]);
  });

  it("refuses duplicates and things that are not entries, naming them", () => {
    expect(() => make({ periodic: [a, a] })).toThrow(
      new ConfigError('Worker: two periodic entries are named "a"'),
    );
    expect(() => make().periodic([{ name: "x" } as never])).toThrow(/made with periodic\(\.\.\.\)/);
    expect(() => make().periodic("bad", "not a cron", "X")).toThrow(
      /periodic "bad": bad cron expression "not a cron"/,
    );
    const w = make({ periodic: [a] });
    expect(() => w.periodic(periodic("a", "@daily", "Other"))).toThrow(ConfigError);
    expect(w.periodicEntries).toHaveLength(1);
  });
});
