// How finished jobs are written and when the ledger lets go of them, without Redis: acks ride on
// the next fetch call (or go alone after a short timer), retries/deaths/requeues go in one MULTI
// per round trip, and a write that fails keeps its jobs held and is sent again. The Redis door is
// a recording stand-in here; the real scripts run in the integration and chaos suites.
import { describe, expect, it } from "vitest";
import { Keys } from "../../../src/core/keys";
import type { LuaScript, RedisArg, RedisCommand, RedisReply } from "../../../src/redis/types";
import { AckBatcher } from "../../../src/worker/ack-batcher";
import { ReliableFetch } from "../../../src/worker/fetch";
import { Ledger } from "../../../src/worker/ledger";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records script calls and MULTIs; answers from `replies` (an Error rejects), else empty. */
class RecordingRedis {
  readonly scripts: { name: string; keys: readonly string[]; args: readonly RedisArg[] }[] = [];
  readonly multis: (readonly RedisCommand[])[] = [];
  readonly replies: (RedisReply[] | Error | Promise<RedisReply[]>)[] = [];
  async evalScript(script: LuaScript, keys: readonly string[], args: readonly RedisArg[]) {
    this.scripts.push({ name: script.name, keys, args });
    return this.#answer();
  }
  async multi(commands: readonly RedisCommand[]) {
    this.multis.push(commands);
    return this.#answer();
  }
  async call(): Promise<RedisReply> {
    return null;
  }
  async blocking(): Promise<RedisReply> {
    return null;
  }
  async #answer(): Promise<RedisReply[]> {
    const r = await this.replies.shift();
    if (r instanceof Error) throw r;
    return r ?? [];
  }
}

function setup() {
  const redis = new RecordingRedis();
  const keys = new Keys();
  const ledger = new Ledger(["a", "b"], 2);
  const fetch = new ReliableFetch(redis, keys, ledger, "host:1:abc", ["a", "b"]);
  /** A job that ran and is now waiting for its write. */
  const finished = (queueIndex: number, json: string) => {
    const e = ledger.hold(queueIndex, json);
    ledger.start(e);
    ledger.finish(e);
    return e;
  };
  return { redis, ledger, fetch, finished, keys };
}

describe("acks on the fetch call", () => {
  it("ride on the next fetch, which releases them when its reply says they are written", async () => {
    const { redis, ledger, fetch, finished } = setup();
    fetch.ack(finished(1, "done-b"));
    // The reply: the first queue of `order` (b) gave one job.
    redis.replies.push(["1", "new-b"]);
    const got = await fetch.fetchBatch(3, [1, 0]);
    expect(redis.scripts).toHaveLength(1);
    // n, the ack count, then (KEYS index of b's in-progress list, the exact string).
    expect(redis.scripts[0]!.args).toEqual([3, 1, 2, "done-b"]);
    // The ack is released; the job it brought is held from the reply on.
    expect(ledger.held(1)).toEqual(new Map([["new-b", 1]]));
    expect(got.map((e) => [ledger.queueOf(e), ledger.jsonOf(e)])).toEqual([[1, "new-b"]]);
    // Carried already: the ack timer sends nothing of its own.
    await sleep(30);
    expect(redis.scripts).toHaveLength(1);
  });

  it("stay held while the fetch carrying them is in flight", async () => {
    const { redis, ledger, fetch, finished } = setup();
    let answer!: (r: RedisReply[]) => void;
    redis.replies.push(new Promise((r) => (answer = r)));
    fetch.ack(finished(0, "j"));
    const call = fetch.fetchBatch(1, [0, 1]);
    await sleep(1);
    expect(ledger.held(0).get("j")).toBe(1);
    answer([]);
    await call;
    expect(ledger.held(0).size).toBe(0);
  });

  it("go alone after a few ms when no fetch comes", async () => {
    const { redis, ledger, fetch, finished } = setup();
    fetch.ack(finished(0, "x"));
    fetch.ack(finished(0, "y"));
    expect(redis.scripts).toHaveLength(0);
    await sleep(30);
    expect(redis.scripts).toHaveLength(1);
    expect(redis.scripts[0]!.args).toEqual([0, 2, 2, "x", 2, "y"]);
    expect(ledger.held(0).size).toBe(0);
  });

  it("a failed call keeps them held and the next call carries them again", async () => {
    const { redis, ledger, fetch, finished } = setup();
    fetch.ack(finished(0, "keep"));
    redis.replies.push(new Error("connection reset"));
    await expect(fetch.fetchBatch(2, [0, 1])).rejects.toThrow("connection reset");
    expect(ledger.held(0).get("keep")).toBe(1);
    await fetch.fetchBatch(2, [0, 1]);
    expect(redis.scripts.map((s) => s.args)).toEqual([
      [2, 1, 2, "keep"],
      [2, 1, 2, "keep"],
    ]);
    expect(ledger.held(0).size).toBe(0);
  });
});

describe("AckBatcher", () => {
  it("writes what finishes in one tick as one MULTI and then releases those jobs", async () => {
    const { redis, ledger, fetch, finished } = setup();
    const writes = new AckBatcher(redis, ledger, () => undefined);
    const e1 = finished(0, "retry-me");
    const e2 = finished(1, "requeue-me");
    writes.add(e1, [["zadd", "retry", 1, "retry-me"], fetch.ackCommand(e1)]);
    writes.add(e2, fetch.requeueCommands(e2));
    expect(ledger.held(0).get("retry-me")).toBe(1);
    await writes.drain();
    expect(redis.multis).toEqual([
      [
        ["zadd", "retry", 1, "retry-me"],
        ["lrem", "edgekiq:inprogress:host:1:abc|a", -1, "retry-me"],
        ["lrem", "edgekiq:inprogress:host:1:abc|b", -1, "requeue-me"],
        ["rpush", "queue:b", "requeue-me"],
      ],
    ]);
    expect(ledger.held(0).size + ledger.held(1).size).toBe(0);
  });

  it("a failed MULTI is reported, keeps its jobs held and is sent again", async () => {
    const { redis, ledger, finished } = setup();
    const errors: unknown[] = [];
    const writes = new AckBatcher(redis, ledger, (err) => errors.push(err));
    const e = finished(0, "dead-me");
    redis.replies.push(new Error("READONLY"));
    writes.add(e, [["zadd", "dead", 1, "dead-me"]]);
    await sleep(20);
    expect(errors).toHaveLength(1);
    expect(ledger.held(0).get("dead-me")).toBe(1);
    await writes.drain();
    expect(redis.multis).toHaveLength(2);
    expect(redis.multis[1]).toEqual(redis.multis[0]);
    expect(ledger.held(0).size).toBe(0);
  });
});
