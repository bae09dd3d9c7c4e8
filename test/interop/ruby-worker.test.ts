// Interop of our worker with real Ruby Sidekiq 6.4: jobs pushed by Ruby run on our worker; a job
// failing on our worker sits in Ruby's RetrySet with the right fields and score (and Ruby can
// reschedule it, which needs our bytes to equal Ruby's own JSON); Ruby's ProcessSet and Workers
// see our process; Process#quiet!/#stop! act on it; a Ruby `sidekiq` and our worker share a queue.
import { afterEach, beforeEach, describe, expect } from "vitest";
import { Client } from "../../src/core/client";
import { silentLogger } from "../../src/worker/logger";
import type { WorkerOptions } from "../../src/worker/options";
import { Worker } from "../../src/worker/worker";
import { itWith } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { ruby, startSidekiq, waitFor } from "../helpers/ruby";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
const itRuby = itWith("ruby");
const workers: Worker[] = [];

beforeEach(() => t.flush());
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

function worker(options: Partial<WorkerOptions> = {}): Worker {
  const w = new Worker({
    redis: t.redis,
    logger: silentLogger,
    heartbeatInterval: 0.3,
    pollIntervalAverage: 0.2,
    handleSignals: false,
    shutdownTimeout: 2,
    ...options,
  });
  workers.push(w);
  return w;
}

const RUBY_JOBS = `
class HardJob
  include Sidekiq::Worker
  def perform(*args); end
end
class FailJob
  include Sidekiq::Worker
  sidekiq_options retry: 5, backtrace: true, queue: "critical"
  def perform(*args); end
end`;

describe("our worker with Ruby Sidekiq 6.4", () => {
  itRuby("runs jobs Ruby pushed with perform_async, perform_in and push_bulk", async () => {
    const seen: unknown[][] = [];
    const w = worker();
    w.register("HardJob", (args) => void seen.push(args));
    await w.start();
    await ruby(
      `${RUBY_JOBS}
       HardJob.perform_async(1, "two", {"k" => [1.5, nil]})
       HardJob.perform_in(1, "later")
       Sidekiq::Client.push_bulk("class" => HardJob, "args" => [[10], [11], [12]])`,
      t.url,
    );
    await waitFor(() => seen.length === 5, 15_000, "5 Ruby jobs");
    expect(seen).toEqual(
      expect.arrayContaining([[1, "two", { k: [1.5, null] }], ["later"], [10], [11], [12]]),
    );
    expect(await t.redis.zcard("schedule")).toBe(0);
  });

  itRuby(
    "a job failing on our worker is in Ruby's RetrySet with the right fields and score",
    async () => {
      const w = worker({ scheduler: false, queues: ["critical"] });
      w.register("FailJob", function failingHandler() {
        throw new RangeError("out of range: 7");
      });
      await w.start();
      await ruby(`${RUBY_JOBS}\nFailJob.perform_async(7, 12345678901234567890, 3.0)`, t.url);
      await waitFor(async () => (await t.redis.zcard("retry")) === 1, 10_000, "retry entry");
      const out = await ruby(
        `rs = Sidekiq::RetrySet.new
       e = rs.first
       r = {size: rs.size, klass: e.klass, args: e.args.map(&:to_s), queue: e.queue, jid: e.jid,
            error_class: e["error_class"], error_message: e["error_message"], retry_count: e["retry_count"],
            failed_at: e["failed_at"], at: e.at.to_f, backtrace: e.error_backtrace,
            same_bytes: Sidekiq.dump_json(e.item) == e.value}
       e.reschedule(Time.now.to_f + 1000)
       r[:size_after_reschedule] = Sidekiq::RetrySet.new.size
       puts JSON.generate(r)`,
        t.url,
      );
      const r = JSON.parse(out);
      expect(r).toMatchObject({
        size: 1,
        klass: "FailJob",
        args: ["7", "12345678901234567890", "3.0"],
        queue: "critical",
        error_class: "RangeError",
        error_message: "out of range: 7",
        retry_count: 0,
        same_bytes: true,
        size_after_reschedule: 1,
      });
      const delay = r.at - r.failed_at;
      expect(delay).toBeGreaterThanOrEqual(15 - 0.01);
      expect(delay).toBeLessThan(25);
      expect(r.backtrace[0]).toMatch(/failingHandler/);
    },
  );

  itRuby(
    "Sidekiq::ProcessSet and Sidekiq::Workers see our process, its info and busy count",
    async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const w = worker({
        sidekiqVersion: 6,
        tag: "edge",
        concurrency: 4,
        queues: ["critical", "default"],
      });
      w.register("HardJob", () => gate);
      await w.start();
      const jid = await client.push({ class: "HardJob", args: [1] });
      await waitFor(async () => (await t.redis.hget(w.identity, "busy")) === "1", 10_000, "busy");
      const out = await ruby(
        `p = Sidekiq::ProcessSet.new.find { |x| x.identity == "${w.identity}" }
       works = []
       Sidekiq::Workers.new.each { |pid, tid, work| works << {pid: pid, queue: work["queue"], jid: work["payload"]["jid"]} }
       puts JSON.generate({found: !p.nil?, hostname: p["hostname"], pid: p["pid"], tag: p.tag, busy: p["busy"],
         concurrency: p["concurrency"], queues: p["queues"], quiet: p.stopping?, works: works,
         workers_size: Sidekiq::Workers.new.size})`,
        t.url,
      );
      release();
      const r = JSON.parse(out);
      expect(r).toMatchObject({
        found: true,
        tag: "edge",
        busy: 1,
        concurrency: 4,
        queues: ["critical", "default"],
        quiet: false,
        works: [{ pid: w.identity, queue: "default", jid }],
        workers_size: 1,
      });
    },
  );

  itRuby("Sidekiq::Process#quiet! and #stop! act on our worker", async () => {
    const w = worker();
    await w.start();
    const find = `Sidekiq::ProcessSet.new.find { |x| x.identity == "${w.identity}" }`;
    await ruby(`${find}.quiet!`, t.url);
    await waitFor(() => w.state === "quiet", 10_000, "quiet");
    await waitFor(async () => (await t.redis.hget(w.identity, "quiet")) === "true", 10_000);
    const stopping = await ruby(`puts ${find}.stopping?`, t.url);
    expect(stopping.trim()).toBe("true");
    await ruby(`${find}.stop!`, t.url);
    await w.stopped;
    expect(w.state).toBe("stopped");
    const size = await ruby(`puts Sidekiq::ProcessSet.new.size`, t.url);
    expect(size.trim()).toBe("0");
  });

  itRuby(
    "a Ruby sidekiq process and our worker drain one queue together, every job once",
    async () => {
      const sidekiq = startSidekiq(
        `class SharedJob
           include Sidekiq::Worker
           def perform(i)
             sleep 0.005
             Sidekiq.redis { |r| r.rpush("ran", "ruby:#{i}") }
           end
         end`,
        t.url,
        ["-c", "5", "-q", "default"],
      );
      try {
        const w = worker({ concurrency: 5 });
        w.register("SharedJob", async (args) => {
          await new Promise((r) => setTimeout(r, 5));
          await t.redis.rpush("ran", `ts:${args[0]}`);
        });
        await w.start();
        // Wait until Ruby's sidekiq is up (its heartbeat is in `processes`) so both compete.
        await waitFor(
          async () => (await t.redis.scard("processes")) === 2,
          20_000,
          `ruby sidekiq\n${sidekiq.output()}`,
        );
        const n = 400;
        await client.pushBulk({
          class: "SharedJob",
          args: Array.from({ length: n }, (_, i) => [i]),
        });
        await waitFor(async () => (await t.redis.llen("ran")) >= n, 30_000, "all jobs");
        await new Promise((r) => setTimeout(r, 200)); // a duplicate would show up here
        const ran = await t.redis.lrange("ran", 0, -1);
        expect(ran).toHaveLength(n);
        const ids = ran.map((x) => Number(x.split(":")[1]));
        expect(new Set(ids).size).toBe(n);
        const byRuby = ran.filter((x) => x.startsWith("ruby:")).length;
        expect(byRuby).toBeGreaterThan(0);
        expect(n - byRuby).toBeGreaterThan(0);
        expect(await t.redis.zcard("retry")).toBe(0);
      } finally {
        await sidekiq.stop();
      }
    },
    60_000,
  );

  itRuby(
    "Ruby's scheduler and ours, running at once, move every due job exactly once",
    async () => {
      const n = 5000;
      const args: (string | number)[] = [];
      for (let i = 0; i < n; i++) {
        args.push(
          1_700_000_000 + i,
          `{"retry":true,"queue":"default","class":"HardJob","args":[${i}],"jid":"j${i}"}`,
        );
      }
      await t.redis.zadd("schedule", ...args);
      const { enqueueDueJobs } = await import("../../src/worker/scheduled");
      const { fromIoredis } = await import("../../src/redis/tcp");
      const { Keys } = await import("../../src/core/keys");
      const ours = fromIoredis(t.connect());
      const rubyRun = ruby(
        `require "sidekiq/scheduled"\nSidekiq::Scheduled::Enq.new.enqueue_jobs`,
        t.url,
      );
      // Start racing once Ruby is moving jobs.
      await waitFor(async () => (await t.redis.llen("queue:default")) > 0, 20_000, "Ruby's poller");
      let movedByUs = 0;
      // Keep polling until the set is empty, racing Ruby's one-job-per-call loop.
      while ((await t.redis.zcard("schedule")) > 0) {
        movedByUs += await enqueueDueJobs(ours, new Keys(), "seconds");
      }
      await rubyRun;
      const queue = await t.redis.lrange("queue:default", 0, -1);
      expect(queue).toHaveLength(n);
      expect(new Set(queue.map((j) => JSON.parse(j).jid)).size).toBe(n);
      expect(movedByUs).toBeGreaterThan(0);
      expect(movedByUs).toBeLessThan(n); // Ruby moved some too
    },
  );
});
