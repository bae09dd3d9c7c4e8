// periodic(...): definition-time errors that name the entry, and the schedule's next and due
// ticks across time zones and DST (the expected runs written out by hand).
import { describe, expect, it } from "vitest";
import { dueTicks, nextTick } from "../../../src/core/periodic/entry";
import { ConfigError, defineJob, periodic } from "../../../src/index";

const iso = (ms: number | undefined) => (ms === undefined ? "none" : new Date(ms).toISOString());
const at = (text: string) => Date.parse(text);

/** The next `n` ticks strictly after `from`. */
function runs(entry: ReturnType<typeof periodic>, from: string, n: number): string[] {
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    t = nextTick(entry, t)!;
    out.push(iso(t));
  }
  return out;
}

describe("periodic(): refused at definition time, naming the entry", () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      "too few fields",
      () => periodic("Nightly", "* * *", "Job"),
      /periodic "Nightly": bad cron expression "\* \* \*"/,
    ],
    [
      "seven fields",
      () => periodic("Nightly", "0 0 0 * * * 2030", "Job"),
      /periodic "Nightly": bad cron expression.*5 or 6/,
    ],
    [
      "out of range",
      () => periodic("Report", "61 * * * *", "Job"),
      /periodic "Report": bad cron expression "61 \* \* \* \*": Invalid value for minute: 61/,
    ],
    [
      "never fires",
      () => periodic("Feb30", "0 0 30 2 *", "Job"),
      /periodic "Feb30": the cron expression "0 0 30 2 \*" never fires/,
    ],
    [
      "unknown zone",
      () => periodic("Tz", "0 3 * * *", "Job", [], { tz: "Mars/Olympus" }),
      /periodic "Tz": unknown time zone "Mars\/Olympus"/,
    ],
    [
      "empty zone",
      () => periodic("Tz2", "0 3 * * *", "Job", [], { tz: "" }),
      /periodic "Tz2": unknown time zone/,
    ],
    [
      "bad name",
      () => periodic("has space", "* * * * *", "Job"),
      /periodic "has space": the name must be/,
    ],
    ["no class", () => periodic("NoClass", "* * * * *", ""), /periodic "NoClass": the job must be/],
    [
      "non-JSON args",
      () => periodic("Dated", "* * * * *", "Job", [new Date()]),
      /periodic "Dated": .*args\[0\] is a Date/,
    ],
    [
      "bad policy",
      () => periodic("P", "* * * * *", "Job", [], { missed: "some" as never }),
      /periodic "P": missed must be "skip" or "all"/,
    ],
    [
      "bad bound",
      () => periodic("B", "* * * * *", "Job", [], { missed: "all", maxMissed: 0 }),
      /periodic "B": maxMissed/,
    ],
    [
      "empty queue",
      () => periodic("Q", "* * * * *", "Job", [], { queue: "" }),
      /periodic "Q": queue must be/,
    ],
  ];
  for (const [what, make, message] of cases) {
    it(what, () => {
      let thrown: unknown;
      try {
        make();
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).code).toBe("CONFIG");
      expect((thrown as Error).message).toMatch(message);
    });
  }

  it("accepts 5 and 6 fields and nicknames", () => {
    expect(runs(periodic("a", "*/15 * * * *", "J"), "2026-01-01T00:07:00Z", 2)).toEqual([
      "2026-01-01T00:15:00.000Z",
      "2026-01-01T00:30:00.000Z",
    ]);
    expect(runs(periodic("b", "*/20 * * * * *", "J"), "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-01T00:00:20.000Z",
      "2026-01-01T00:00:40.000Z",
    ]);
    expect(runs(periodic("c", "@hourly", "J"), "2026-01-01T00:30:00Z", 1)).toEqual([
      "2026-01-01T01:00:00.000Z",
    ]);
    expect(runs(periodic("d", "@daily", "J"), "2026-01-01T00:30:00Z", 1)).toEqual([
      "2026-01-02T00:00:00.000Z",
    ]);
  });

  it("takes queue and retry from the definition, overridable per entry", () => {
    const Report = defineJob({ name: "Report", queue: "low", retry: 3, tags: ["x"] });
    const plain = periodic("r1", "@hourly", Report, [1]);
    expect(plain).toMatchObject({ class: "Report", queue: "low", args: [1] });
    expect(plain.jobOptions).toEqual({ retry: 3, queue: "low", tags: ["x"] });
    const over = periodic("r2", "@hourly", Report, [], { queue: "critical", retry: false });
    expect(over.jobOptions).toEqual({ retry: false, queue: "critical", tags: ["x"] });
    expect(periodic("r3", "@hourly", "Plain").jobOptions).toEqual({
      retry: true,
      queue: "default",
    });
  });
});

describe("a daily 02:30 job across DST", () => {
  it("Europe/Berlin: runs at 03:00 when 02:30 does not exist, once when it happens twice", () => {
    const e = periodic("berlin", "30 2 * * *", "J", [], { tz: "Europe/Berlin" });
    // 2026-03-29: clocks go 02:00 CET -> 03:00 CEST; 02:30 does not exist.
    expect(runs(e, "2026-03-27T12:00:00Z", 3)).toEqual([
      "2026-03-28T01:30:00.000Z", // 02:30 CET
      "2026-03-29T01:00:00.000Z", // 03:00 CEST (02:30 skipped by the clock)
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
    ]);
    // 2026-10-25: clocks go 03:00 CEST -> 02:00 CET; 02:30 happens twice, the job runs once.
    expect(runs(e, "2026-10-23T12:00:00Z", 3)).toEqual([
      "2026-10-24T00:30:00.000Z", // 02:30 CEST
      "2026-10-25T00:30:00.000Z", // the first 02:30 (CEST); not again at 01:30Z (CET)
      "2026-10-26T01:30:00.000Z", // 02:30 CET
    ]);
  });

  it("America/New_York: the same rules on its own dates", () => {
    const e = periodic("ny", "30 2 * * *", "J", [], { tz: "America/New_York" });
    // 2026-03-08: 02:00 EST -> 03:00 EDT.
    expect(runs(e, "2026-03-06T12:00:00Z", 3)).toEqual([
      "2026-03-07T07:30:00.000Z", // 02:30 EST
      "2026-03-08T07:00:00.000Z", // 03:00 EDT
      "2026-03-09T06:30:00.000Z", // 02:30 EDT
    ]);
    // 2026-11-01: 02:00 EDT -> 01:00 EST; 02:30 happens once (after the repeat of 01:xx).
    expect(runs(e, "2026-10-30T12:00:00Z", 3)).toEqual([
      "2026-10-31T06:30:00.000Z", // 02:30 EDT
      "2026-11-01T07:30:00.000Z", // 02:30 EST
      "2026-11-02T07:30:00.000Z",
    ]);
  });

  it("UTC when no zone is given", () => {
    expect(runs(periodic("utc", "30 2 * * *", "J"), "2026-03-28T12:00:00Z", 1)).toEqual([
      "2026-03-29T02:30:00.000Z",
    ]);
  });
});

describe("dueTicks", () => {
  const hourly = periodic("h", "0 * * * *", "J");
  const all = periodic("h-all", "0 * * * *", "J", [], { missed: "all", maxMissed: 3 });
  const now = at("2026-05-01T10:20:00Z");

  it("skip: only the latest tick at or before now", () => {
    expect(dueTicks(hourly, now).map(iso)).toEqual(["2026-05-01T10:00:00.000Z"]);
    expect(dueTicks(hourly, at("2026-05-01T10:00:00Z")).map(iso)).toEqual([
      "2026-05-01T10:00:00.000Z",
    ]);
    expect(dueTicks(hourly, now, at("2026-05-01T08:00:00Z")).map(iso)).toEqual([
      "2026-05-01T10:00:00.000Z",
    ]);
    expect(dueTicks(hourly, now, at("2026-05-01T10:00:00Z"))).toEqual([]);
  });

  it("all: every tick after the marker, at most maxMissed (the latest), ascending", () => {
    expect(dueTicks(all, now, at("2026-05-01T08:00:00Z")).map(iso)).toEqual([
      "2026-05-01T09:00:00.000Z",
      "2026-05-01T10:00:00.000Z",
    ]);
    expect(dueTicks(all, now, at("2026-04-01T00:00:00Z")).map(iso)).toEqual([
      "2026-05-01T08:00:00.000Z",
      "2026-05-01T09:00:00.000Z",
      "2026-05-01T10:00:00.000Z",
    ]);
    expect(dueTicks(all, now).map(iso)).toEqual([
      "2026-05-01T08:00:00.000Z",
      "2026-05-01T09:00:00.000Z",
      "2026-05-01T10:00:00.000Z",
    ]);
  });
});
