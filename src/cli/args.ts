/**
 * The CLI's flags: declared once per command (name, short letter, help text, and how the value is
 * read), parsed by the runtime's `node:util` `parseArgs` (Node, Bun and Deno all provide it; it
 * is injected, so src/ imports no Node module), then checked here so that every mistake is one
 * line a person can act on:
 *
 *   unknown option --concurency; see `edgekiq worker --help`
 *   option --concurrency needs a value (N)
 *   -c (concurrency): expected a whole number of at least 1, got "0"
 *
 * `parseArgs` runs in its lenient mode with tokens: its strict mode refuses `-t -5` as an
 * "ambiguous" option instead of letting the value's own check say what a timeout must be, and
 * words its errors for Node rather than for this CLI.
 */
import * as v from "valibot";
import { checkConfig, expected } from "../core/config-check";
import { ConfigError } from "../core/errors";
import type { ParseArgs } from "./runtime";

export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  /** Repeatable: every value is kept, in order. */
  multiple?: boolean;
  description: string;
  /** The value's name in `--help` and in "needs a value (N)". */
  placeholder?: string;
  /** Reads and checks the value's text (default: the text as given). */
  schema?: v.GenericSchema<string, unknown>;
}

export type Flags = Readonly<Record<string, FlagSpec>>;

/** What a command gets back: each flag given, as its schema reads it. */
export type FlagValues<F extends Flags> = {
  [K in keyof F]?: F[K] extends { schema: v.GenericSchema<string, infer T> }
    ? T
    : F[K]["type"] extends "boolean"
      ? true
      : F[K] extends { multiple: true }
        ? string[]
        : string;
};

export interface ParsedFlags<F extends Flags> {
  values: FlagValues<F>;
  positionals: string[];
}

export function parseFlags<F extends Flags>(
  parse: ParseArgs,
  argv: readonly string[],
  flags: F,
  command: string,
): ParsedFlags<F> {
  const options: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = {};
  for (const [name, f] of Object.entries(flags)) {
    // Only the keys parseArgs knows: it refuses `short: undefined`.
    options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}) };
    if (f.multiple) options[name].multiple = true;
  }
  const { values, positionals, tokens } = parse({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const spec = Object.hasOwn(flags, token.name) ? flags[token.name] : undefined;
    if (!spec)
      throw new ConfigError(`unknown option ${token.rawName}; see \`edgekiq ${command} --help\``);
    if (spec.type === "boolean") {
      if (token.value !== undefined) throw new ConfigError(`option --${token.name} takes no value`);
    } else if (token.value === undefined || (!token.inlineValue && isFlagLike(token.value))) {
      throw new ConfigError(
        `option --${token.name} needs a value (${spec.placeholder ?? "value"})`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const spec = flags[name]!;
    out[name] = spec.schema ? checkConfig(spec.schema, value, flagLabel(name, spec)) : value;
  }
  // The tokens were checked against the specs above: strings carry text, booleans are true,
  // repeatable flags are arrays, and schemas produced the rest.
  return { values: out as FlagValues<F>, positionals };
}

/**
 * A value that is itself a flag (`-c -q default`, `-r --help`) means the value was left out; a
 * negative number (`-t -5`) is a value, to be refused by its own check with a useful message.
 */
function isFlagLike(value: string): boolean {
  return value.length > 1 && value.startsWith("-") && !/^-\d/.test(value);
}

/** `-c (concurrency)` or `--max-body-bytes`: how a message names a flag. */
function flagLabel(name: string, spec: FlagSpec): string {
  return spec.short ? `-${spec.short} (${name})` : `--${name}`;
}

/** Renders `--help` for a command. */
export function helpText(usage: string, summary: string, flags: Flags): string {
  const rows = Object.entries(flags).map(([name, s]) => {
    const names = `${s.short ? `-${s.short}, ` : "    "}--${name}${s.type === "boolean" ? "" : ` ${s.placeholder ?? "VALUE"}`}`;
    return `  ${names.padEnd(32)} ${s.description}`;
  });
  return `Usage: ${usage}\n\n${summary}\n\nOptions:\n${rows.join("\n")}\n`;
}

/** A whole number written in decimal digits, within `[min, max]`: `-c 10`, `--port 0`. */
export function wholeNumber(what: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return v.pipe(
    v.string(),
    v.check((s) => /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max, expected(what)),
    v.transform(Number),
  );
}
