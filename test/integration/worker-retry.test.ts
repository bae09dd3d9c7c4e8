// Failures on a real Redis: Sidekiq's retry fields, delay and limits, hooks, the dead set with its
// trim, byte-preserving rewrites, and bad input (not JSON, unknown class, schema failure).
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { decodeBacktrace } from "../../src/core/backtrace";
import { Client } from "../../src/core/client";
import { defineJob } from "../../src/core/define-job";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });

async function zsetEntries(key: string) {
  const flat = await t.redis.zrange(key, "0", "-1", "WITHSCORES");
  const out: { json: string; job: Record<string, any>; score: number }[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    out.push({ json: flat[i]!, job: JSON.parse(flat[i]!), score: Number(flat[i + 1]) });
  }
  return out;
}

async function inProgressEmpty(worker: ReturnType<typeof testWorker>, queue = "default") {
  return (await t.redis.llen(worker.keys.inProgress(worker.identity, queue))) === 0;
}

describe("retry and death", () => {
  it("first failure writes Sidekiq's fields and a score in count**4 + 15 + rand(10)*(count+1)", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { scheduler: false });
    worker.register("FailJob", () => {
      throw new TypeError("boom");
    });
    await worker.start();
    const before = Date.now() / 1000;
    const jid = await client.push({ class: "FailJob", args: [1], retry_queue: "retries" });
    await waitFor(async () => (await t.redis.zcard("retry")) === 1);
    const [e] = await zsetEntries("retry");
    expect(e!.job).toMatchObject({
      jid,
      class: "FailJob",
      queue: "retries",
      error_message: "boom",
      error_class: "TypeError",
      retry_count: 0,
    });
    expect(e!.job.failed_at).toBeGreaterThanOrEqual(before);
    expect(e!.job.retried_at).toBeUndefined();
    expect(e!.job.error_backtrace).toBeUndefined();
    // count 0: 15..24 s after the failure
    expect(e!.score - e!.job.failed_at).toBeGreaterThanOrEqual(15 - 0.01);
    expect(e!.score - e!.job.failed_at).toBeLessThan(25);
    // the float keeps a fractional part on the wire
    expect(e!.json).toMatch(/"failed_at":\d+\.\d+/);
    await waitFor(() => inProgressEmpty(worker));
  });

  it("a later failure bumps retry_count, sets retried_at and keeps failed_at", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { scheduler: false });
    worker.register("FailJob", () => {
      throw new Error("again");
    });
    await worker.start();
    // As the scheduler would put a retried job back: retry_count 3, failed_at from long ago.
    const json =
      '{"retry":true,"queue":"default","class":"FailJob","args":[],"jid":"0123456789abcdef01234567","created_at":1700000000.5,"enqueued_at":1700000001.5,"error_message":"x","error_class":"E","failed_at":1700000000.75,"retry_count":3}';
    await t.redis.lpush("queue:default", json);
    await waitFor(async () => (await t.redis.zcard("retry")) === 1);
    const [e] = await zsetEntries("retry");
    expect(e!.job.retry_count).toBe(4);
    expect(e!.job.failed_at).toBe(1700000000.75);
    expect(e!.job.retried_at).toBeGreaterThan(1700000001);
    expect(e!.job.error_message).toBe("again");
    const delay = e!.score - e!.job.retried_at;
    expect(delay).toBeGreaterThanOrEqual(4 ** 4 + 15 - 0.01);
    expect(delay).toBeLessThan(4 ** 4 + 15 + 9 * 5 + 1);
    // Untouched fields keep their place and bytes; new ones are appended in Ruby's order.
    expect(e!.json.startsWith(json.slice(0, json.indexOf(',"error_message"')))).toBe(true);
    expect(Object.keys(e!.job).slice(-2)).toEqual(["retry_count", "retried_at"].sort().reverse());
  });

  it("keeps big integers, 3.0 and nested bytes unchanged through a retry", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { scheduler: false });
    worker.register("FailJob", () => {
      throw new Error("x");
    });
    await worker.start();
    const json =
      '{"retry":true,"queue":"default","args":[12345678901234567890,3.0,{"b":1,"a":2,"1":"k"},"é\\u2028"],"class":"FailJob","jid":"aaaaaaaaaaaaaaaaaaaaaaaa","created_at":1795917170.0,"enqueued_at":1795917170.3388467}';
    await t.redis.lpush("queue:default", json);
    await waitFor(async () => (await t.redis.zcard("retry")) === 1);
    const [member] = await t.redis.zrange("retry", "0", "0");
    expect(member).toContain('"args":[12345678901234567890,3.0,{"b":1,"a":2,"1":"k"},"é\\u2028"]');
    expect(member).toContain('"created_at":1795917170.0,');
    expect(member!.startsWith(json.slice(0, -1))).toBe(true);
  });

  it("retry: 0 goes straight to dead; retry: false drops after death handlers; retry: N stops after N", async () => {
    await t.flush();
    const deaths: string[] = [];
    const worker = testWorker(t.redis, {
      scheduler: false,
      deathHandlers: [(job, err) => void deaths.push(`${job.jid}:${err.message}`)],
    });
    worker.register("FailJob", () => {
      throw new Error("nope");
    });
    await worker.start();
    const zero = await client.push({ class: "FailJob", args: [], retry: 0 });
    const off = await client.push({ class: "FailJob", args: [], retry: false });
    // retry: 2 with retry_count 1 already: this failure makes it 2 => exhausted.
    await t.redis.lpush(
      "queue:default",
      '{"retry":2,"queue":"default","class":"FailJob","args":[],"jid":"bbbbbbbbbbbbbbbbbbbbbbbb","failed_at":1.5,"retry_count":1}',
    );
    await waitFor(() => deaths.length === 3, { what: "3 deaths" });
    await waitFor(() => inProgressEmpty(worker));
    const dead = await zsetEntries("dead");
    expect(dead.map((d) => d.job.jid).sort()).toEqual([zero, "bbbbbbbbbbbbbbbbbbbbbbbb"].sort());
    expect(dead.find((d) => d.job.jid === zero)!.job).toMatchObject({
      retry_count: 0,
      error_message: "nope",
    });
    expect(deaths.some((d) => d.startsWith(`${off}:`))).toBe(true);
    expect(await t.redis.zcard("retry")).toBe(0);
    await worker.stop();
    expect(await t.redis.get("stat:failed")).toBe("3");
  });

  it("honours retryIn (seconds, kill, discard) and retriesExhausted (discard)", async () => {
    await t.flush();
    const exhausted: string[] = [];
    const worker = testWorker(t.redis, { scheduler: false });
    worker.register(
      "HookJob",
      () => {
        throw new Error("hook");
      },
      {
        retryIn: (count, _err, job) =>
          job.args[0] === "kill" ? "kill" : job.args[0] === "discard" ? "discard" : 1000 + count,
        retriesExhausted: (job) => {
          exhausted.push(job.args[0] as string);
          return job.args[0] === "kill" ? undefined : "discard";
        },
      },
    );
    await worker.start();
    const t0 = Date.now() / 1000;
    await client.push({ class: "HookJob", args: ["later"] });
    await client.push({ class: "HookJob", args: ["kill"] });
    await client.push({ class: "HookJob", args: ["discard"] });
    await waitFor(
      async () => (await t.redis.zcard("retry")) === 1 && (await t.redis.zcard("dead")) === 1,
    );
    await waitFor(() => inProgressEmpty(worker));
    const [r] = await zsetEntries("retry");
    expect(r!.score - t0).toBeGreaterThanOrEqual(1000);
    expect(r!.score - t0).toBeLessThan(1000 + 10 + 5);
    const [d] = await zsetEntries("dead");
    expect(d!.job.args).toEqual(["kill"]);
    expect(exhausted).toEqual(["kill"]);
  });

  it("a failing 5,000-deep job with retry: 3 is retried, not killed, when it comes back", async () => {
    await t.flush();
    const worker = testWorker(t.redis);
    let attempts = 0;
    worker.register("DeepFail", () => {
      attempts++;
      throw new Error(`attempt ${attempts}`);
    });
    await worker.start();
    const deep = `${"[".repeat(5000)}1${"]".repeat(5000)}`;
    await t.redis.lpush(
      "queue:default",
      `{"retry":3,"queue":"default","class":"DeepFail","args":[${deep}],"jid":"deep-fail"}`,
    );
    await waitFor(async () => (await zsetEntries("retry"))[0]?.job.retry_count === 0);
    // Due now, as the Web UI's "retry now" would make it: the scheduler must move it back.
    const [first] = await t.redis.zrange("retry", "0", "0");
    await t.redis.zadd("retry", Date.now() / 1000, first!);
    await waitFor(async () => (await zsetEntries("retry"))[0]?.job.retry_count === 1, {
      what: "the second failure back in retry",
    });
    const [e] = await zsetEntries("retry");
    expect(attempts).toBe(2);
    expect(e!.job.error_message).toBe("attempt 2");
    expect(e!.json.includes(`"args":[${deep}]`)).toBe(true);
    expect(await t.redis.zcard("dead")).toBe(0);
  });

  it("forged counts: huge ones die at a finite score, negative ones restart at 0", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { scheduler: false });
    worker.register("FailJob", () => {
      throw new Error("nope");
    });
    await worker.start();
    const job = (jid: string, extra: string) =>
      `{"queue":"default","class":"FailJob","args":[],"jid":"${jid}","failed_at":1.5${extra}}`;
    await t.redis.lpush(
      "queue:default",
      job("float-limit", ',"retry":1e308,"retry_count":1e300'),
      job("int-limit", `,"retry":${Number.MAX_SAFE_INTEGER},"retry_count":1e15`),
      job("negative", ',"retry":3,"retry_count":-1000'),
    );
    await waitFor(async () => (await t.redis.zcard("dead")) + (await t.redis.zcard("retry")) === 3);
    const dead = await zsetEntries("dead");
    const retry = await zsetEntries("retry");
    expect(dead.map((e) => e.job.jid).sort()).toEqual(["float-limit", "int-limit"]);
    expect(retry.map((e) => [e.job.jid, e.job.retry_count])).toEqual([["negative", 0]]);
    // Every score Redis holds is a real time: nothing parked at inf or past any date.
    for (const e of [...dead, ...retry]) {
      expect(e.score).toBeGreaterThan(Date.now() / 1000 - 60);
      expect(e.score).toBeLessThan(Date.now() / 1000 + 60);
    }
    expect(await t.redis.zcount("retry", "(1e12", "+inf")).toBe(0);
  });

  it("stores error_backtrace in Sidekiq's encoding when the job asks", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { scheduler: false });
    worker.register("TraceJob", function traceJobHandler() {
      throw new Error("trace");
    });
    await worker.start();
    await client.push({ class: "TraceJob", args: [], backtrace: 2 });
    await waitFor(async () => (await t.redis.zcard("retry")) === 1);
    const [e] = await zsetEntries("retry");
    expect(e!.job.error_backtrace).toMatch(/^[A-Za-z0-9+/=]+$/); // strict base64 (Sidekiq 7)
    const lines = await decodeBacktrace(e!.job.error_backtrace);
    expect(lines).toHaveLength(2);
    expect(lines![0]).toMatch(/traceJobHandler/);
  });

  it("truncates error_message to 10,000 characters and handles thrown non-Errors", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { scheduler: false });
    worker.register("LongJob", () => {
      throw new Error("é".repeat(12_000));
    });
    worker.register("WeirdJob", () => {
      throw { code: 42 };
    });
    worker.register("StringJob", () => Promise.reject("plain string"));
    await worker.start();
    await client.push({ class: "LongJob", args: [] });
    await client.push({ class: "WeirdJob", args: [] });
    await client.push({ class: "StringJob", args: [] });
    await waitFor(async () => (await t.redis.zcard("retry")) === 3);
    const byClass = Object.fromEntries(
      (await zsetEntries("retry")).map((e) => [e.job.class, e.job]),
    );
    expect(byClass.LongJob.error_message).toBe("é".repeat(10_000));
    expect(byClass.WeirdJob).toMatchObject({
      error_class: "NonErrorThrown",
      error_message: '{"code":42}',
    });
    expect(byClass.StringJob).toMatchObject({
      error_class: "Error",
      error_message: "plain string",
    });
  });

  it("trims the dead set to 180 days and 10,000 jobs", async () => {
    await t.flush();
    const now = Date.now() / 1000;
    const old = now - 181 * 24 * 3600;
    const args: (string | number)[] = [];
    for (let i = 0; i < 10_000; i++) args.push(now - 1000 + i * 0.01, `{"jid":"filler${i}"}`);
    await t.redis.zadd("dead", old, '{"jid":"ancient"}', ...args);
    const worker = testWorker(t.redis, { scheduler: false });
    worker.register("DieJob", () => {
      throw new Error("die");
    });
    await worker.start();
    const jid = await client.push({ class: "DieJob", args: [], retry: 0 });
    await waitFor(async () => (await t.redis.zscore("dead", '{"jid":"ancient"}')) === null);
    expect(await t.redis.zcard("dead")).toBe(9_999);
    const newest = await t.redis.zrange("dead", "-1", "-1");
    expect(JSON.parse(newest[0]!).jid).toBe(jid);
  });
});

describe("bad input loses nothing and stops nothing", () => {
  it("a payload that is not JSON goes to dead as its raw string; the worker keeps running", async () => {
    await t.flush();
    const ran: number[] = [];
    const worker = testWorker(t.redis, { scheduler: false });
    worker.register("GoodJob", (args) => void ran.push(args[0] as number));
    await worker.start();
    await t.redis.lpush("queue:default", "{not json");
    await client.push({ class: "GoodJob", args: [1] });
    await waitFor(async () => ran.length === 1 && (await t.redis.zcard("dead")) === 1);
    expect(await t.redis.zrange("dead", "0", "-1")).toEqual(["{not json"]);
    await waitFor(() => inProgressEmpty(worker));
  });

  it("a JSON object that is not a job goes to dead with the reason", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { scheduler: false });
    await worker.start();
    await t.redis.lpush("queue:default", '{"args":[1],"jid":"cccccccccccccccccccccccc"}');
    await waitFor(async () => (await t.redis.zcard("dead")) === 1);
    const [d] = await zsetEntries("dead");
    expect(d!.job.error_class).toBe("JobPayloadError");
    expect(d!.job.error_message).toMatch(/"class" must be a non-empty string/);
  });

  it("an unknown class is retried with a message naming the class", async () => {
    await t.flush();
    const worker = testWorker(t.redis, { scheduler: false });
    await worker.start();
    await client.push({ class: "Billing::MissingJob", args: [] });
    await waitFor(async () => (await t.redis.zcard("retry")) === 1);
    const [e] = await zsetEntries("retry");
    expect(e!.job.error_class).toBe("UnknownJobError");
    expect(e!.job.error_message).toContain('"Billing::MissingJob"');
  });

  it("a payload failing its schema goes to dead with the schema issues", async () => {
    await t.flush();
    const Typed = defineJob({
      name: "TypedJob",
      args: v.tuple([v.object({ email: v.pipe(v.string(), v.email()) })]),
    });
    let ran = false;
    const worker = testWorker(t.redis, { scheduler: false });
    worker.register(Typed, () => {
      ran = true;
    });
    await worker.start();
    await t.redis.lpush(
      "queue:default",
      '{"retry":true,"queue":"default","class":"TypedJob","args":[{"email":"nope"}],"jid":"dddddddddddddddddddddddd"}',
    );
    await waitFor(async () => (await t.redis.zcard("dead")) === 1);
    const [d] = await zsetEntries("dead");
    expect(d!.job.error_class).toBe("JobValidationError");
    expect(d!.job.error_message).toMatch(/args\[0\]\.email/);
    expect(ran).toBe(false);
    expect(await t.redis.zcard("retry")).toBe(0);
  });
});
