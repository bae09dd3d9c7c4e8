/**
 * `--baseline <git-ref>`: edgekiq as it was at an earlier commit, measured beside today's in the
 * same run, so "a feature that is off costs nothing" is one run before and after, not two runs
 * on a machine whose load has moved in between.
 * 1. `resolveBaseline` turns the ref into a commit before anything starts, so a typo fails fast;
 * 2. `checkoutBaseline` extracts that commit's src/, bench/, package.json and tsconfig.json with
 *    `git archive` into a temporary directory (esbuild then reads the commit's own tsconfig paths
 *    and sideEffects);
 * 3. the commit's own bench/systems entries and bench/lib build its children, so old code runs
 *    with the glue it was written with ("ref" glue). A commit from before those entries existed
 *    gets today's bench/ copied in instead, built against its src/ ("current" glue).
 * Packages are not taken from the commit: its children load this checkout's node_modules.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { BENCH_DIR } from "./build";

/** The repository the harness runs in (refs resolve against it). */
export const REPO_DIR = dirname(BENCH_DIR);

/** What a checkout takes from the commit (those of them it has). */
const PATHS = ["src", "bench", "package.json", "tsconfig.json"];

export interface BaselineRef {
  /** The ref as given (HEAD~3, main, a sha). */
  ref: string;
  commit: string;
  short: string;
}

export interface BaselineCheckout extends BaselineRef {
  /** The bench/ directory to bundle the children from. */
  benchDir: string;
  /** Whose bench/ that is: the commit's own, or today's copied in (the commit had none). */
  glue: "ref" | "current";
  /** The commit's bench/lib/protocol.ts differs from today's: figures may fail or mean else. */
  protocolChanged: boolean;
  /** Deletes the temporary directory (also done on exit, e.g. after a Ctrl-C). */
  remove(): void;
}

export function resolveBaseline(ref: string, repo = REPO_DIR): BaselineRef {
  try {
    const commit = git(repo, ["rev-parse", "--verify", "--end-of-options", `${ref}^{commit}`]);
    return { ref, commit, short: git(repo, ["rev-parse", "--short", commit]) };
  } catch (err) {
    throw new Error(`--baseline ${ref}: not a commit of this repository (${gitError(err)})`);
  }
}

/** "working tree at <short sha>", plus whether src/ or bench/ has uncommitted changes. */
export function describeWorkingTree(repo = REPO_DIR): string {
  const head = git(repo, ["rev-parse", "--short", "HEAD"]);
  const dirty = git(repo, ["status", "--porcelain", "--", "src", "bench"]) !== "";
  return `working tree at ${head}${dirty ? " with uncommitted changes in src/ or bench/" : ""}`;
}

/**
 * Extracts the commit into a new directory under `parent` and picks the glue. `entries` are the
 * bench/-relative child entry files the commit must have for its own glue to be used.
 */
export function checkoutBaseline(
  base: BaselineRef,
  entries: readonly string[],
  repo = REPO_DIR,
  parent = tmpdir(),
): BaselineCheckout {
  const dir = mkdtempSync(join(parent, `edgekiq-baseline-${base.short}-`));
  const remove = () => {
    process.off("exit", remove);
    rmSync(dir, { recursive: true, force: true });
  };
  // The harness's signal handlers end with process.exit, which runs 'exit' listeners (sync only).
  process.on("exit", remove);
  try {
    const present = git(repo, ["ls-tree", "--name-only", base.commit, "--", ...PATHS])
      .split("\n")
      .filter(Boolean);
    if (!present.includes("src")) throw new Error(`commit ${base.short} has no src/`);
    const tar = execFileSync("git", ["archive", "--format=tar", base.commit, "--", ...present], {
      cwd: repo,
      maxBuffer: 1 << 30,
      stdio: ["ignore", "pipe", "pipe"],
    });
    execFileSync("tar", ["-x", "-C", dir], { input: tar, stdio: ["pipe", "ignore", "pipe"] });

    const benchDir = join(dir, "bench");
    const own = entries.every((entry) => existsSync(join(benchDir, entry)));
    if (!own) {
      rmSync(benchDir, { recursive: true, force: true });
      cpSync(BENCH_DIR, benchDir, {
        recursive: true,
        filter: (from) => !relative(BENCH_DIR, from).startsWith("results"),
      });
    }
    const protocol = (root: string) => {
      const file = join(root, "lib", "protocol.ts");
      return existsSync(file) ? readFileSync(file, "utf8") : undefined;
    };
    return {
      ...base,
      benchDir,
      glue: own ? "ref" : "current",
      protocolChanged: protocol(benchDir) !== protocol(BENCH_DIR),
      remove,
    };
  } catch (err) {
    remove();
    throw new Error(`cannot check out ${base.ref} (${base.short}): ${gitError(err)}`);
  }
}

function git(repo: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd: repo,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/** git's own complaint (its stderr) rather than Node's "Command failed: ..." line. */
function gitError(err: unknown): string {
  const stderr = String((err as { stderr?: unknown }).stderr ?? "").trim();
  return stderr.split("\n")[0] || (err as Error).message.split("\n")[0]!;
}
