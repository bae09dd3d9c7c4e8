// Encrypted job arguments on a real Redis: the client seals, Redis and the logs hold only the
// envelope, the worker opens before the schema and the handler gets the plaintext; key rotation;
// a tampered or moved ciphertext goes to dead without reaching the handler; a retry keeps the
// ciphertext byte for byte; a unique lock is the digest of the plain arguments.
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { defineJob } from "../../src/core/define-job";
import { keyRing } from "../../src/core/encryption";
import { Keys } from "../../src/core/keys";
import { uniqueDigest, uniqueJobs, uniqueKey } from "../../src/core/unique";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import type { Logger } from "../../src/worker/logger";
import { useTestRedis } from "../helpers/redis";
import { testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();

const K1 = btoa(String.fromCharCode(...new Uint8Array(32).fill(1)));
const K2 = btoa(String.fromCharCode(...new Uint8Array(32).fill(2)));
const ringK1 = { current: "k1", keys: { k1: K1 } };
const ringK2 = { current: "k2", keys: { k2: K2, k1: K1 } };

const Charge = defineJob({
  name: "Charge",
  encrypt: true,
  args: v.tuple([v.number(), v.object({ card: v.string() })]),
});
const Secret = defineJob({
  name: "Secret",
  encrypt: "all",
  args: v.tuple([v.string(), v.string()]),
});

/** Every key and value in the test database, as one string (what a Redis reader could see). */
async function dumpRedis(): Promise<string> {
  const out: string[] = [];
  for (const key of await t.redis.keys("*")) {
    const type = await t.redis.type(key);
    out.push(key);
    if (type === "list") out.push(...(await t.redis.lrange(key, 0, -1)));
    else if (type === "zset") out.push(...(await t.redis.zrange(key, "0", "-1")));
    else if (type === "set") out.push(...(await t.redis.smembers(key)));
    else if (type === "hash") out.push(JSON.stringify(await t.redis.hgetall(key)));
    else if (type === "string") out.push((await t.redis.get(key)) ?? "");
  }
  return out.join("\n");
}

async function deadJobs(): Promise<Record<string, any>[]> {
  return (await t.redis.zrange("dead", "0", "-1")).map((j) => JSON.parse(j));
}

function recordingLogger() {
  const lines: string[] = [];
  const at = (msg: string, fields: Record<string, unknown> = {}) =>
    lines.push(`${msg} ${JSON.stringify(fields)}`);
  const logger: Logger = { debug: at, info: at, warn: at, error: at };
  return { lines, logger };
}

describe("encrypted arguments", () => {
  it("seals the last argument; Redis and logs never see it; the handler gets the plaintext", async () => {
    await t.flush();
    const canary = `canary-${crypto.randomUUID()}`;
    const client = new Client({ redis: t.redis, encryption: keyRing(ringK1) });
    const jid = await client.performAsync(Charge, 42, { card: canary });
    const [json] = await t.redis.lrange("queue:default", 0, -1);
    const payload = JSON.parse(json!);
    expect(payload.encrypt).toBe(true);
    expect(payload.args[0]).toBe(42);
    expect(payload.args[1]).toMatch(/^edgekiq:v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(await dumpRedis()).not.toContain(canary);

    const { lines, logger } = recordingLogger();
    const seen: unknown[] = [];
    const worker = testWorker(t.redis, { encryption: ringK1, logger, logArgs: true });
    worker.register(Charge, (args, ctx) => {
      seen.push(args, ctx.payload.args[1]);
    });
    await worker.start();
    await waitFor(() => seen.length > 0, { what: "the job" });
    expect(seen).toEqual([[42, { card: canary }], payload.args[1]]);
    expect(jid).toBe(payload.jid);
    await waitFor(() => lines.some((l) => l.startsWith("done")), { what: "done line" });
    expect(lines.join("\n")).toContain("edgekiq:v1:k1:");
    expect(lines.join("\n")).not.toContain(canary);
    expect(await dumpRedis()).not.toContain(canary);
  });

  it('"all" seals the whole argument list into one envelope', async () => {
    await t.flush();
    const canary = `canary-${crypto.randomUUID()}`;
    const client = new Client({ redis: t.redis, encryption: keyRing(ringK1) });
    await client.performAsync(Secret, "a", canary);
    const payload = JSON.parse((await t.redis.lindex("queue:default", 0))!);
    expect(payload.args).toHaveLength(1);
    expect(payload.args[0]).toMatch(/^edgekiq:v1:k1:/);
    const seen: unknown[] = [];
    const worker = testWorker(t.redis, { encryption: ringK1 });
    worker.register(Secret, (args) => {
      seen.push(args);
    });
    await worker.start();
    await waitFor(() => seen.length > 0);
    expect(seen).toEqual([["a", canary]]);
  });

  it("rotation: new pushes use the current key, jobs under the old key still run", async () => {
    await t.flush();
    const old = new Client({ redis: t.redis, encryption: keyRing(ringK1) });
    const rotated = new Client({ redis: t.redis, encryption: keyRing(ringK2) });
    await old.performAsync(Charge, 1, { card: "old" });
    // Bulk pushes seal each job under its own jid.
    await rotated.performBulk(Charge, [
      [2, { card: "new" }],
      [3, { card: "bulk" }],
    ]);
    const kids = (await t.redis.lrange("queue:default", 0, -1)).map(
      (j) => JSON.parse(j).args[1].split(":")[2],
    );
    expect(kids.sort()).toEqual(["k1", "k2", "k2"]);
    const seen: unknown[] = [];
    const worker = testWorker(t.redis, { encryption: ringK2 });
    worker.register(Charge, (args) => {
      seen.push(args[1].card);
    });
    await worker.start();
    await waitFor(() => seen.length === 3, { what: "all three jobs" });
    expect(seen.sort()).toEqual(["bulk", "new", "old"]);
  });

  it("a key the worker lacks, a tampered byte and a moved ciphertext go to dead, never the handler", async () => {
    await t.flush();
    const client = new Client({ redis: t.redis, encryption: keyRing(ringK1) });
    // Unknown key: pushed under k1, the worker only has k2.
    await client.performAsync(Charge, 1, { card: "x" });
    const good = JSON.parse((await t.redis.lindex("queue:default", 0))!);
    await t.redis.del("queue:default");
    // Tampered: one character of the ciphertext changed.
    const env: string = good.args[1];
    const last = env.at(-2) === "A" ? "B" : "A";
    const tampered = {
      ...good,
      jid: "tampered00000000000000aa",
      args: [1, `${env.slice(0, -2)}${last}${env.at(-1)}`],
    };
    // Moved: the same envelope in another job (another jid).
    const moved = { ...good, jid: "moved0000000000000000000" };
    // Unencrypted where the definition says encrypt.
    const plain = {
      ...good,
      jid: "plain0000000000000000000",
      encrypt: undefined,
      args: [1, { card: "p" }],
    };
    for (const job of [tampered, moved, plain]) {
      await t.redis.lpush("queue:default", JSON.stringify(job));
    }
    const ran: unknown[] = [];
    const worker = testWorker(t.redis, { encryption: ringK1 });
    worker.register(Charge, (args) => {
      ran.push(args);
    });
    await worker.start();
    await waitFor(async () => (await deadJobs()).length === 3, { what: "three dead" });
    await worker.stop();
    const k2Only = testWorker(t.redis, { encryption: { current: "k2", keys: { k2: K2 } } });
    k2Only.register(Charge, (args) => {
      ran.push(args);
    });
    await t.redis.lpush("queue:default", JSON.stringify(good));
    await k2Only.start();
    await waitFor(async () => (await deadJobs()).length === 4, { what: "four dead" });
    expect(ran).toEqual([]);
    const byJid = new Map((await deadJobs()).map((j) => [j.jid, j]));
    for (const job of byJid.values()) expect(job.error_class).toBe("EncryptionError");
    expect(byJid.get(tampered.jid)?.error_message).toMatch(/could not decrypt with key "k1"/);
    expect(byJid.get(moved.jid)?.error_message).toMatch(/altered, or moved from another job/);
    expect(byJid.get(plain.jid)?.error_message).toMatch(/came unencrypted/);
    expect(byJid.get(good.jid)?.error_message).toMatch(
      /key "k1", which is not in this worker's key ring \(k2\)/,
    );
    // The dead copy keeps the ciphertext exactly.
    expect(byJid.get(good.jid)?.args).toEqual(good.args);
  });

  it("a retry keeps the ciphertext byte for byte", async () => {
    await t.flush();
    const client = new Client({ redis: t.redis, encryption: keyRing(ringK1) });
    await client.performAsync(Charge, 7, { card: "retry-me" });
    const original = (await t.redis.lindex("queue:default", 0))!;
    const envelope = JSON.parse(original).args[1] as string;
    let calls = 0;
    const worker = testWorker(t.redis, { encryption: ringK1, scheduler: false });
    worker.register(Charge, (args) => {
      calls++;
      expect(args[1].card).toBe("retry-me");
      throw new Error("card declined");
    });
    await worker.start();
    const [retried] = await waitFor(async () => {
      const list = await t.redis.zrange("retry", "0", "-1");
      return list.length ? list : undefined;
    });
    expect(calls).toBe(1);
    expect(retried).toContain(`[7,"${envelope}"]`);
    const job = JSON.parse(retried!);
    expect(job.args[1]).toBe(envelope);
    expect(job.error_message).toBe("card declined");
    expect(retried).not.toContain("retry-me");
  });

  it("a client without a key ring refuses an encrypted job instead of pushing plaintext", async () => {
    await t.flush();
    const client = new Client({ redis: t.redis });
    await expect(client.performAsync(Charge, 1, { card: "no" })).rejects.toThrow(
      /is encrypted: pass encryption: keyRing/,
    );
    expect(await t.redis.llen("queue:default")).toBe(0);
  });

  it("the dashboard shows the ciphertext, marked encrypted, and never the plaintext", async () => {
    await t.flush();
    const canary = `canary-${crypto.randomUUID()}`;
    const client = new Client({ redis: t.redis, encryption: keyRing(ringK1) });
    await client.performAsync(Charge, 3, { card: canary });
    const worker = testWorker(t.redis, { encryption: ringK1, scheduler: false });
    let failed = false;
    worker.register(Charge, () => {
      failed = true;
      throw new Error("declined");
    });
    await worker.start();
    await waitFor(async () => (await t.redis.zcard("retry")) === 1, { what: "a retry" });
    await worker.stop();
    expect(failed).toBe(true);
    await client.performAsync(Charge, 4, { card: canary });
    const app = dashboard({ redis: fromIoredis(t.redis), auth: "open" });
    const get = async (path: string) => {
      const res = await app.fetch(new Request(`http://127.0.0.1${path}`));
      expect(res.status, path).toBe(200);
      return res.text();
    };
    const queuePage = await get("/queues/default");
    const retryPage = await get("/retries");
    const key = /href="\/retries\/([^"]+)"/.exec(retryPage)?.[1];
    expect(key).toBeDefined();
    const detail = await get(`/retries/${key}`);
    for (const page of [queuePage, retryPage, detail]) {
      expect(page).not.toContain(canary);
      expect(page).toContain("edgekiq:v1:k1:");
      expect(page).toContain(">encrypted<");
    }
    expect(detail).toContain("AES-256-GCM, key k1");
  });
});

describe("encrypted unique jobs", () => {
  it("are the same job when their plain arguments are (the ciphertext differs on every push)", async () => {
    await t.flush();
    const client = new Client({ redis: t.redis, encryption: keyRing(ringK1), unique: uniqueJobs });
    const item = { class: Charge, args: [5, { card: "4242" }], unique: { for: 60 } };
    const first = await client.push(item);
    expect(first).toMatch(/^[0-9a-f]{24}$/);
    expect(await client.push(item)).toBeNull();
    expect(await client.push({ ...item, args: [6, { card: "4242" }] })).toMatch(/^[0-9a-f]{24}$/);
    expect(await t.redis.llen("queue:default")).toBe(2);
    const lock = uniqueKey(new Keys(), await uniqueDigest("Charge", "default", item.args));
    expect(await t.redis.get(lock)).toBe(first);
    expect(await dumpRedis()).not.toContain("4242");

    const seen: unknown[] = [];
    const worker = testWorker(t.redis, { encryption: ringK1 });
    worker.register(Charge, async (args) => {
      seen.push(args);
    });
    await worker.start();
    try {
      await waitFor(() => seen.length === 2, { what: "both jobs" });
      await waitFor(async () => (await t.redis.exists(lock)) === 0, { what: "the lock released" });
    } finally {
      await worker.stop();
    }
    expect(seen).toContainEqual([5, { card: "4242" }]);
  });
});
