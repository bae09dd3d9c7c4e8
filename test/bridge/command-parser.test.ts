// The bounded request-body parser (#13 item 1) against the rule it replaces: for every body,
// valid or not, it gives exactly what `JSON.parse` plus the protocol's shape check gave (the same
// commands, or a 400), while refusing depth and counts before doing the work they would cost.
// Both of its paths are held to that: `parseCommands` (the JSON.parse fast path for bodies within
// its bounds, the scanner otherwise) and `scanCommands` (the scanner alone).
import { describe, expect, it } from "vitest";
import { type ParsedCommand, parseCommands, scanCommands } from "../../src/bridge/command-parser";
import { fastCommands } from "../../src/bridge/fast-parse";
import { BridgeHttpError } from "../../src/bridge/request-body";

const roomy = { maxCommands: 1_000_000, maxArguments: 10_000_000 };

/** The previous parser: JSON.parse, then the shape check; "error" for any 400. */
function reference(text: string, shape: "single" | "list"): ParsedCommand[] | "error" {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return "error";
  }
  const toCommand = (value: unknown): ParsedCommand | undefined => {
    if (!Array.isArray(value) || value.length === 0) return undefined;
    const parts: string[] = [];
    for (const part of value) {
      if (typeof part === "string") parts.push(part);
      else if (typeof part === "number" && Number.isFinite(part)) parts.push(String(part));
      else if (typeof part === "boolean") parts.push(String(part));
      else return undefined;
    }
    const [name, ...args] = parts;
    if (!name || typeof value[0] !== "string") return undefined;
    return { name: name.toLowerCase(), sent: name, args };
  };
  if (shape === "single") {
    const command = toCommand(data);
    return command ? [command] : "error";
  }
  if (!Array.isArray(data) || data.length === 0) return "error";
  const out: ParsedCommand[] = [];
  for (const c of data) {
    const command = toCommand(c);
    if (!command) return "error";
    out.push(command);
  }
  return out;
}

async function parsed(
  text: string,
  shape: "single" | "list",
  limits = roomy,
  parse = parseCommands,
): Promise<ParsedCommand[] | "error" | number> {
  try {
    return await parse(text, shape, limits);
  } catch (err) {
    if (!(err instanceof BridgeHttpError)) throw err;
    return err.status === 400 ? "error" : err.status;
  }
}

/** A small seeded PRNG, so a failure replays exactly. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("parseCommands", () => {
  it("agrees with JSON.parse and the shape check on 20,000 seeded random bodies", async () => {
    const random = mulberry32(13_001);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const ws = () =>
      random() < 0.9 ? pick(["", "", " ", "\n", "\t ", "\r\n"]) : pick(["\u00a0", "\f"]);
    // Mostly valid JSON values of every kind the protocol takes, some of every kind it does not.
    const valid = [
      () =>
        JSON.stringify(pick(["GET", "set", "k", "", "é", "\u0000", 'a"b', "\\", "😀", "\ud800"])),
      () => `"${pick(["\\n", "\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\/", "ok\\\\", 'a\\"b'])}"`,
      () =>
        pick(["0", "-0", "1", "-1.5", "1e5", "2.5e-3", "1E+2", "123456789012345678901234567890"]),
      () => pick(["true", "false"]),
    ];
    const invalid = [
      () => pick(['"\t"', '"\\x"', '"\\u12"', '"a', "01", "1.", ".5", "-", "+1", "0x10", "1E+400"]),
      () => pick(["null", "tru", "nul", "{}", '{"a":1}', "[]", '["x"]']),
    ];
    const scalar = () => (random() < 0.95 ? pick(valid) : pick(invalid))();
    const list = (item: () => string, n: number) =>
      `${ws()}[${ws()}${Array.from({ length: n }, item).join(`${ws()},${ws()}`)}${ws()}]${ws()}`;
    const command = () =>
      list(() => scalar(), 1 + Math.floor(random() * 4)).replace(/^(\s*\[\s*)/, (open) =>
        random() < 0.9 ? `${open}${JSON.stringify(pick(["GET", "Set", "x"]))},` : open,
      );
    let agreed = 0;
    let fast = 0;
    for (let i = 0; i < 20_000; i++) {
      const shape = random() < 0.5 ? "single" : "list";
      let text = shape === "single" ? command() : list(command, Math.floor(random() * 4));
      // Damage some: cut short, drop a character, or append one.
      const r = random();
      if (r < 0.05) text = text.slice(0, Math.floor(random() * text.length));
      else if (r < 0.1) {
        const at = Math.floor(random() * text.length);
        text = text.slice(0, at) + text.slice(at + 1);
      } else if (r < 0.12) text += pick(["]", ",", "x", " "]);
      const want = reference(text, shape);
      expect({ text, shape, got: await parsed(text, shape) }).toEqual({ text, shape, got: want });
      const scanned = await parsed(text, shape, roomy, scanCommands);
      expect({ text, shape, scanned }).toEqual({ text, shape, scanned: want });
      if (want !== "error") agreed++;
      if (fastCommands(text, shape, roomy)) fast++;
    }
    expect(agreed).toBeGreaterThan(2000); // valid bodies were exercised, not only errors
    expect(fast).toBe(agreed); // every valid body here is within the fast path's bounds
  });

  it("decodes long strings in pieces exactly as JSON.parse does, escapes across every cut", async () => {
    const random = mulberry32(7);
    const bits = ["a", "é", "😀", "\n", '"', "\\", "\u2028", "\ud800", "\u0001", "/"];
    for (const length of [300_000, 600_000]) {
      let value = "";
      while (value.length < length) value += bits[Math.floor(random() * bits.length)];
      const text = JSON.stringify(["SET", "k", value, "x".repeat(length)]);
      for (const parse of [parseCommands, scanCommands]) {
        expect(await parsed(text, "single", roomy, parse)).toEqual([
          { name: "set", sent: "SET", args: ["k", value, "x".repeat(length)] },
        ]);
      }
    }
    // A raw control character deep inside a long string is still refused.
    const bad = `["SET","k","${"x".repeat(400_000)}\u0001"]`;
    expect(await parsed(bad, "single")).toBe("error");
    expect(await parsed(bad, "single", roomy, scanCommands)).toBe("error");
  });

  it("refuses a third level of nesting at its first bracket, whatever follows", async () => {
    // Never closed, and garbage after: a parser that read on would call it invalid JSON instead
    // (JSON.parse took about a second to reject 4M levels).
    const deep = `${"[".repeat(4_000_000)}garbage`;
    for (const shape of ["single", "list"] as const) {
      const started = performance.now();
      await expect(parseCommands(deep, shape, roomy)).rejects.toMatchObject({
        status: 400,
        message: expect.stringMatching(/^ERR commands cannot nest/),
      });
      expect(performance.now() - started).toBeLessThan(500);
    }
  });

  it("counts commands and arguments: the limit passes, one more is a 413 naming it", async () => {
    const limits = { maxCommands: 3, maxArguments: 5 };
    const ok = '[["PING"],["SET","a","1"],["MSET","b","2","c"]]';
    expect(await parsed(ok, "list", limits)).toHaveLength(3);
    await expect(
      parseCommands('[["PING"],["PING"],["PING"],["PING"]]', "list", limits),
    ).rejects.toMatchObject({
      status: 413,
      message: "ERR too many commands in one request (the limit is 3)",
    });
    await expect(
      parseCommands('[["SET","a","1"],["MSET","b","2","c","3"]]', "list", limits),
    ).rejects.toMatchObject({
      status: 413,
      message: "ERR too many arguments in one request (the limit is 5)",
    });
    await expect(
      parseCommands('["DEL","a","b","c","d","e","f"]', "single", limits),
    ).rejects.toMatchObject({
      status: 413,
    });
  });

  it("stops at the first command over the limit, before looking at the rest of the body", async () => {
    // 10,001 commands, then 8 MB that would be a 400 (and seconds of work) if it were read.
    const commands = Array.from({ length: 10_001 }, (_, i) => `["LPUSH","queue:q","${i}"]`);
    const text = `[${commands.join(",")},${"[".repeat(4_000_000)}`;
    await expect(
      parseCommands(text, "list", { maxCommands: 10_000, maxArguments: 100_000 }),
    ).rejects.toMatchObject({
      status: 413,
      message: "ERR too many commands in one request (the limit is 10000)",
    });
  });

  it("yields to the event loop while parsing a large body", async () => {
    const big = JSON.stringify(
      Array.from({ length: 9000 }, (_, i) => [
        "HSET",
        `h${i}`,
        ...Array.from({ length: 10 }, () => "v".repeat(80)),
      ]),
    );
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      const commands = await parseCommands(big, "list", {
        maxCommands: 10_000,
        maxArguments: 100_000,
      });
      expect(commands).toHaveLength(9000);
    } finally {
      clearInterval(timer);
    }
    // Without yielding, not a single timer could run during the parse.
    expect(ticks).toBeGreaterThan(0);
  });
});
