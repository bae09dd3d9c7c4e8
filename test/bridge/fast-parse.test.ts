// The bridge's fast paths (#13, bulk enqueue over REST): `JSON.parse` for request bodies within
// bounds one cheap pass checks, and a read of a job's top-level "queue" that does not walk the
// whole job. Each must answer exactly as the bounded readers do, and take only what it can bound.
import { describe, expect, it } from "vitest";
import { parseCommands, scanCommands } from "../../src/bridge/command-parser";
import {
  FAST_MAX_BRACKETS,
  FAST_MAX_CHARS,
  FAST_MAX_COMMAS,
  fastCommands,
  withinFastBounds,
} from "../../src/bridge/fast-parse";
import {
  FAST_JOB_CHARS,
  jobQueues,
  jobQueuesFast,
  NOT_A_QUEUE_NAME,
} from "../../src/bridge/queue-gate";
import { TimeSlice } from "../../src/bridge/time-slice";

const roomy = { maxCommands: 1_000_000, maxArguments: 10_000_000 };

/** A valid single-command body of exactly `length` characters: `["SET","k","xxx…"]`. */
function sized(length: number): string {
  const frame = '["SET","k",""]'.length;
  return `["SET","k","${"x".repeat(length - frame)}"]`;
}

/** A seeded PRNG, so a failure replays exactly. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a parse gives: the commands, or the refusal's status and message. */
async function outcome(
  parse: typeof parseCommands,
  text: string,
  shape: "single" | "list",
  limits = roomy,
): Promise<unknown> {
  try {
    return await parse(text, shape, limits);
  } catch (err) {
    const { status, message } = err as { status: number; message: string };
    return { status, message };
  }
}

describe("the request body fast path", () => {
  it("takes a body of up to 1 MiB characters, not one character more", () => {
    expect(FAST_MAX_CHARS).toBe(1024 * 1024);
    expect(withinFastBounds(sized(FAST_MAX_CHARS))).toBe(true);
    expect(fastCommands(sized(FAST_MAX_CHARS), "single", roomy)?.[0]?.args[1]).toHaveLength(
      FAST_MAX_CHARS - '["SET","k",""]'.length,
    );
    expect(withinFastBounds(sized(FAST_MAX_CHARS + 1))).toBe(false);
    expect(fastCommands(sized(FAST_MAX_CHARS + 1), "single", roomy)).toBeUndefined();
  });

  it("takes at most 4,096 brackets, `[` and `{` together, in strings too", () => {
    const commands = (n: number) => `[${Array.from({ length: n }, () => '["PING"]').join(",")}]`;
    // n commands: n + 1 `[`; the body is long enough that the count is really made.
    expect(withinFastBounds(commands(FAST_MAX_BRACKETS - 1))).toBe(true);
    expect(fastCommands(commands(FAST_MAX_BRACKETS - 1), "list", roomy)).toHaveLength(4095);
    expect(withinFastBounds(commands(FAST_MAX_BRACKETS))).toBe(false);
    // Braces count as brackets, inside strings as much as outside.
    const braces = (n: number) => `["SET","k","${"{".repeat(n)}${"x".repeat(5000)}"]`;
    expect(withinFastBounds(braces(FAST_MAX_BRACKETS - 1))).toBe(true);
    expect(withinFastBounds(braces(FAST_MAX_BRACKETS))).toBe(false);
    const mixed = `["SET","k","${"[{".repeat(FAST_MAX_BRACKETS / 2)}"]`;
    expect(withinFastBounds(mixed)).toBe(false); // 4,097 with the body's own `[`
  });

  it("takes at most 16,384 commas, in strings too", () => {
    const args = (n: number) => `["DEL"${',"k"'.repeat(n)}]`;
    expect(withinFastBounds(args(FAST_MAX_COMMAS))).toBe(true);
    expect(fastCommands(args(FAST_MAX_COMMAS), "single", roomy)?.[0]?.args).toHaveLength(
      FAST_MAX_COMMAS,
    );
    expect(withinFastBounds(args(FAST_MAX_COMMAS + 1))).toBe(false);
    const inString = (n: number) => `["SET","k","${",".repeat(n)}"]`;
    expect(withinFastBounds(inString(FAST_MAX_COMMAS - 2))).toBe(true);
    expect(withinFastBounds(inString(FAST_MAX_COMMAS - 1))).toBe(false);
  });

  it("takes a 1,000-job bulk push (the body @upstash/redis sends for pushBulk)", () => {
    const jobs = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({
        retry: true,
        queue: "default",
        args: [i, { nested: [1, 2] }],
        class: "NoopJob",
        jid: i.toString(16).padStart(24, "0"),
        created_at: 1795917297.5,
        enqueued_at: 1795917297.5,
      }),
    );
    const body = JSON.stringify([
      ["SADD", "queues", "default"],
      ["LPUSH", "queue:default", ...jobs],
    ]);
    expect(fastCommands(body, "list", roomy)?.[1]?.args).toEqual(["queue:default", ...jobs]);
  });

  it("leaves every refusal to the scanner: same status and message on either path", async () => {
    const limits = { maxCommands: 3, maxArguments: 5 };
    const bodies: [string, "single" | "list"][] = [
      ['[["PING"],["PING"],["PING"],["PING"]]', "list"], // commands over the limit
      ['[["SET","a","1"],["MSET","b","2","c","3"]]', "list"], // arguments over the limit
      ['["DEL","a","b","c","d","e","f"]', "single"],
      ['[["GET","k"],["SET","k",["v"]]]', "list"], // nested
      ['["SET","k",{"a":1}]', "single"],
      ['["SET","k",null]', "single"],
      ['["SET","k",1e400]', "single"], // not finite
      ["[]", "list"],
      ["[[]]", "list"],
      ['[["",1]]', "list"], // empty name
      ["[[1]]", "list"], // name not a string
      ['["GET","k"]', "list"], // a single command where a list belongs
      ['{"0":"GET"}', "single"],
      ['[["GET","k"]] x', "list"], // not JSON
      ['["GET","\\x"]', "single"],
      ['[["GET","k"],["SET","k",["v"]]', "list"], // nested, and not closed
    ];
    for (const [text, shape] of bodies) {
      expect(withinFastBounds(text)).toBe(true);
      const scanned = await outcome(scanCommands, text, shape, limits);
      expect(scanned).toHaveProperty("status");
      expect({ text, got: await outcome(parseCommands, text, shape, limits) }).toEqual({
        text,
        got: scanned,
      });
    }
  });

  it("gives numbers and booleans as the scanner does", async () => {
    const text = '["SET",-0,1e308,1E+2,0.1,123456789012345678901234567890,true,false,-1.5e-7]';
    const fast = fastCommands(text, "single", roomy);
    expect(fast?.[0]?.args).toEqual([
      "0",
      "1e+308",
      "100",
      "0.1",
      "1.2345678901234568e+29",
      "true",
      "false",
      "-1.5e-7",
    ]);
    expect(fast).toEqual(await scanCommands(text, "single", roomy));
  });
});

describe("the fast read of a job's queue", () => {
  const slice = new TimeSlice();

  it("reads the common job without the full scan", () => {
    const job = JSON.stringify({ retry: true, queue: "mailers", args: [{ queue: "x" }] });
    // Two occurrences of "queue" (one nested): the full scan decides.
    expect(jobQueuesFast(job)).toBeUndefined();
    expect(jobQueuesFast('{"retry":true,"queue":"mailers","args":[1]}')).toEqual(["mailers"]);
    expect(jobQueuesFast('{"class":"A","args":["a,b",{"c":[1]}],"queue":"q"}')).toEqual(["q"]);
    expect(jobQueuesFast('{"class":"A","args":["queue"]}')).toEqual([]);
    expect(jobQueuesFast('{"class":"A","args":[],"queue":7}')).toBe(NOT_A_QUEUE_NAME);
    expect(jobQueuesFast('{"class":"A"}')).toEqual([]);
  });

  it("leaves to the full scan what it cannot bound or decide", () => {
    expect(jobQueuesFast('{"class":"A","q\\u0075eue":"elsewhere"}')).toBeUndefined();
    expect(jobQueuesFast('{"queue":"default","class":"A","queue":"elsewhere"}')).toBeUndefined();
    const long = `{"queue":"q","args":["${"x".repeat(FAST_JOB_CHARS)}"]}`;
    expect(jobQueuesFast(long)).toBeUndefined();
  });

  it("agrees with the full scan on 20,000 seeded random jobs", async () => {
    const random = mulberry32(13_013);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const ws = () => pick(["", "", "", " ", "\n"]);
    const key = () =>
      pick(['"queue"', '"queue"', '"class"', '"args"', '"q"', '"queue "', '"\\"queue"']);
    const scalar = (): string =>
      pick([
        '"default"',
        '"queue"',
        '"a\\"queue\\"b"',
        '"\\\\"',
        '"x,y"',
        '"}"',
        '"]"',
        "7",
        "true",
        "null",
        '"q\\u0075eue"',
        '"\\"queue\\":\\"evil"',
      ]);
    const value = (depth: number): string => {
      const r = random();
      if (depth > 2 || r < 0.6) return scalar();
      if (r < 0.8) {
        const n = Math.floor(random() * 3);
        return `[${Array.from({ length: n }, () => ws() + value(depth + 1)).join(",")}]`;
      }
      return object(depth + 1);
    };
    const object = (depth: number): string => {
      const n = Math.floor(random() * 4);
      const members = Array.from(
        { length: n },
        () => `${ws()}${key()}${ws()}:${ws()}${value(depth)}`,
      );
      return `{${members.join(",")}${ws()}}`;
    };
    let decidedFast = 0;
    let withName = 0;
    for (let i = 0; i < 20_000; i++) {
      let job = `${ws()}${object(0)}${ws()}`;
      // Damage some: cut short, drop a character, or prefix something that is not an object.
      const r = random();
      if (r < 0.05) job = job.slice(0, Math.floor(random() * job.length));
      else if (r < 0.1) {
        const at = Math.floor(random() * job.length);
        job = job.slice(0, at) + job.slice(at + 1);
      } else if (r < 0.12) job = pick(["[", "1", '"']) + job;
      const fast = jobQueuesFast(job);
      if (fast === undefined) continue;
      decidedFast++;
      if (Array.isArray(fast) && fast.length > 0) withName++;
      expect({ job, fast }).toEqual({ job, fast: await jobQueues(job, slice) });
    }
    // Both outcomes were exercised: jobs the fast read decided, with and without a name.
    expect(decidedFast).toBeGreaterThan(5000);
    expect(withName).toBeGreaterThan(1000);
  });
});
