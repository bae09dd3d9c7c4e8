/**
 * `edgekiq stats [--redis URL] [--json]`: the numbers Sidekiq's dashboard shows, read through
 * edgekiq/api (the CLI reads Redis only through the API, as Sidekiq's own tools do).
 */
import { Stats } from "../api/stats";
import { ConfigError } from "../core/errors";
import { type FlagSpec, helpText, parseArgs } from "./args";
import { DEFAULT_REDIS_URL, parseRedisUrl } from "./redis-options";
import type { CliRuntime } from "./runtime";

const FLAGS: FlagSpec[] = [
  {
    name: "redis",
    kind: "string",
    placeholder: "URL",
    description: "redis:// or rediss:// URL (default $REDIS_URL)",
  },
  {
    name: "namespace",
    kind: "string",
    placeholder: "NS",
    description: "Sidekiq 6 redis-namespace prefix",
  },
  { name: "json", kind: "boolean", description: "print JSON" },
  { name: "help", short: "h", kind: "boolean", description: "show this help" },
];

export const STATS_HELP = helpText(
  "edgekiq stats [--redis URL] [--json]",
  "Prints queue sizes and job counters.",
  FLAGS,
);

export async function statsCommand(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const args = parseArgs(argv, FLAGS, "stats");
  if (args.help) {
    rt.stdout(STATS_HELP);
    return 0;
  }
  if (args._.length > 0)
    throw new ConfigError(`unexpected argument "${args._[0]}"; see \`edgekiq stats --help\``);
  const options = parseRedisUrl(
    (args.redis as string | undefined) ?? (rt.env.REDIS_URL || DEFAULT_REDIS_URL),
  );
  // Fail fast here: stats is a one-shot command, not a long-running worker.
  const redis = rt.openRedis({ ...options });
  (
    redis as unknown as { options: { maxRetriesPerRequest: number | null } }
  ).options.maxRetriesPerRequest = 1;
  redis.on("error", () => undefined);
  try {
    const snapshot = await new Stats({
      redis,
      namespace: args.namespace as string | undefined,
    }).fetch();
    if (args.json) {
      rt.stdout(JSON.stringify(snapshot));
      return 0;
    }
    const rows: [string, number | string][] = [
      ["Processed", snapshot.processed],
      ["Failed", snapshot.failed],
      ["Busy", snapshot.busy],
      ["Enqueued", snapshot.enqueued],
      ["Scheduled", snapshot.scheduled],
      ["Retries", snapshot.retries],
      ["Dead", snapshot.dead],
      ["Processes", snapshot.processes],
      ["Default latency", `${snapshot.default_queue_latency.toFixed(2)}s`],
    ];
    const lines = rows.map(([k, v]) => `${k.padEnd(16)} ${v}`);
    lines.push("", "Queues:");
    for (const [q, n] of Object.entries(snapshot.queues)) lines.push(`  ${q.padEnd(14)} ${n}`);
    rt.stdout(lines.join("\n"));
    return 0;
  } catch (err) {
    throw new ConfigError(`cannot read stats from Redis: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}
