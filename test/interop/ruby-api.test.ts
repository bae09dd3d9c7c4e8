// edgekiq/api against real Ruby Sidekiq 6.4: a real `sidekiq` process fails, kills and runs jobs,
// and our API reads its retries, dead jobs, process and running job; our quiet/stop reach it; and
// what our API does (retry now, kill, delete, clear) is what Ruby's Sidekiq::API then sees.
import { afterAll, describe, expect } from "vitest";
import { DeadSet, ProcessSet, Queue, RetrySet, Stats, WorkSet } from "../../src/api";
import { fromIoredis } from "../../src/redis/tcp";
import { itWith } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { ruby, type SidekiqProcess, startSidekiq, waitFor } from "../helpers/ruby";

const t = await useTestRedis();
const redis = fromIoredis(t.redis);
const it = itWith("ruby");

const JOBS = `
class FailJob
  include Sidekiq::Worker
  sidekiq_options retry: 2, backtrace: true
  sidekiq_retry_in { 3600 }
  def perform(x) = raise(ArgumentError, "boom #{x}")
end
class DieJob
  include Sidekiq::Worker
  sidekiq_options retry: 0
  def perform = raise("dead on arrival")
end
class SleepJob
  include Sidekiq::Worker
  def perform(s) = sleep(s)
end`;

const push = (code: string) => ruby(code, t.url);
let sidekiq: SidekiqProcess | undefined;
afterAll(async () => {
  await sidekiq?.stop();
});

// The tests share one Sidekiq run and build on each other, in order.
describe.sequential("Ruby Sidekiq 6.4 data through edgekiq/api", () => {
  it("reads the retries, dead jobs, process and running job a real sidekiq wrote", async () => {
    sidekiq = startSidekiq(JOBS, t.url, ["-c", "3", "-q", "default", "-t", "1", "-g", "rubyapp"]);
    await push(`
      [7, 8, 9].each { |x| Sidekiq::Client.push("class" => "FailJob", "args" => [x], "retry" => 2, "backtrace" => true) }
      Sidekiq::Client.push("class" => "DieJob", "args" => [], "retry" => 0)
      Sidekiq::Client.push("class" => "SleepJob", "args" => [30])
      Sidekiq::Client.push("class" => "ParkedJob", "args" => [1, {"a" => 1.0}], "queue" => "parked")
      Sidekiq::Client.push("class" => "ParkedJob", "args" => [2], "queue" => "parked")`);
    const retries = new RetrySet({ redis });
    const dead = new DeadSet({ redis });
    await waitFor(
      async () => (await retries.size()) === 3 && (await dead.size()) === 1,
      30_000,
      "retries and dead",
    );

    const page = await retries.page(1, 10);
    const e = page.items.find((x) => x.args[0] === 7)!;
    expect(e.klass).toBe("FailJob");
    expect(e.errorClass).toBe("ArgumentError");
    expect(e.errorMessage).toBe("boom 7");
    expect(e.retryCount).toBe(0);
    expect(e.failedAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(e.score).toBeGreaterThan(Date.now() / 1000 + 3000); // sidekiq_retry_in 3600
    const bt = await e.errorBacktrace();
    expect(bt?.some((line) => /jobs\.rb:\d+:in/.test(line))).toBe(true);
    const [d] = (await dead.page(1, 10, { reverse: true })).items;
    expect(d!.klass).toBe("DieJob");
    expect(d!.errorMessage).toBe("dead on arrival");

    // The process and its running SleepJob, from the 6.4 heartbeat (`<id>:workers`, every 5 s).
    const procs = (await waitFor(
      async () => {
        const list = await new ProcessSet({ redis }).list();
        return list.length === 1 && list[0]!.data.busy === 1 ? list : undefined;
      },
      20_000,
      "a busy process",
    ))!;
    expect(procs[0]!.data).toMatchObject({
      tag: "rubyapp",
      concurrency: 3,
      queues: ["default"],
      quiet: false,
    });
    expect(procs[0]!.data.pid).toBe(sidekiq.child.pid);
    // On a loaded machine a heartbeat can catch a failing FailJob too: wait for the SleepJob alone.
    const work = (await waitFor(
      async () => {
        const list = await new WorkSet({ redis }).list();
        return list.length === 1 && list[0]!.job.klass === "SleepJob" ? list[0] : undefined;
      },
      20_000,
      "running job",
    ))!;
    expect(work.job.klass).toBe("SleepJob");
    expect(work.queue).toBe("default");
    expect(work.process).toBe(procs[0]!.identity);

    const stats = await new Stats({ redis }).fetch();
    expect(stats).toMatchObject({
      retries: 3,
      dead: 1,
      processes: 1,
      busy: 1,
      queues: { parked: 2 },
    });
    expect(stats.failed).toBeGreaterThanOrEqual(4);
  });

  it("quiet and stop from our API reach the Ruby process", async () => {
    const [proc] = await new ProcessSet({ redis }).list();
    await proc!.quiet();
    await waitFor(
      async () => (await new ProcessSet({ redis }).get(proc!.identity))?.stopping,
      20_000,
      "quiet",
    );
    // Ruby's own API agrees.
    expect((await push("puts Sidekiq::ProcessSet.new.first.stopping?")).trim()).toBe("true");
    await proc!.stop();
    const code = (await waitFor(
      () => (sidekiq!.child.exitCode !== null ? { code: sidekiq!.child.exitCode } : undefined),
      25_000,
      "sidekiq to exit",
    ))!;
    expect(code.code).toBe(0);
    // Its unfinished SleepJob went back to its queue, as Sidekiq's hard shutdown does.
    expect(await new Queue("default", { redis }).size()).toBe(1);
  });

  it("retry now, kill and delete are what Ruby's Sidekiq::API sees, and Ruby can act on them after us", async () => {
    const retries = new RetrySet({ redis });
    const entries = (await retries.page(1, 10)).items;
    const byArg = (x: number) => entries.find((e) => e.args[0] === x)!;
    expect(await byArg(7).retry()).toBe(true);
    expect(await byArg(8).kill()).toBe(true);
    const [dieEntry] = (await new DeadSet({ redis }).page()).items;
    expect(await dieEntry!.delete()).toBe(true);

    const out = JSON.parse(
      await push(`
        q = Sidekiq::Queue.new("default")
        retried = q.find_job("${byArg(7).jid}")
        killed = Sidekiq::DeadSet.new.find_job("${byArg(8).jid}")
        puts JSON.generate({
          retry_size: Sidekiq::RetrySet.new.size,
          retried_count: retried && retried["retry_count"],
          retried_enqueued: retried && retried.enqueued_at.to_f,
          retried_error: retried && retried["error_message"],
          killed_class: killed && killed.klass,
          dead_has_die: !Sidekiq::DeadSet.new.find_job("${dieEntry!.jid}").nil?,
          dead_size: Sidekiq::DeadSet.new.size,
          # Ruby acts on the entry we moved: its exact bytes let Ruby find and remove it.
          ruby_retry: (killed.retry; Sidekiq::DeadSet.new.size),
        })`),
    );
    expect(out).toMatchObject({
      retry_size: 1,
      retried_count: -1,
      retried_error: "boom 7",
      killed_class: "FailJob",
      dead_has_die: false,
      dead_size: 1,
      ruby_retry: 0,
    });
    expect(Math.abs(out.retried_enqueued - Date.now() / 1000)).toBeLessThan(60);
    expect(await new Queue("default", { redis }).size()).toBe(3); // SleepJob + ours + Ruby's retry
  });

  it("Ruby-pushed queue jobs: our delete and clear are what Ruby sees", async () => {
    const parked = new Queue("parked", { redis });
    const jobs = (await parked.page()).items;
    expect(jobs.map((j) => j.args[0])).toEqual([2, 1]);
    expect(jobs[1]!.rawArgs).toBe('[1,{"a":1.0}]'); // Ruby's float survives as written
    expect(await jobs[1]!.delete()).toBe(true);
    expect(
      (await push('puts Sidekiq::Queue.new("parked").map { |j| j.args[0] }.inspect')).trim(),
    ).toBe("[2]");
    await parked.clear();
    const out = JSON.parse(
      await push(
        'puts JSON.generate({size: Sidekiq::Queue.new("parked").size, names: Sidekiq::Queue.all.map(&:name)})',
      ),
    );
    expect(out.size).toBe(0);
    expect(out.names).not.toContain("parked");
  });

  it("retryAll on Ruby's retry set empties it into queues Ruby reads", async () => {
    expect(await new RetrySet({ redis }).retryAll()).toBe(1);
    const out = JSON.parse(
      await push(
        'puts JSON.generate({retries: Sidekiq::RetrySet.new.size, classes: Sidekiq::Queue.new("default").map(&:klass).sort})',
      ),
    );
    expect(out).toEqual({ retries: 0, classes: ["FailJob", "FailJob", "FailJob", "SleepJob"] });
  });
});
