// The command lines a reader copies out of the docs, and what test/docs/code-blocks.test.ts checks
// in them:
//
// 1. splitting shell text into simple commands (continuations, quotes, comments, heredoc bodies,
//    `&&`/`||`/`;`/`|` between commands);
// 2. finding an `edgekiq …` invocation however it is started (`npx`, `bunx --bun`, `node`, `bun`,
//    `deno run -A`, `node_modules/.bin/edgekiq`, `…/dist/cli.js`, `npm:edgekiq`) and checking its
//    subcommand and flags against the CLI's own `--help` text;
// 3. the npm script a line runs (`npm run demo`, `npm test`), and the directory it runs in
//    (`cd`, and subshells that undo it: `(cd ../.. && npm run build)`).

import { join } from "node:path";

/** A flag as a command's `--help` lists it. */
export interface HelpFlag {
  long: string;
  short?: string;
  takesValue: boolean;
}

/**
 * Splits shell text into simple commands, each a list of words with the quoting removed. A
 * subshell's parentheses come out as commands of their own, `["("]` and `[")"]`.
 */
export function shellCommands(text: string): string[][] {
  const commands: string[][] = [];
  const lines = text.replace(/\\\n/g, " ").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    for (const command of splitLine(line)) if (command.length > 0) commands.push(command);
    // A heredoc's body is data, not commands: skip to its delimiter.
    const heredoc = /<<-?\s*['"]?(\w+)['"]?/.exec(line);
    if (heredoc) while (i + 1 < lines.length && lines[i + 1]!.trim() !== heredoc[1]) i++;
    if (heredoc) i++;
  }
  return commands;
}

function splitLine(line: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) commands[commands.length - 1]!.push(word);
    word = undefined;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      const end = close < 0 ? line.length : close;
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === "$" && line[i + 1] === "(") {
      // `$(…)` stays one opaque word, whatever it holds.
      let depth = 0;
      let j = i + 1;
      for (; j < line.length; j++) {
        if (line[j] === "(") depth++;
        if (line[j] === ")" && --depth === 0) break;
      }
      word = (word ?? "") + line.slice(i, j + 1);
      i = j;
    } else if (c === "#" && word === undefined) {
      break; // a comment
    } else if (/\s/.test(c)) {
      endWord();
    } else if (c === ";" || c === "|" || c === "&") {
      endWord();
      if (line[i + 1] === c) i++;
      commands.push([]);
    } else if ((c === "(" && word === undefined) || c === ")") {
      endWord();
      commands.push([c], []);
    } else {
      word = (word ?? "") + c;
    }
  }
  endWord();
  return commands;
}

/**
 * Each command with the directory it runs in, relative to `start`'s base: `cd` moves it for the
 * commands after it, and a subshell's `cd` ends with the subshell.
 */
export function withDirectories(
  commands: readonly string[][],
  start: string,
): { words: string[]; dir: string }[] {
  const stack = [start];
  const out: { words: string[]; dir: string }[] = [];
  for (const words of commands) {
    if (words[0] === "(") stack.push(stack.at(-1)!);
    else if (words[0] === ")") stack.length > 1 && stack.pop();
    else if (words[0] === "cd" && words[1]) stack[stack.length - 1] = join(stack.at(-1)!, words[1]);
    else out.push({ words, dir: stack.at(-1)! });
  }
  return out;
}

/** Programs that run another program named after their own options (`npx --yes edgekiq`). */
const RUNNERS = new Set(["npx", "bunx", "node", "bun", "deno", "env", "exec"]);

/** Whether a word starts edgekiq's CLI: the bin, its path in node_modules, or dist/cli.js. */
function isEdgekiq(word: string): boolean {
  return (
    word === "edgekiq" ||
    word === "npm:edgekiq" ||
    word.endsWith("/.bin/edgekiq") ||
    /(^|\/)dist\/cli\.js$/.test(word)
  );
}

/** The arguments after `edgekiq` if this command runs edgekiq's CLI, else undefined. */
export function edgekiqArguments(words: readonly string[]): string[] | undefined {
  let i = 0;
  while (/^[A-Za-z_]\w*=/.test(words[i] ?? "")) i++; // VAR=value before the program
  for (;;) {
    const word = words[i];
    if (word === undefined) return undefined;
    if (isEdgekiq(word)) return words.slice(i + 1);
    const program = word.slice(word.lastIndexOf("/") + 1);
    if (!RUNNERS.has(program)) return undefined;
    i++;
    if (program === "deno" && words[i] === "run") i++;
    while (/^-/.test(words[i] ?? "") || /^[A-Za-z_]\w*=/.test(words[i] ?? "")) i++;
  }
}

/** The npm script a command runs (`npm run demo`, `npm test`), else undefined. */
export function npmScript(words: readonly string[]): string | undefined {
  if (words[0] !== "npm") return undefined;
  const [verb, name] = [words[1], words[2]];
  if (verb === "run" || verb === "run-script") return name;
  if (verb === "test" || verb === "t") return "test";
  if (verb === "start" || verb === "stop" || verb === "restart") return verb;
  return undefined;
}

/** The flags listed under "Options:" in a command's `--help`. */
export function helpFlags(help: string): HelpFlag[] {
  const flags: HelpFlag[] = [];
  for (const line of help.split("\n")) {
    const row = /^\s+(?:-(\w), )?--([\w-]+)( \S+)?\s{2,}\S/.exec(line);
    if (row) {
      flags.push({
        long: row[2]!,
        ...(row[1] ? { short: row[1] } : {}),
        takesValue: row[3] !== undefined,
      });
    }
  }
  return flags;
}

/**
 * What is wrong with `edgekiq <args>` given each subcommand's `--help` text, as the CLI would
 * refuse it (the first problem only, as the CLI stops there): an unknown subcommand, an unknown
 * flag, a flag missing its value, a value given to a switch, or a stray argument. Undefined when
 * the line would be accepted.
 */
export function checkEdgekiqArguments(
  args: readonly string[],
  helpByCommand: Readonly<Record<string, string>>,
): string | undefined {
  const [command, ...rest] = args;
  if (command === undefined || ["--help", "-h", "help", "--version", "-v"].includes(command)) {
    return undefined;
  }
  if (command.startsWith("<")) return undefined; // a template (`edgekiq <command>: <message>`)
  const help = helpByCommand[command];
  if (help === undefined) return `unknown command "${command}"`;
  const flags = helpFlags(help);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    // A subcommand the help's usage line names (`edgekiq periodic list …`).
    if (i === 0 && /^[a-z]+$/.test(arg) && help.includes(`edgekiq ${command} ${arg}`)) continue;
    if (arg === "…" || arg === "...") continue; // the prose's "and so on"
    if (!arg.startsWith("-") || arg === "-") return `stray argument "${arg}"`;
    const long = arg.startsWith("--");
    const [name, inline] = long ? arg.slice(2).split(/=(.*)/s) : [arg.slice(1), undefined];
    const flag = flags.find((f) => (long ? f.long === name : f.short === name));
    if (!flag) return `unknown option ${arg} for \`edgekiq ${command}\``;
    if (!flag.takesValue) {
      if (inline !== undefined) return `--${flag.long} takes no value`;
      continue;
    }
    if (inline !== undefined) continue;
    const value = rest[++i];
    if (value === undefined || (value.startsWith("-") && value.length > 1)) {
      return `--${flag.long} needs a value`;
    }
  }
  return undefined;
}
