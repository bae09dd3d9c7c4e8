// `edgekiq periodic list`: the built CLI prints the entries the fleet declares, as a table and as
// JSON, and refuses an unknown subcommand with a usage error. `edgekiq worker -r` ticks the jobs
// file's `periodic` export on Node, Bun and Deno.
import { afterEach, describe, expect, it } from "vitest";
import { cronTick, periodic } from "../../src/index";
import { type CliProcess, type RuntimeName, runCli, startCli } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const running: CliProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill("SIGKILL");
});

describe("edgekiq periodic", () => {
  it("lists the declared entries, as a table and as JSON", async () => {
    await t.flush();
    const now = Date.now();
    await cronTick({
      redis: t.redis,
      now,
      periodic: [
        periodic("nightly", "30 2 * * *", "NightlyReport", [], { tz: "Europe/Berlin" }),
        periodic("sweep", "*/5 * * * *", "Sweep"),
      ],
    });
    await t.redis.hset("edgekiq:periodic:sweep", "paused", "1");
    const text = await runCli("node", ["periodic", "list"], { REDIS_URL: t.url });
    expect(text.code).toBe(0);
    const lines = text.output.trim().split("\n");
    expect(lines[0]).toMatch(
      /^NAME\s+CRON\s+TZ\s+CLASS\s+QUEUE\s+LAST RUN \(UTC\)\s+NEXT RUN \(UTC\)\s+STATE$/,
    );
    expect(lines[1]).toMatch(
      /^nightly\s+30 2 \* \* \*\s+Europe\/Berlin\s+NightlyReport\s+default\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d{4}-.*\s+active$/,
    );
    expect(lines[2]).toMatch(/^sweep\s+\*\/5 \* \* \* \*\s+UTC\s+Sweep\s+default\s+.*paused$/);

    const json = await runCli("node", ["periodic", "list", "--json"], { REDIS_URL: t.url });
    expect(json.code).toBe(0);
    const entries = JSON.parse(json.output) as {
      name: string;
      nextTick: number;
      paused: boolean;
    }[];
    expect(entries.map((e) => [e.name, e.paused])).toEqual([
      ["nightly", false],
      ["sweep", true],
    ]);
    expect(entries[1]!.nextTick - now).toBeLessThanOrEqual(300_000);
  });

  it("refuses an unknown subcommand (exit 2)", async () => {
    const r = await runCli("node", ["periodic", "delete"], { REDIS_URL: t.url });
    expect(r.code).toBe(2);
    expect(r.output).toContain('edgekiq periodic: unknown subcommand "delete"');
  });
});

describe.each(["node", "bun", "deno"] as RuntimeName[])("edgekiq worker on %s", (runtime) => {
  it("ticks the jobs file's periodic table and runs its jobs", async () => {
    await t.flush();
    const cli = startCli(
      runtime,
      ["worker", "-r", "test/runtimes/fixtures/periodic-jobs.ts", "-q", "periodic-cli", "-t", "1"],
      { REDIS_URL: t.url },
    );
    running.push(cli);
    const deadline = Date.now() + 30_000;
    while ((await t.redis.llen("beats")) < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await t.redis.llen("beats"), cli.output()).toBeGreaterThanOrEqual(2);
    const beat = JSON.parse((await t.redis.lindex("beats", 0))!);
    expect(beat.args).toEqual(["tick"]);
    const runs = await t.redis.lrange("edgekiq:periodic-runs:cli-beat", 0, -1);
    expect(runs.map((r) => JSON.parse(r).jid)).toContain(beat.jid);
    expect(await t.redis.zscore("edgekiq:periodic", "cli-beat")).not.toBeNull();
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
  }, 60_000);
});
