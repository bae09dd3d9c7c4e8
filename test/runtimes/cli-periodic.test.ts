// `edgekiq periodic list`: the built CLI prints the entries the fleet declares, as a table and as
// JSON, and refuses an unknown subcommand with a usage error.
import { describe, expect, it } from "vitest";
import { cronTick, periodic } from "../../src/index";
import { runCli } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();

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
