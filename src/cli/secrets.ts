/**
 * Secrets for the CLI's commands (web passwords, encryption keys): from an environment variable
 * `NAME`, or from the file `NAME_FILE` names (a mounted secret), never only from a flag, where
 * any user of the machine could read it in the process list. Messages name the variable or the
 * file, never the value.
 */
import { ConfigError } from "../core/errors";
import type { CliRuntime } from "./runtime";

/** The secret in `NAME` or in the file `NAME_FILE` names (trailing newline trimmed); both: error. */
export async function readSecret(rt: CliRuntime, name: string): Promise<string | undefined> {
  const direct = rt.env[name];
  const path = rt.env[`${name}_FILE`];
  if (direct && path) {
    throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
  }
  if (direct) return direct;
  if (!path) return undefined;
  let text: string;
  try {
    text = await rt.readTextFile(path);
  } catch (err) {
    throw new ConfigError(
      `${name}_FILE: cannot read ${path} (${(err as { code?: string }).code ?? "unreadable"})`,
    );
  }
  const value = text.replace(/\r?\n$/, "");
  if (value === "") throw new ConfigError(`${name}_FILE: ${path} is empty`);
  return value;
}

/** Every variable that holds a secret; each may instead be given as `<NAME>_FILE`. */
export const SECRET_VARIABLES = [
  "REDIS_URL",
  "EDGEKIQ_WEB_PASSWORD",
  "EDGEKIQ_BRIDGE_TOKENS",
  "EDGEKIQ_BRIDGE_ENQUEUE_TOKEN",
  "EDGEKIQ_BRIDGE_READ_TOKEN",
  "EDGEKIQ_BRIDGE_ADMIN_TOKEN",
  "EDGEKIQ_ENCRYPTION_KEYS",
] as const;

/** The runtime with each `<NAME>_FILE` of `SECRET_VARIABLES` read into `<NAME>`. */
export async function withFileSecrets(rt: CliRuntime): Promise<CliRuntime> {
  if (!SECRET_VARIABLES.some((name) => rt.env[`${name}_FILE`])) return rt;
  const env: Record<string, string | undefined> = { ...rt.env };
  for (const name of SECRET_VARIABLES) env[name] = await readSecret(rt, name);
  // The runtime's methods stay as they are; only `env` is seen through the new object.
  return Object.assign(Object.create(rt) as CliRuntime, { env });
}
