// Hostile input on a real Redis: payloads pushed straight onto a queue (as a broken or malicious
// producer would) each end where DESIGN.md says, with an error message naming what was wrong, and
// the worker keeps going: a good job pushed after each bad one still runs, nothing stays in the
// in-progress list, and Object.prototype is untouched.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { Keys } from "../../src/core/keys";
import { silentLogger } from "../../src/worker/logger";
import type { ErrorContext } from "../../src/worker/types";
import { Worker } from "../../src/worker/worker";
import { useTestRedis } from "../helpers/redis";
import { waitFor } from "./helpers";

const t = await useTestRedis();
const keys = new Keys();
const client = new Client({ redis: t.redis });
const errors: { message: string; context: string; jobstr?: string }[] = [];
const seen: { jid: string; args: unknown[] }[] = [];

// One worker for the whole file: it must survive every payload below.
const worker = new Worker({
  redis: t.redis,
  logger: silentLogger,
  handleSignals: false,
  heartbeatInterval: 1,
  concurrency: 4,
  scheduler: false,
  errorHandlers: [
    (err, ctx: ErrorContext) =>
      errors.push({ message: err.message, context: ctx.context, jobstr: ctx.jobstr }),
  ],
});
worker.register("Echo", async (args, ctx) => {
  seen.push({ jid: ctx.jid, args });
  await t.redis.sadd("ran", ctx.jid);
});
worker.register("Boom", async () => {
  throw new Error("boom");
});
await worker.start();
afterAll(() => worker.stop());

beforeEach(() => {
  errors.length = 0;
  seen.length = 0;
});

/** Pushes a raw string (or bytes) exactly as given, then a good job; waits for the good one. */
async function pushRawThenGood(raw: string | Uint8Array): Promise<void> {
  await t.redis.lpush("queue:default", Buffer.from(raw));
  const jid = await pushJob({ class: "Echo", args: ["after"] });
  await waitFor(async () => (await t.redis.sismember("ran", jid)) === 1, {
    what: "the good job after the bad one",
  });
  // The bad one was fetched before the good one (FIFO); give its MULTI a moment to land.
  await waitFor(async () => (await t.redis.llen(inProgress())) === 0, {
    what: "an empty in-progress list",
  });
}

async function pushJob(item: { class: string; args: unknown[] }): Promise<string> {
  const jid = await client.push(item);
  if (!jid) throw new Error("push was refused by client middleware");
  return jid;
}

function inProgress(): string {
  return keys.inProgress(worker.identity, "default");
}

async function deadEntries(): Promise<string[]> {
  return t.redis.zrange("dead", "0", "-1");
}

async function deadBuffers(): Promise<Buffer[]> {
  return t.redis.zrangeBuffer("dead", "0", "-1");
}

function lastError(): { message: string; context: string } {
  const e = errors.find((x) => x.context !== "Job raised exception") ?? errors[0];
  if (!e) throw new Error("no error was reported");
  return e;
}

describe("hostile payloads", () => {
  it("not JSON: the raw string goes to dead; the error says the JSON is invalid", async () => {
    await t.redis.del("dead");
    await pushRawThenGood("this is {not json");
    expect(await deadEntries()).toEqual(["this is {not json"]);
    expect(lastError().message).toMatch(/Invalid JSON for job/);
  });

  it.each([
    ["an array", "[1,2,3]", /expected a JSON object, got an array/],
    ["a number", "42", /expected a JSON object, got/],
    ["a string", '"hello"', /expected a JSON object, got/],
    ["null", "null", /expected a JSON object, got/],
  ])("JSON that is %s: dead as it is, with a message naming the type", async (_n, raw, re) => {
    await t.redis.del("dead");
    await pushRawThenGood(raw);
    expect(await deadEntries()).toEqual([raw]);
    expect(lastError().message).toMatch(re);
  });

  it.each([
    ["missing class", { args: [], jid: "j-noclass" }, /"class" must be a non-empty string/],
    ["numeric class", { class: 42, args: [], jid: "j-numclass" }, /"class" must be a non-empty/],
    ["object class", { class: { a: 1 }, args: [], jid: "j-objclass" }, /"class" must be/],
    ["empty class", { class: "", args: [], jid: "j-emptyclass" }, /"class" must be a non-empty/],
    ["args not an array", { class: "Echo", args: "x", jid: "j-args" }, /"args" must be an array/],
    ["args missing", { class: "Echo", jid: "j-noargs" }, /"args" must be an array/],
    ["jid not a string", { class: "Echo", args: [], jid: 7 }, /"jid" must be a string/],
  ])("%s: dead with JobPayloadError and the reason", async (_n, job, re) => {
    await t.redis.del("dead");
    const raw = JSON.stringify(job);
    await pushRawThenGood(raw);
    const dead = await deadEntries();
    expect(dead).toHaveLength(1);
    const entry = JSON.parse(dead[0]!);
    expect(entry.error_class).toBe("JobPayloadError");
    expect(entry.error_message).toMatch(re);
    // Every original field is still there, byte for byte in value.
    for (const [k, v] of Object.entries(job)) expect(entry[k]).toEqual(v);
    expect(seen.map((s) => s.args)).toEqual([["after"]]);
  });

  it("a 5 MB payload runs, is acknowledged, and leaves nothing behind", async () => {
    const big = "x".repeat(5 * 1024 * 1024);
    const jid = await pushJob({ class: "Echo", args: [big] });
    await pushRawThenGood("{}"); // also proves the worker moved on
    expect(await t.redis.sismember("ran", jid)).toBe(1);
    expect(seen.find((s) => s.jid === jid)?.args[0]).toBe(big);
  });

  it("a 5 MB payload that fails keeps every byte in the retry set", async () => {
    await t.redis.del("retry");
    const big = "y".repeat(5 * 1024 * 1024);
    const jid = await pushJob({ class: "Boom", args: [big] });
    await waitFor(async () => (await t.redis.zcard("retry")) === 1, { what: "the retry" });
    const [entry] = await t.redis.zrange("retry", "0", "-1");
    const job = JSON.parse(entry!);
    expect(job.jid).toBe(jid);
    expect(job.args[0]).toBe(big);
    expect(job.error_message).toBe("boom");
    await pushRawThenGood("{}");
  });

  it("deeply nested args (100,000 levels): the job runs or fails cleanly; nothing is lost", async () => {
    await t.redis.del("dead", "retry");
    const depth = 100_000;
    const nested = `${"[".repeat(depth)}1${"]".repeat(depth)}`;
    const okRaw = `{"class":"Echo","args":[${nested}],"jid":"deep-ok"}`;
    const failRaw = `{"class":"Boom","args":[${nested}],"jid":"deep-fail","retry":true}`;
    await t.redis.lpush("queue:default", okRaw, failRaw);
    await pushRawThenGood("[]");
    // The Echo ran (V8 parses deep JSON); the failing one is in retry with its bytes intact.
    expect(await t.redis.sismember("ran", "deep-ok")).toBe(1);
    const retry = await t.redis.zrange("retry", "0", "-1");
    expect(retry).toHaveLength(1);
    expect(retry[0]!.includes(nested)).toBe(true);
    expect(JSON.parse(retry[0]!.replace(nested, "0")).error_message).toBe("boom");
  });

  it("unicode (emoji, RTL, NUL, lone escapes) round-trips to the handler and the retry set", async () => {
    await t.redis.del("retry");
    const text = 'héllo 👩‍👩‍👧 مرحبا \u0000 \u2028 \\ " \ud800';
    const jid = await pushJob({ class: "Echo", args: [text] });
    await waitFor(async () => (await t.redis.sismember("ran", jid)) === 1, { what: "unicode job" });
    expect(seen.find((s) => s.jid === jid)?.args).toEqual([text]);
    const fail = await pushJob({ class: "Boom", args: [text] });
    await waitFor(async () => (await t.redis.zcard("retry")) === 1, { what: "the retry" });
    const job = JSON.parse((await t.redis.zrange("retry", "0", "-1"))[0]!);
    expect(job.jid).toBe(fail);
    expect(job.args).toEqual([text]);
    await pushRawThenGood("{}");
  });

  it("invalid UTF-8 bytes: the job ends in the dead set with its exact bytes; nothing is stuck", async () => {
    await t.redis.del("dead");
    const bytes = Buffer.concat([
      Buffer.from('{"class":"Echo","args":["'),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
      Buffer.from('"],"jid":"bad-utf8"}'),
    ]);
    await pushRawThenGood(bytes);
    expect(await t.redis.llen(inProgress())).toBe(0);
    const dead = await deadBuffers();
    expect(dead.some((d) => d.includes(bytes))).toBe(true);
    expect(errors.map((e) => e.message).join("\n")).toMatch(/not valid UTF-8/);
    expect(await t.redis.sismember("ran", "bad-utf8")).toBe(0);
  });

  it("many invalid UTF-8 jobs mixed with good ones in one push: each bad one dead once, never run", async () => {
    await t.redis.del("dead");
    const raws: Buffer[] = [];
    for (let i = 0; i < 12; i++) {
      raws.push(
        Buffer.concat([
          Buffer.from(`{"class":"Echo","args":["`),
          Buffer.from([0xc0 + (i % 2), 0xaf, 0xf5 + (i % 3)]),
          Buffer.from(`"],"jid":"bad-${i}"}`),
        ]),
        Buffer.from(JSON.stringify({ class: "Echo", args: [`ok \uFFFD ${i}`], jid: `good-${i}` })),
      );
    }
    await t.redis.lpush("queue:default", ...raws);
    await pushRawThenGood("{}");
    for (let i = 0; i < 12; i++) {
      expect(await t.redis.sismember("ran", `bad-${i}`)).toBe(0);
      // A real U+FFFD is valid UTF-8: that job runs and is acknowledged.
      expect(await t.redis.sismember("ran", `good-${i}`)).toBe(1);
    }
    const dead = await deadBuffers();
    for (let i = 0; i < 12; i++) {
      expect(dead.filter((d) => d.equals(raws[2 * i]!))).toHaveLength(1);
    }
    expect(dead).toHaveLength(13); // the 12 plus "{}"
  });

  it("prototype-pollution keys stay plain data and pollute nothing", async () => {
    await t.redis.del("retry", "dead");
    const raw =
      '{"class":"Echo","args":[{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}],' +
      '"jid":"proto-1","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}';
    const failRaw = raw.replace('"class":"Echo"', '"class":"Boom"').replace("proto-1", "proto-2");
    await t.redis.lpush("queue:default", raw, failRaw);
    await pushRawThenGood("{}");
    expect(await t.redis.sismember("ran", "proto-1")).toBe(1);
    const args = seen.find((s) => s.jid === "proto-1")?.args as Record<string, unknown>[];
    expect(Object.hasOwn(args[0]!, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    // The failing copy keeps the keys in its retry entry.
    const [entry] = await t.redis.zrange("retry", "0", "-1");
    expect(entry).toContain('"__proto__":{"polluted":"yes"}');
    expect(entry).toContain('"constructor":{"prototype":{"polluted":"yes"}}');
  });

  it.each(["__proto__", "constructor", "toString", "hasOwnProperty"])(
    'class "%s" is an unknown class: retried with UnknownJobError naming it',
    async (name) => {
      await t.redis.del("retry");
      const raw = JSON.stringify({ class: name, args: [], jid: `cls-${name}`, retry: 3 });
      await pushRawThenGood(raw);
      const [entry] = await t.redis.zrange("retry", "0", "-1");
      const job = JSON.parse(entry!);
      expect(job.error_class).toBe("UnknownJobError");
      expect(job.error_message).toContain(name);
    },
  );

  it("huge integers and floats keep their exact digits through a retry rewrite", async () => {
    await t.redis.del("retry");
    const raw =
      '{"class":"Boom","args":[123456789012345678901234567890,-9007199254740993,1e400,3.0,0.1],' +
      '"jid":"huge-1","retry":true,"created_at":1700000000.0,"extra":18446744073709551615}';
    await pushRawThenGood(raw);
    const [entry] = await t.redis.zrange("retry", "0", "-1");
    expect(entry).toContain("[123456789012345678901234567890,-9007199254740993,1e400,3.0,0.1]");
    expect(entry).toContain('"extra":18446744073709551615');
    expect(entry).toContain('"created_at":1700000000.0');
    expect(JSON.parse(entry!).error_message).toBe("boom");
  });

  it("huge or odd numbers in Sidekiq's own fields do not stop the worker", async () => {
    await t.redis.del("retry", "dead");
    const raws = [
      '{"class":"Boom","args":[],"jid":"odd-1","retry":1e400}',
      '{"class":"Boom","args":[],"jid":"odd-2","retry":99999999999999999999999,"retry_count":1e308}',
      '{"class":"Boom","args":[],"jid":"odd-3","retry":-5,"retry_count":-1}',
      '{"class":"Boom","args":[],"jid":"odd-4","retry":"yes","retry_count":"x"}',
    ];
    await t.redis.lpush("queue:default", ...raws);
    await pushRawThenGood("{}");
    const where = await Promise.all(
      raws.map(async (r) => {
        const jid = JSON.parse(r.replace(/1e400|1e308/g, "0")).jid as string;
        const inRetry = (await t.redis.zrange("retry", "0", "-1")).some((e) => e.includes(jid));
        const inDead = (await t.redis.zrange("dead", "0", "-1")).some((e) => e.includes(jid));
        return inRetry || inDead ? "kept" : "gone";
      }),
    );
    // Each one is somewhere a person can see it (retry or dead), none silently dropped.
    expect(where).toEqual(["kept", "kept", "kept", "kept"]);
  });
});
