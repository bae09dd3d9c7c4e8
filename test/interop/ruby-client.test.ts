// Interop with real Ruby Sidekiq 6.4: Ruby's API reads what our client wrote, a real `sidekiq`
// process runs a job pushed from TypeScript, and jobs written by Ruby's client parse in our model.
import { beforeEach, describe, expect } from "vitest";
import { Client } from "../../src/core/client";
import { parseJob } from "../../src/core/job";
import { RawJsonObject } from "../../src/core/raw-json";
import { itWith } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { ruby, startSidekiq, waitFor } from "../helpers/ruby";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
const itRuby = itWith("ruby");

beforeEach(() => t.flush());

describe("Ruby Sidekiq 6.4 reads what our client writes", () => {
  itRuby("Sidekiq::Queue sees class, args, jid, queue and enqueued_at as a Time", async () => {
    const jid = await client.push({
      class: "HardJob",
      args: [1, "two", { k: [true, null] }],
      queue: "critical",
    });
    const out = await ruby(
      `q = Sidekiq::Queue.new("critical")
       j = q.first
       puts JSON.generate({size: q.size, klass: j.klass, args: j.args, jid: j.jid, queue: j.queue,
         enqueued_class: j.enqueued_at.class.name, enqueued: j.enqueued_at.to_f, created: j.created_at.to_f,
         latency_ok: q.latency >= 0 && q.latency < 60, queues: Sidekiq::Queue.all.map(&:name)})`,
      t.url,
    );
    const r = JSON.parse(out);
    expect(r).toMatchObject({
      size: 1,
      klass: "HardJob",
      args: [1, "two", { k: [true, null] }],
      jid,
      queue: "critical",
    });
    expect(r.enqueued_class).toBe("Time");
    expect(Math.abs(r.enqueued - Date.now() / 1000)).toBeLessThan(30);
    expect(r.latency_ok).toBe(true);
    expect(r.queues).toEqual(["critical"]);
  });

  itRuby("Sidekiq::ScheduledSet sees a scheduled job at its time", async () => {
    const at = Date.now() / 1000 + 600;
    const jid = await client.push({ class: "LaterJob", args: ["x"], at });
    const out = await ruby(
      `e = Sidekiq::ScheduledSet.new.first
       puts JSON.generate({size: Sidekiq::ScheduledSet.new.size, klass: e.klass, args: e.args, jid: e.jid, at: e.at.to_f,
         found: !Sidekiq::ScheduledSet.new.find_job("${jid}").nil?})`,
      t.url,
    );
    const r = JSON.parse(out);
    expect(r).toMatchObject({ size: 1, klass: "LaterJob", args: ["x"], jid, found: true });
    expect(r.at).toBeCloseTo(at, 3);
  });

  itRuby(
    "a real sidekiq process runs a job pushed from TypeScript",
    async () => {
      const sidekiq = startSidekiq(
        `class EchoJob
         include Sidekiq::Worker
         def perform(*args)
           Sidekiq.redis { |r| r.set("echo:result", JSON.generate({args: args, jid: jid})) }
         end
       end`,
        t.url,
        ["-c", "2", "-q", "default"],
      );
      try {
        const args = [42, "héllo ✓", { nested: [1.5, null, false] }, "</script>"];
        const jid = await client.push({ class: "EchoJob", args });
        const result = await waitFor(
          () => t.redis.get("echo:result"),
          20_000,
          `EchoJob to run\n${sidekiq.output()}`,
        );
        expect(JSON.parse(result as string)).toEqual({ args, jid });
        expect(await t.redis.llen("queue:default")).toBe(0);
      } finally {
        expect(await sidekiq.stop()).toBe(0);
      }
    },
    40_000,
  );
});

describe("jobs written by Ruby's client parse in our model", () => {
  itRuby("perform_async, perform_in, push_bulk and a big integer", async () => {
    await ruby(
      `class HardJob; include Sidekiq::Worker; sidekiq_options retry: 3, tags: ["a"]; end
       HardJob.perform_async(1, "two", {"x" => 3.0, "big" => 12345678901234567890})
       HardJob.perform_in(300, 7)
       Sidekiq::Client.push_bulk("class" => HardJob, "args" => [[1], [2]])`,
      t.url,
    );
    const queued = await t.redis.lrange("queue:default", 0, -1);
    expect(queued).toHaveLength(3);
    for (const raw of queued) {
      const job = parseJob(raw);
      expect(job.class).toBe("HardJob");
      expect(job.retry).toBe(3);
      expect(job.jid).toMatch(/^[0-9a-f]{24}$/);
      expect(typeof job.enqueued_at).toBe("number");
      // Byte-preserving edits keep Ruby's 3.0 and the 64-bit integer exactly.
      expect(RawJsonObject.parse(raw).set("retry_count", 0).toString()).toBe(
        `${raw.slice(0, -1)},"retry_count":0}`,
      );
    }
    const single = queued.find((r) => r.includes("12345678901234567890"))!;
    expect(single).toContain('"x":3.0');
    const [member] = await t.redis.zrange("schedule", "0", "-1");
    const scheduled = parseJob(member!);
    expect(scheduled.args).toEqual([7]);
    expect("at" in scheduled).toBe(false);
  });
});
