// Every code block of README.md, docs/*.md and examples/*/README.md works when copied:
//
// 1. ts/tsx blocks type-check against the package's types (`edgekiq`, `edgekiq/*` mapped to the
//    sources by the repository's tsconfig paths), written as files of a user's project: blocks that
//    name their file (`// jobs.ts`) import each other by that name. Relative imports carry their
//    extension, as Node's ESM loader and Deno require.
//    - ```ts fragment: a piece of a larger program; names it uses but does not define are assumed
//      (from the text around it), everything else is checked.
//    - <!-- not-checked: reason --> before a block: left alone, with the reason stated.
// 2. ```ts run blocks run to completion against a real Redis (the README's enqueue: it must exit
//    by itself), and the README's jobs.ts then runs those jobs under the CLI on Node, Bun and Deno
//    with the arguments the README's table shows.
// 3. Every `edgekiq …` command line (in sh, Dockerfile and systemd blocks and inline code) names a
//    subcommand and flags the CLI's `--help` lists; every npm script named exists in package.json.
// 4. json blocks parse.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/main";
import { useTestRedis } from "../helpers/redis";
import { waitFor } from "../helpers/ruby";
import {
  checkEdgekiqArguments,
  edgekiqArguments,
  npmScript,
  shellCommands,
  withDirectories,
} from "./command-lines";
import { type CodeBlock, codeBlocks, documentationFiles, where } from "./markdown-blocks";
import { createUserProject } from "./user-project";

const ROOT = resolve(import.meta.dirname, "../..");
const DOCS = documentationFiles(ROOT);
const BLOCKS = DOCS.flatMap((doc) => codeBlocks(ROOT, doc));
const checked = (langs: string[]) => BLOCKS.filter((b) => langs.includes(b.lang) && !b.notChecked);
const TS_BLOCKS = checked(["ts", "tsx"]);

/** Languages this test knows what to do with; any other would pass unchecked. */
const KNOWN_LANGS = ["ts", "tsx", "sh", "json", "dockerfile", "ini", "", "text", "yaml", "toml"];

const t = await useTestRedis();
const project = createUserProject(ROOT);
afterAll(() => project.remove());

/** Where a block lives in the user's project: one directory per page, its own file name or one. */
function blockPath(block: CodeBlock): string {
  const page = block.doc.replace(/\.md$/, "").replaceAll("/", "__");
  return `${page}/${block.fileName ?? `block-${block.line}.${block.lang}`}`;
}
const files = new Map(TS_BLOCKS.map((b) => [b, project.write(blockPath(b), b.body)]));

it("knows the language of every block", () => {
  const unknown = BLOCKS.filter((b) => !KNOWN_LANGS.includes(b.lang)).map(
    (b) => `${where(b)}: ${b.lang}`,
  );
  expect(unknown).toEqual([]);
});

it("says why whenever a block is not checked", () => {
  const silent = BLOCKS.filter(
    (b) => b.notChecked !== undefined && !/\w+\s+\w+/.test(b.notChecked),
  );
  expect(silent.map(where)).toEqual([]);
});

describe("ts blocks", () => {
  // Fragments may lean on names defined in the surrounding text: "Cannot find name 'x'" (2304;
  // 2582 and 2868 when the name is a test runner's or Bun's), "No value exists in scope for the
  // shorthand property 'x'" (18004).
  const ASSUMED_NAME_CODES = new Set([2304, 2582, 2868, 18004]);
  let diagnostics: Map<string, string[]> | undefined;

  /** One program for every block: the repository's compiler options, as a user's files. */
  function typeCheck(): Map<string, string[]> {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(ROOT, "tsconfig.json"),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    );
    if (!config) throw new Error("cannot read tsconfig.json");
    const options: ts.CompilerOptions = {
      ...config.options,
      noEmit: true,
      allowImportingTsExtensions: true,
      moduleDetection: ts.ModuleDetectionKind.Force,
      typeRoots: [join(ROOT, "node_modules/@types")],
    };
    const program = ts.createProgram([...files.values()], options);
    const byFile = new Map<string, string[]>();
    for (const d of ts.getPreEmitDiagnostics(program)) {
      if (!d.file) continue;
      const list = byFile.get(d.file.fileName) ?? [];
      const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      list.push(
        `line ${line + 1}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
      );
      byFile.set(d.file.fileName, list);
    }
    return byFile;
  }

  it.each(TS_BLOCKS.map((b) => [where(b), b] as const))(
    "%s type-checks",
    (_, block) => {
      diagnostics ??= typeCheck();
      const fragment = block.attrs.includes("fragment");
      const errors = (diagnostics.get(files.get(block)!) ?? []).filter(
        (e) => !(fragment && ASSUMED_NAME_CODES.has(Number(/TS(\d+)/.exec(e)![1]))),
      );
      expect(errors).toEqual([]);
    },
    120_000,
  );

  it.each(TS_BLOCKS.map((b) => [where(b), b] as const))(
    "%s imports relative files with their extension (Node ESM, Deno)",
    (_, block) => {
      const imports = ts
        .preProcessFile(block.body, true, true)
        .importedFiles.map((f) => f.fileName);
      const bare = imports.filter((f) => f.startsWith(".") && !/\.(ts|tsx|js|mjs|json)$/.test(f));
      expect(bare).toEqual([]);
    },
  );
});

it.each(checked(["json"]).map((b) => [where(b), b] as const))("%s is JSON", (_, block) => {
  expect(() => JSON.parse(block.body)).not.toThrow();
});

/** A command line a reader may copy, where it is shown, and the directory it runs in. */
interface CommandLine {
  at: string;
  words: string[];
  dir: string;
}

/** Every command line: in shell-like blocks, and inline code in the prose. */
function commandLines(): CommandLine[] {
  const lines: CommandLine[] = [];
  const add = (at: string, doc: string, text: string) => {
    for (const c of withDirectories(shellCommands(text), dirname(doc))) lines.push({ at, ...c });
  };
  for (const block of checked(["sh", "dockerfile", "ini"])) {
    const text =
      block.lang === "sh"
        ? block.body
        : block.body
            .split("\n")
            .map((l) => /^(?:ExecStart=|CMD |ENTRYPOINT )(.*)$/.exec(l.trim())?.[1])
            .filter((l) => l !== undefined)
            .map((l) => (l.startsWith("[") ? (JSON.parse(l) as string[]).join(" ") : l))
            .join("\n");
    add(where(block), block.doc, text);
  }
  for (const doc of DOCS) {
    let inBlock = false;
    for (const [i, line] of readFileSync(join(ROOT, doc), "utf8").split("\n").entries()) {
      if (/^\s*(```|~~~)/.test(line)) inBlock = !inBlock;
      if (inBlock) continue;
      for (const span of line.matchAll(/`([^`]+)`/g)) add(`${doc}:${i + 1}`, doc, span[1]!);
    }
  }
  return lines;
}
const COMMAND_LINES = commandLines();

/** The package.json that `npm` reads in `dir`: the nearest one up to the repository root. */
function packageJsonFor(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(ROOT, d, "package.json")) || d === ".")
      return join(ROOT, d, "package.json");
  }
}

describe("command lines", () => {
  const help = Object.fromEntries(Object.entries(COMMANDS).map(([name, c]) => [name, c.help]));
  const invocations = COMMAND_LINES.flatMap((l) => {
    const args = edgekiqArguments(l.words);
    return args ? [{ ...l, args }] : [];
  });

  it("finds the edgekiq command lines the docs show", () => {
    expect(invocations.length).toBeGreaterThan(10);
  });

  it.each(invocations.map((l) => [`${l.at} edgekiq ${l.args.join(" ")}`, l] as const))(
    "%s uses flags the CLI accepts",
    (_, line) => {
      expect(checkEdgekiqArguments(line.args, help)).toBeUndefined();
    },
  );

  it("names only npm scripts that exist where they run", () => {
    const missing = COMMAND_LINES.flatMap((l) => {
      const script = npmScript(l.words);
      if (script === undefined) return [];
      const pkg = packageJsonFor(l.dir);
      const scripts = JSON.parse(readFileSync(pkg, "utf8")).scripts ?? {};
      return script in scripts ? [] : [`${l.at}: npm script "${script}" is not in ${pkg}`];
    });
    expect(missing).toEqual([]);
  });
});

describe("runnable blocks", () => {
  const running: ChildProcess[] = [];
  afterAll(() => {
    for (const child of running) child.kill("SIGKILL");
  });

  function start(command: string, args: string[], cwd: string) {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, REDIS_URL: t.url, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.push(child);
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | string>((done) =>
      child.on("exit", (code, signal) => done(code ?? signal ?? "unknown")),
    );
    return { child, output: () => output, exited };
  }

  /** Runs a `ts run` block with tsx; it must finish (and so close what it opened) on its own. */
  async function runBlock(block: CodeBlock): Promise<void> {
    const file = files.get(block)!;
    const p = start(process.execPath, ["--import", "tsx", file], join(file, ".."));
    const timer = setTimeout(() => p.child.kill("SIGKILL"), 30_000);
    const code = await p.exited;
    clearTimeout(timer);
    expect(code, `${where(block)} did not exit by itself:\n${p.output()}`).toBe(0);
  }

  const runBlocks = TS_BLOCKS.filter((b) => b.attrs.includes("run"));

  it.each(runBlocks.map((b) => [where(b), b] as const))(
    "%s runs and exits",
    async (_, block) => {
      await t.flush();
      await runBlock(block);
    },
    60_000,
  );

  // The README's pair: its enqueue block pushes SendWelcome jobs, its jobs.ts runs them under the
  // CLI started with the README table's arguments, exactly as a process manager would start it.
  const readmeEnqueue = runBlocks.find((b) => b.doc === "README.md");
  const readmeJobs = TS_BLOCKS.find((b) => b.doc === "README.md" && b.fileName === "jobs.ts");
  const table = readFileSync(join(ROOT, "README.md"), "utf8");
  const rowArgs = (runtime: string) => {
    const span = new RegExp(`^\\| ${runtime}[^|]*\\| \`([^\`]+)\``, "m").exec(table)?.[1] ?? "";
    return edgekiqArguments(shellCommands(span)[0] ?? []);
  };
  const cli = join(project.dir, "node_modules/edgekiq/dist/cli.js");
  const launchers: Record<string, [string, string[]]> = {
    // The bin itself, as a Dockerfile's CMD or a systemd ExecStart starts it (not through npx).
    Node: [join(project.dir, "node_modules/.bin/edgekiq"), []],
    Bun: [join(ROOT, "node_modules/.bin/bun"), [cli]],
    Deno: [join(ROOT, "node_modules/.bin/deno"), ["run", "-A", cli]],
  };

  it("has the README's enqueue block, jobs.ts and a worker command per runtime", () => {
    expect(readmeEnqueue).toBeDefined();
    expect(readmeJobs).toBeDefined();
    for (const runtime of Object.keys(launchers)) expect(rowArgs(runtime)).toBeDefined();
  });

  it.each(Object.keys(launchers))(
    "README: the enqueued jobs run under the worker command shown for %s, which stops on TERM",
    async (runtime) => {
      expect(existsSync(join(ROOT, "dist/cli.js")), "run `npm run build` first").toBe(true);
      await t.flush();
      await runBlock(readmeEnqueue!);
      const queued = await t.redis.llen("queue:mailers");
      expect(queued).toBeGreaterThan(0);

      const [command, pre] = launchers[runtime]!;
      const worker = start(
        command,
        [...pre, ...rowArgs(runtime)!],
        join(files.get(readmeJobs!)!, ".."),
      );
      await waitFor(async () => (await t.redis.llen("queue:mailers")) === 0, 45_000).catch(
        (err: Error) => {
          throw new Error(`${err.message}: queue:mailers never drained\n${worker.output()}`);
        },
      );
      worker.child.kill("SIGTERM");
      expect(await worker.exited, worker.output()).toBe(0);
      expect(await t.redis.get("stat:processed")).toBe(String(queued));
      expect(await t.redis.get("stat:failed")).toBeNull();
    },
    120_000,
  );
});
