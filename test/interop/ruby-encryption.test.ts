// What Ruby Sidekiq 6.4 sees of an encrypted job: a valid job whose last argument is the envelope
// string (Sidekiq::API reads it, `"encrypt"` is a plain payload field); a Ruby process that runs
// it gets the envelope, not the plaintext; and a retry Ruby writes keeps the ciphertext, so our
// worker, holding the key, still opens it afterwards.
import { afterAll, describe, expect } from "vitest";
import { RetrySet } from "../../src/api";
import { Client } from "../../src/core/client";
import { keyRing } from "../../src/core/encryption";
import { fromIoredis } from "../../src/redis/tcp";
import { silentLogger } from "../../src/worker/logger";
import { Worker } from "../../src/worker/worker";
import { itWith } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { ruby, type SidekiqProcess, startSidekiq, waitFor } from "../helpers/ruby";

const t = await useTestRedis();
const it = itWith("ruby");
const KEY = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
const ring = { current: "k1", keys: { k1: KEY } };

const JOBS = `
class Charge
  include Sidekiq::Worker
  sidekiq_options retry: 3
  sidekiq_retry_in { 3600 }
  def perform(amount, card)
    Sidekiq.redis { |r| r.rpush("ruby-saw", card.to_s) }
    raise "Ruby cannot charge #{amount}"
  end
end`;

let sidekiq: SidekiqProcess | undefined;
afterAll(async () => {
  await sidekiq?.stop();
});

describe.sequential("an encrypted job and Ruby Sidekiq 6.4", () => {
  it("Ruby reads the envelope; a Ruby retry keeps it; our worker opens it after", async () => {
    await t.flush();
    const canary = `canary-${crypto.randomUUID()}`;
    const client = new Client({ redis: t.redis, encryption: keyRing(ring) });
    const jid = await client.push({
      class: "Charge",
      args: [12, { card: canary }],
      queue: "rb",
      encrypt: true,
    });
    const seen = JSON.parse(
      await ruby(
        `job = Sidekiq::Queue.new("rb").first
         puts JSON.generate({ "args" => job.args, "encrypt" => job.item["encrypt"], "jid" => job.jid })`,
        t.url,
      ),
    );
    expect(seen.jid).toBe(jid);
    expect(seen.encrypt).toBe(true);
    expect(seen.args[0]).toBe(12);
    expect(seen.args[1]).toMatch(/^edgekiq:v1:k1:/);
    const envelope = seen.args[1] as string;

    // A real sidekiq process runs it: it gets the envelope, fails, and writes a retry.
    sidekiq = startSidekiq(JOBS, t.url, ["-c", "1", "-q", "rb", "-t", "1"]);
    const retries = new RetrySet({ redis: fromIoredis(t.redis) });
    await waitFor(async () => (await retries.size()) === 1, 30_000, "a Ruby retry");
    await sidekiq.stop();
    sidekiq = undefined;
    expect(await t.redis.lrange("ruby-saw", 0, -1)).toEqual([envelope]);
    const [retry] = (await retries.page(1, 1)).items;
    expect(retry!.args[1]).toBe(envelope);
    expect(retry!.errorMessage).toBe("Ruby cannot charge 12");
    expect(retry!.encryptionKey).toBe("k1");
    expect(retry!.value).not.toContain(canary);

    // Back on a queue, our worker opens what Ruby kept.
    expect(await retries.retryAll()).toBe(1);
    const ran: unknown[] = [];
    const worker = new Worker({
      redis: t.redis,
      queues: ["rb"],
      logger: silentLogger,
      handleSignals: false,
      encryption: ring,
    });
    worker.register("Charge", (args) => {
      ran.push(args);
    });
    await worker.start();
    try {
      await waitFor(() => ran.length === 1, 10_000, "our worker");
    } finally {
      await worker.stop();
    }
    expect(ran).toEqual([[12, { card: canary }]]);
  }, 60_000);
});
