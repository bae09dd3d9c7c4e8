// Sidekiq's error_backtrace codec: what Ruby 6.4 wrote reads back; what we write has the form
// each Sidekiq generation writes (zlib's bytes may differ between builds, so not byte for byte).
import { describe, expect, it } from "vitest";
import { decodeBacktrace, encodeBacktrace } from "../../../src/core/backtrace";

/** `error_backtrace` as Ruby Sidekiq 6.4.1 wrote it for a job with `backtrace: 3` (wire spec §2.1). */
const RUBY_64 =
  "eJy1zVEOgjAQhOGrNH1RE2GDEhK5ijFK6wiVQnG3EL29SPQIvv6ZzHfUFLuB\npE0YgoptQ95NoHswkrIps33penUZwLfA3UpvNY3CJE3FIB7Nq0Yniesjaq6i\nCz1V3tMnkrgrWvdIijRPs/nV/AoNHCxEAi/CoVgIPGHHiPMs/4Up8oUxPthW\nrXfKY4KXjZrjd7jSpzctTF+g\n";

describe("error_backtrace", () => {
  it("reads Sidekiq 6.4's MIME base64", async () => {
    const lines = await decodeBacktrace(RUBY_64);
    expect(lines).toHaveLength(3);
    expect(lines!.every((l) => /\.rb:\d+:in `/.test(l))).toBe(true);
  });

  it("writes Sidekiq 7's strict base64, and reads both forms", async () => {
    const many = Array.from({ length: 50 }, (_, i) => `frame ${i} ${"x".repeat(i)} ü`);
    const v6 = await encodeBacktrace(many, 6);
    const v7 = await encodeBacktrace(many);
    expect(v6).toMatch(/^([A-Za-z0-9+/=]{60}\n)+[A-Za-z0-9+/=]{0,60}\n$/);
    expect(v7).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(v6.replace(/\n/g, "")).toBe(v7);
    expect(await decodeBacktrace(v6)).toEqual(many);
    expect(await decodeBacktrace(v7)).toEqual(many);
  });

  it("takes a legacy plain array as it is and shows nothing for what it cannot read", async () => {
    expect(await decodeBacktrace(["a.rb:1", 2])).toEqual(["a.rb:1", "2"]);
    expect(await decodeBacktrace(undefined)).toBeUndefined();
    expect(await decodeBacktrace("")).toBeUndefined();
    expect(await decodeBacktrace("not base64!")).toBeUndefined();
    expect(await decodeBacktrace("BAhbBkkiCmEucmI6MQY6BkVU")).toBeUndefined(); // a Marshal dump
  });
});
