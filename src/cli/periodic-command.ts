/**
 * `edgekiq periodic list [--redis URL] [--json]`: the periodic entries the fleet declares, with
 * their schedule, last and next run and whether they are paused, read through edgekiq/api's
 * PeriodicSet (the CLI reads Redis only through the API).
 */
import { type PeriodicInfo, PeriodicSet } from "../api/periodic-set";
import { ConfigError } from "../core/errors";
import { type FlagSpec, helpText } from "./args";
import { HELP_FLAG, NAMESPACE_FLAG, openCommandRedis, parseCommand, REDIS_FLAG } from "./common";
import type { CliRuntime } from "./runtime";

const FLAGS = {
  redis: REDIS_FLAG,
  namespace: NAMESPACE_FLAG,
  json: { type: "boolean", description: "print JSON" },
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

export const PERIODIC_HELP = helpText(
  "edgekiq periodic list [--redis URL] [--json]",
  "Lists the periodic entries running processes and edge ticks declare: schedule, class, queue,\nlast and next run (UTC), paused.",
  FLAGS,
);

export async function periodicCommand(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "list") {
    if (sub === undefined || sub === "--help" || sub === "-h") {
      rt.stdout(PERIODIC_HELP);
      return sub === undefined ? 2 : 0;
    }
    throw new ConfigError(`unknown subcommand "${sub}"; see \`edgekiq periodic --help\``);
  }
  const args = parseCommand(rt, rest, FLAGS, "periodic", PERIODIC_HELP);
  if (!args) return 0;
  const { redis, where, watch } = openCommandRedis(rt, { flag: args.redis }, undefined, {
    failFast: true,
  });
  try {
    // Reading before Redis has accepted our settings could read database 0 instead.
    await watch.ready;
    const entries = await new PeriodicSet({ redis, namespace: args.namespace }).list();
    rt.stdout(args.json ? JSON.stringify(entries) : table(entries));
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw (
      watch.settingsError(err) ??
      new ConfigError(
        `cannot read periodic entries from Redis at ${where}: ${(err as Error).message}`,
      )
    );
  } finally {
    redis.disconnect();
  }
}

function table(entries: PeriodicInfo[]): string {
  if (entries.length === 0) return "No periodic entries are declared.";
  const time = (ms: number | undefined) =>
    ms === undefined ? "-" : new Date(ms).toISOString().replace("T", " ").slice(0, 19);
  const rows = [
    ["NAME", "CRON", "TZ", "CLASS", "QUEUE", "LAST RUN (UTC)", "NEXT RUN (UTC)", "STATE"],
    ...entries.map((e) => [
      e.name,
      e.cron,
      e.tz ?? "UTC",
      e.class,
      e.queue,
      time(e.lastTick),
      time(e.nextTick),
      e.paused ? "paused" : "active",
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
