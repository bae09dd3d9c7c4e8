// prettyJson on stored JSON text: JSON.stringify's layout where both apply, the stored bytes kept
// (big integers, `3.0`, escapes, brackets inside strings), compact below the depth limit, any
// depth without recursion, and the stored text when indentation would blow the size up.
import { describe, expect, it } from "vitest";
import { prettyJson } from "../../src/web/pretty-json";

describe("prettyJson", () => {
  it("lays out like JSON.stringify(value, null, 2)", () => {
    const text = '{"a":[1,{"b":null,"c":[]},{}],"d":"x","e":true,"f":-1.5}';
    expect(prettyJson(text)).toBe(JSON.stringify(JSON.parse(text), null, 2));
    expect(prettyJson("[]")).toBe("[]");
    expect(prettyJson(' { "a" : [ ] } ')).toBe('{\n  "a": []\n}');
  });

  it("keeps the stored bytes of numbers and strings", () => {
    const text = '{"id":12345678901234567890123,"f":3.0,"s":"a\\"[{,:}]\\u00e9"}';
    expect(prettyJson(text)).toBe(
      '{\n  "id": 12345678901234567890123,\n  "f": 3.0,\n  "s": "a\\"[{,:}]\\u00e9"\n}',
    );
  });

  it("indents down to maxDepth and copies what is deeper as stored", () => {
    expect(prettyJson('[[[1,2],{"a":1}]]', 2)).toBe('[\n  [\n    [1,2],\n    {"a":1}\n  ]\n]');
  });

  it("takes any depth", () => {
    const depth = 200_000;
    const text = `${"[".repeat(depth)}1${"]".repeat(depth)}`;
    const out = prettyJson(text);
    expect(out.startsWith("[\n  [\n    [")).toBe(true);
    expect(out.replace(/\s/g, "")).toBe(text);
  });

  it("returns the stored text when indentation would multiply its size", () => {
    const text = `${"[".repeat(20)}${"1,".repeat(100_000)}1${"]".repeat(20)}`;
    expect(prettyJson(text)).toBe(text);
  });
});
