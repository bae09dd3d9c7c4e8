/**
 * `edgekiq bridge [--tokens FILE] [--host H] [--port P] [--redis URL]`: serves the
 * Upstash-compatible REST bridge. Tokens come from the file and/or EDGEKIQ_BRIDGE_* variables
 * (docs/bridge.md); with none, it refuses to start rather than serve an open Redis. The limits
 * of docs/bridge.md have a flag each; Redis outages are logged once, and the recovery once.
 */
import { bridge } from "../bridge/bridge";
import { loadTokens } from "../bridge/tokens";
import { ConfigError } from "../core/errors";
import { createLogger } from "../worker/logger";
import { type FlagSpec, helpText, wholeNumber } from "./args";
import { AUDIT_LOG_FLAG, auditLog } from "./audit-log";
import { COMMAND_TIMEOUT_FLAG, commandTimeoutMs } from "./command-timeout";
import {
  ALLOWED_HOST_FLAG,
  allowedHosts,
  HELP_FLAG,
  HOST_FLAG,
  listenAddress,
  openCommandRedis,
  parseCommand,
  portFlag,
  REDIS_FLAG,
} from "./common";
import type { CliRuntime } from "./runtime";
import { serveUntilStopped } from "./serve-until-stopped";

const DEFAULT_PORT = 8079;

const FLAGS = {
  tokens: {
    type: "string",
    placeholder: "FILE",
    // README.md ships in the package; docs/ does not.
    description: 'JSON token file (format: README.md, "The bridge")',
  },
  host: HOST_FLAG,
  port: portFlag(DEFAULT_PORT),
  redis: REDIS_FLAG,
  "max-body-bytes": {
    type: "string",
    placeholder: "N",
    description: "largest request body (default 10 MiB)",
    schema: wholeNumber("a whole number of at least 1", 1),
  },
  "max-commands": {
    type: "string",
    placeholder: "N",
    description: "most commands in one pipeline or transaction (default 10000)",
    schema: wholeNumber("a whole number of at least 1", 1),
  },
  "max-arguments": {
    type: "string",
    placeholder: "N",
    description: "most arguments in one request (default 100000)",
    schema: wholeNumber("a whole number of at least 1", 1),
  },
  "max-new-queues": {
    type: "string",
    placeholder: "N",
    description: "new queue names each enqueue token may add (default 1000)",
    schema: wholeNumber("a whole number, 0 or more", 0),
  },
  "pool-size": {
    type: "string",
    placeholder: "N",
    description: "Redis connections per token (default 2)",
    schema: wholeNumber("a whole number of at least 1", 1),
  },
  "allowed-host": ALLOWED_HOST_FLAG,
  "command-timeout": COMMAND_TIMEOUT_FLAG,
  "audit-log": AUDIT_LOG_FLAG,
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

export const BRIDGE_HELP = helpText(
  `edgekiq bridge [--tokens FILE] [--host 127.0.0.1] [--port ${DEFAULT_PORT}] [--redis URL]`,
  "Serves an Upstash-compatible REST API for @upstash/redis, with scoped tokens.\nTokens: --tokens FILE and/or EDGEKIQ_BRIDGE_{ENQUEUE,READ,ADMIN}_TOKEN, EDGEKIQ_BRIDGE_TOKENS.\nHost names to answer to: --allowed-host or EDGEKIQ_BRIDGE_ALLOWED_HOSTS (default: any).",
  FLAGS,
);

export async function bridgeCommand(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const args = parseCommand(rt, argv, FLAGS, "bridge", BRIDGE_HELP);
  if (!args) return 0;
  let file: string | undefined;
  if (args.tokens !== undefined) {
    try {
      file = await rt.readTextFile(args.tokens);
    } catch (err) {
      throw new ConfigError(`cannot read token file ${args.tokens}: ${(err as Error).message}`);
    }
  }
  const tokens = loadTokens({ file, env: rt.env });
  if (tokens.length === 0) {
    throw new ConfigError(
      "no tokens: pass --tokens FILE or set EDGEKIQ_BRIDGE_ENQUEUE_TOKEN (see `edgekiq bridge --help`)",
    );
  }
  const { host, port } = listenAddress(args, DEFAULT_PORT);
  const logger = createLogger({ level: "info", format: "human", write: (line) => rt.stdout(line) });
  const onAudit = await auditLog(rt, args["audit-log"]);
  const connection = openCommandRedis(rt, { flag: args.redis }, logger);
  const app = bridge({
    redis: connection.redis,
    tokens,
    maxBodyBytes: args["max-body-bytes"],
    maxCommands: args["max-commands"],
    maxArguments: args["max-arguments"],
    maxNewQueues: args["max-new-queues"],
    poolSize: args["pool-size"],
    commandTimeoutMs: commandTimeoutMs(args, rt.env),
    allowedHosts: allowedHosts(args, rt.env.EDGEKIQ_BRIDGE_ALLOWED_HOSTS),
    onAudit,
  });
  const served = await rt.serve((request, info) => app.fetch(request, info), {
    hostname: host,
    port,
  });
  logger.info(`bridge on ${served.url}`, {
    redis: connection.where,
    tokens: tokens.map((t) => t.name).join(","),
  });
  return serveUntilStopped(rt, served, connection, logger, () => app.close());
}
