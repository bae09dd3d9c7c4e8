/**
 * `edgekiq stats [--redis URL] [--json]`: the numbers Sidekiq's dashboard shows, read through
 * edgekiq/api (the CLI reads Redis only through the API, as Sidekiq's own tools do).
 * `--command-timeout` bounds the wait: a Redis that accepts the connection and never answers
 * ends the command in one line, exit 2, instead of hanging it (#14 item 3).
 */
import { Stats } from "../api/stats";
import { ConfigError } from "../core/errors";
import { type FlagSpec, helpText } from "./args";
import { COMMAND_TIMEOUT_FLAG, commandTimeoutMs } from "./command-timeout";
import { HELP_FLAG, NAMESPACE_FLAG, openCommandRedis, parseCommand, REDIS_FLAG } from "./common";
import type { CliRuntime } from "./runtime";

const FLAGS = {
  redis: REDIS_FLAG,
  namespace: NAMESPACE_FLAG,
  json: { type: "boolean", description: "print JSON" },
  "command-timeout": COMMAND_TIMEOUT_FLAG,
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

export const STATS_HELP = helpText(
  "edgekiq stats [--redis URL] [--json] [--command-timeout MS]",
  "Prints queue sizes and job counters.",
  FLAGS,
);

export async function statsCommand(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const args = parseCommand(rt, argv, FLAGS, "stats", STATS_HELP);
  if (!args) return 0;
  // Fail fast: stats is a one-shot command, not a worker waiting for Redis to come back.
  const timeoutMs = commandTimeoutMs(args, rt.env);
  const { redis, where, watch } = openCommandRedis(rt, { flag: args.redis }, undefined, {
    failFast: true,
    commandTimeoutMs: timeoutMs,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // Reading before Redis has accepted our settings could read database 0 instead. A server
    // that accepts and never answers raises no error at all, hence the timer.
    await Promise.race([
      watch.ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ConfigError(
                `Redis at ${where} did not answer within ${timeoutMs} ms ` +
                  "(--command-timeout or EDGEKIQ_COMMAND_TIMEOUT to wait longer)",
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
    const snapshot = await new Stats({ redis, namespace: args.namespace }).fetch();
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
    if (err instanceof ConfigError) throw err;
    throw (
      watch.settingsError(err) ??
      new ConfigError(`cannot read stats from Redis at ${where}: ${(err as Error).message}`)
    );
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
