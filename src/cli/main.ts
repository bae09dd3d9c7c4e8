/**
 * The `edgekiq` CLI: dispatches to a subcommand and turns every error edgekiq throws on purpose
 * (an `EdgekiqError`) into one line on stderr, `edgekiq <command>: <message>`, without a stack:
 * exit code 2 for configuration errors (a bad flag, a missing file, a bad queue weight), 1 for
 * the others. Anything else is a bug and reaches the runtime entry, which prints its stack.
 */
import { version } from "../../package.json";
import { EdgekiqError } from "../core/errors";
import { ACL_HELP, aclCommand } from "./acl-command";
import { BRIDGE_HELP, bridgeCommand } from "./bridge-command";
import { METRICS_HELP, metricsCommand } from "./metrics-command";
import { PERIODIC_HELP, periodicCommand } from "./periodic-command";
import type { CliRuntime } from "./runtime";
import { withFileSecrets } from "./secrets";
import { STATS_HELP, statsCommand } from "./stats-command";
import { WEB_HELP, webCommand } from "./web-command";
import { WORKER_HELP, workerCommand } from "./worker-command";

export type Command = (argv: readonly string[], rt: CliRuntime) => Promise<number>;

/** The subcommands. */
export const COMMANDS: Record<string, { run: Command; summary: string; help: string }> = {
  worker: { run: workerCommand, summary: "run jobs", help: WORKER_HELP },
  stats: { run: statsCommand, summary: "print queue sizes and counters", help: STATS_HELP },
  web: { run: webCommand, summary: "serve the dashboard", help: WEB_HELP },
  bridge: {
    run: bridgeCommand,
    summary: "serve the Upstash-compatible REST bridge",
    help: BRIDGE_HELP,
  },
  acl: { run: aclCommand, summary: "print Redis ACL users for each role", help: ACL_HELP },
  metrics: {
    run: metricsCommand,
    summary: "serve the fleet's Prometheus metrics",
    help: METRICS_HELP,
  },
  periodic: { run: periodicCommand, summary: "list periodic jobs", help: PERIODIC_HELP },
};

/** From package.json at build time (the bundler inlines this one field, not the whole file). */
export const VERSION: string = version;

export function mainHelp(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `Usage: edgekiq <command> [options]\n\nCommands:\n${rows.join("\n")}\n\nRun \`edgekiq <command> --help\` for a command's options.\nREDIS_URL sets the default Redis.\nEvery secret variable (REDIS_URL, EDGEKIQ_WEB_PASSWORD, EDGEKIQ_BRIDGE_*_TOKEN(S),\nEDGEKIQ_ENCRYPTION_KEYS) may instead name a file in <NAME>_FILE.\n`;
}

export async function main(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    rt.stdout(mainHelp());
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v") {
    rt.stdout(`edgekiq ${VERSION} (${rt.name})`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    rt.stderr(`edgekiq: unknown command "${name}"; run \`edgekiq --help\``);
    return 2;
  }
  try {
    return await command.run(rest, await withFileSecrets(rt));
  } catch (err) {
    if (err instanceof EdgekiqError) {
      rt.stderr(`edgekiq ${name}: ${err.message}`);
      return err.code === "CONFIG" ? 2 : 1;
    }
    throw err;
  }
}
