import { describe, expect, it } from "vitest";
import { formatFloat, timestampToMs, toTimestamp } from "../../../src/core/clock";
import { JobPayloadError } from "../../../src/core/errors";
import { dumpJob } from "../../../src/core/json";
import { RawJsonObject } from "../../../src/core/raw-json";

describe("dumpJob", () => {
  it("writes whole-second timestamps with a fractional part, as Ruby floats", () => {
    const json = dumpJob({
      class: "A",
      args: [],
      jid: "j",
      created_at: 1795917297,
      enqueued_at: 1795917297.5,
    });
    expect(json).toBe(
      '{"class":"A","args":[],"jid":"j","created_at":1795917297.0,"enqueued_at":1795917297.5}',
    );
  });

  it("writes millisecond timestamps as integers (Sidekiq 8)", () => {
    expect(dumpJob({ created_at: 1795917297000 })).toBe('{"created_at":1795917297000}');
  });

  it("keeps key order, UTF-8 raw and slashes unescaped, skips undefined", () => {
    expect(dumpJob({ b: "é/ü\n", a: [1, { "2": 1 }], c: undefined })).toBe(
      '{"b":"é/ü\\n","a":[1,{"2":1}]}',
    );
  });
});

describe("timestamps", () => {
  it("converts to each unit and reads both back", () => {
    expect(toTimestamp(1795917297123, "seconds")).toBe(1795917297.123);
    expect(toTimestamp(1795917297123, "milliseconds")).toBe(1795917297123);
    expect(timestampToMs(1795917297.123)).toBeCloseTo(1795917297123, 0);
    expect(timestampToMs(1795917297123)).toBe(1795917297123);
    expect(timestampToMs("x")).toBeUndefined();
  });

  it("formats floats as Ruby does for our magnitudes", () => {
    expect(formatFloat(1795917470)).toBe("1795917470.0");
    expect(formatFloat(1795917470.339537)).toBe("1795917470.339537");
  });
});

describe("RawJsonObject", () => {
  const ruby =
    '{"retry":true,"queue":"default","args":[12345678901234567890,3.0,{"2":"b","1":"a"},"\\u00e9 \\"q\\" ,}]"],"class":"HardJob","jid":"a63337bc4f3bf413dc980e33","created_at":1795917170.0,"nested":{"x":[1,{"y":"}"}]}}';

  it("round-trips a Ruby payload byte for byte", () => {
    expect(RawJsonObject.parse(ruby).toString()).toBe(ruby);
  });

  it("changes only the fields it is told to; big integers, 3.0 and key order survive", () => {
    const obj = RawJsonObject.parse(ruby)
      .set("retry_count", 0)
      .set("queue", "low")
      .delete("nested");
    const out = obj.toString();
    expect(out).toContain('"args":[12345678901234567890,3.0,{"2":"b","1":"a"},');
    expect(out).toContain('"queue":"low"');
    expect(out).toContain('"created_at":1795917170.0');
    expect(out.endsWith(',"retry_count":0}')).toBe(true);
    expect(out).not.toContain("nested");
    expect(obj.getRaw("args")).toBe(
      '[12345678901234567890,3.0,{"2":"b","1":"a"},"\\u00e9 \\"q\\" ,}]"]',
    );
  });

  it("handles whitespace, empty objects and refuses non-objects", () => {
    expect(RawJsonObject.parse(' { "a" : 1 , "b":[ ] } ').keys()).toEqual(["a", "b"]);
    expect(RawJsonObject.parse("{}").toString()).toBe("{}");
    expect(() => RawJsonObject.parse("[1]")).toThrow(JobPayloadError);
    expect(() => RawJsonObject.parse("{nope")).toThrow(JobPayloadError);
  });
});
