import { describe, expect, it } from "vitest";
import { JobArgumentError, JobPayloadError } from "../../../src/core/errors";
import { assertJsonArgs, displayClass, newJid, parseJob } from "../../../src/core/job";

describe("newJid", () => {
  it("returns 24 lowercase hex characters, different every time", () => {
    const jids = new Set(Array.from({ length: 1000 }, newJid));
    expect(jids.size).toBe(1000);
    for (const jid of jids) expect(jid).toMatch(/^[0-9a-f]{24}$/);
  });
});

describe("assertJsonArgs", () => {
  it("accepts JSON-native values, nested", () => {
    expect(() =>
      assertJsonArgs("HardJob", [
        1,
        "two",
        null,
        true,
        2.5,
        [1, [2]],
        { a: { b: [null] } },
        Object.create(null),
      ]),
    ).not.toThrow();
  });

  const bad: [string, unknown[], string, RegExp][] = [
    ["undefined", [1, undefined], "args[1]", /undefined/],
    ["a Date in an object", [1, { when: new Date() }], "args[1].when", /a Date/],
    ["a Map", [new Map()], "args[0]", /a Map/],
    ["a class instance", [{ x: [new (class Money {})()] }], "args[0].x[0]", /a Money/],
    ["NaN", [Number.NaN], "args[0]", /NaN/],
    ["Infinity", [{ n: Number.POSITIVE_INFINITY }], "args[0].n", /Infinity/],
    ["a bigint", [10n], "args[0]", /bigint/],
    ["a function", [() => 1], "args[0]", /function/],
    ["a symbol", [Symbol("s")], "args[0]", /symbol/],
    ["an odd key", [{ "my key": undefined }], 'args[0]["my key"]', /undefined/],
  ];
  for (const [what, args, path, text] of bad) {
    it(`refuses ${what}, naming the class and the path ${path}`, () => {
      let err: unknown;
      try {
        assertJsonArgs("HardJob", args);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(JobArgumentError);
      expect((err as JobArgumentError).path).toBe(path);
      expect((err as Error).message).toContain(`Job "HardJob": ${path} is`);
      expect((err as Error).message).toMatch(text);
    });
  }

  it("refuses circular structures instead of overflowing the stack", () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => assertJsonArgs("X", [a])).toThrow(/args\[0\]\.self is a circular reference/);
  });

  it("refuses args that are not an array", () => {
    expect(() => assertJsonArgs("X", "nope")).toThrow(/args must be an Array/);
  });
});

describe("parseJob", () => {
  it("reads a payload written by Ruby Sidekiq 6.4", () => {
    const job = parseJob(
      '{"retry":true,"queue":"default","args":[1,"two"],"class":"HardJob","jid":"a63337bc4f3bf413dc980e33","created_at":1795917170.3387341,"enqueued_at":1795917170.3388467}',
    );
    expect(job.class).toBe("HardJob");
    expect(job.args).toEqual([1, "two"]);
    expect(job.created_at).toBeCloseTo(1795917170.3387341, 6);
  });

  it.each([
    ["not json", /Invalid JSON for job/],
    ["[1,2]", /expected a JSON object, got an array/],
    ['"str"', /expected a JSON object, got a string/],
    ['{"args":[]}', /"class" must be a non-empty string, got undefined/],
    ['{"class":5,"args":[]}', /"class" must be a non-empty string, got a number/],
    ['{"class":"A","args":{}}', /"args" must be an array, got a Object/],
  ])("says what is wrong with %s", (json, message) => {
    expect(() => parseJob(json)).toThrow(JobPayloadError);
    expect(() => parseJob(json)).toThrow(message);
  });
});

describe("displayClass", () => {
  it("prefers display_class, then ActiveJob's wrapped, then class", () => {
    expect(displayClass({ class: "W", wrapped: "MyJob" })).toBe("MyJob");
    expect(displayClass({ class: "W", wrapped: "MyJob", display_class: "D" })).toBe("D");
    expect(displayClass({ class: "W" })).toBe("W");
  });
});
