/**
 * A small argv parser for the CLI: declared flags only, so an unknown flag is an error a person
 * can act on (`unknown option --concurency; see edgekiq worker --help`). Supports `--flag value`,
 * `--flag=value`, `-f value`, repeatable flags and booleans.
 */
import { ConfigError } from "../core/errors";

export interface FlagSpec {
  /** Long name without dashes, e.g. "concurrency". */
  name: string;
  short?: string;
  kind: "string" | "boolean" | "list";
  description: string;
  placeholder?: string;
}

export type ParsedArgs = Record<string, string | boolean | string[] | undefined> & { _: string[] };

export function parseArgs(
  argv: readonly string[],
  specs: readonly FlagSpec[],
  command: string,
): ParsedArgs {
  const out: ParsedArgs = { _: [] };
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      out._.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      out._.push(arg);
      continue;
    }
    const [flag, inline] = arg.startsWith("--")
      ? splitOnce(arg.slice(2))
      : [arg.slice(1), undefined];
    const spec = arg.startsWith("--") ? byName.get(flag) : byShort.get(flag);
    if (!spec) throw new ConfigError(`unknown option ${arg}; see \`edgekiq ${command} --help\``);
    if (spec.kind === "boolean") {
      if (inline !== undefined) throw new ConfigError(`option --${spec.name} takes no value`);
      out[spec.name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (
      value === undefined ||
      (inline === undefined && value.startsWith("-") && value.length > 1)
    ) {
      throw new ConfigError(`option --${spec.name} needs a value (${spec.placeholder ?? "value"})`);
    }
    if (spec.kind === "list")
      out[spec.name] = [...((out[spec.name] as string[] | undefined) ?? []), value];
    else out[spec.name] = value;
  }
  return out;
}

function splitOnce(text: string): [string, string | undefined] {
  const i = text.indexOf("=");
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

/** Renders `--help` for a command. */
export function helpText(usage: string, summary: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const names = `${s.short ? `-${s.short}, ` : "    "}--${s.name}${s.kind === "boolean" ? "" : ` ${s.placeholder ?? "VALUE"}`}`;
    return `  ${names.padEnd(32)} ${s.description}`;
  });
  return `Usage: ${usage}\n\n${summary}\n\nOptions:\n${rows.join("\n")}\n`;
}

export function parseInteger(value: string, what: string, min = 0): number {
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new ConfigError(
      `${what} must be a whole number${min > 0 ? ` of at least ${min}` : ""}, got "${value}"`,
    );
  }
  return Number(value);
}
