/**
 * `--command-timeout MS` (or EDGEKIQ_COMMAND_TIMEOUT, in milliseconds) for the commands that
 * answer requests (`edgekiq bridge`, `edgekiq web`): how long Redis gets before the request is
 * answered with an error (a 502, an error page), so an outage or a Redis that accepts connections
 * and never replies cannot hang a client (#13 item 4). `edgekiq stats` takes it too, as the
 * bound on its one-shot read (#14 item 3). The flag wins over the variable.
 */
import { DEFAULT_COMMAND_TIMEOUT_MS } from "../bridge/bridge";
import { checkConfig } from "../core/config-check";
import { type FlagSpec, wholeNumber } from "./args";

const MILLISECONDS = wholeNumber("a whole number of milliseconds, at least 1", 1);

export const COMMAND_TIMEOUT_FLAG = {
  type: "string",
  placeholder: "MS",
  description: `milliseconds Redis gets per request (default ${DEFAULT_COMMAND_TIMEOUT_MS}; env EDGEKIQ_COMMAND_TIMEOUT)`,
  schema: MILLISECONDS,
} as const satisfies FlagSpec;

export function commandTimeoutMs(
  args: { "command-timeout"?: number },
  env: Readonly<Record<string, string | undefined>>,
): number {
  if (args["command-timeout"] !== undefined) return args["command-timeout"];
  const variable = env.EDGEKIQ_COMMAND_TIMEOUT;
  if (variable) return checkConfig(MILLISECONDS, variable, "EDGEKIQ_COMMAND_TIMEOUT");
  return DEFAULT_COMMAND_TIMEOUT_MS;
}
