// What the package tests share: `npm pack` of this build, npm installs that prefer the cache, and
// running commands (to completion, or in the background until a line shows up).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ROOT } from "../helpers/cli";
import { waitFor } from "../helpers/ruby";

export type Env = Record<string, string | undefined>;

export interface Result {
  code: number;
  out: string;
}

export function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: Env,
  timeout = 120_000,
): Promise<Result> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, timeout, maxBuffer: 64 << 20, env }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: unknown }).code) || 1 : 0;
      done({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** Runs to completion and returns the output; throws with the output on a non-zero exit. */
export async function ok(
  cmd: string,
  args: string[],
  cwd: string,
  env: Env,
  timeout?: number,
): Promise<string> {
  const r = await run(cmd, args, cwd, env, timeout);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}:\n${r.out}`);
  return r.out;
}

/** `npm install` from npm's cache where it can (the registry otherwise). */
export function npmInstall(cwd: string, specs: string[], env: Env): Promise<string> {
  const args = ["install", "--prefer-offline", "--no-audit", "--no-fund", ...specs];
  return ok("npm", args, cwd, env, 300_000);
}

/** The version of a package this repo installed: the one npm has in its cache already. */
export function installed(name: string): string {
  const pkg = JSON.parse(readFileSync(resolve(ROOT, "node_modules", name, "package.json"), "utf8"));
  return `${name}@${pkg.version}`;
}

/** Packs this build (dist/ as built) into `dest`; returns the tarball's path. */
export async function packTarball(dest: string, env: Env): Promise<string> {
  if (!existsSync(resolve(ROOT, "dist/cli.js"))) throw new Error("run `npm run build` first");
  const out = await ok("npm", ["pack", "--json", "--pack-destination", dest], ROOT, env);
  const [packed] = JSON.parse(out.slice(out.indexOf("["))) as { filename: string }[];
  return join(dest, packed!.filename);
}

export interface Background {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Waits until the output contains each of `texts`; fails with the output so far. */
  waitFor(texts: string[], timeoutMs?: number): Promise<void>;
  /** SIGKILL to the whole process group (npm scripts start children of their own). */
  kill(): void;
}

export function start(cmd: string, args: string[], cwd: string, env: Env): Background {
  const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | string>((done) =>
    child.on("exit", (code, signal) => done(code ?? signal ?? "?")),
  );
  return {
    child,
    output: () => out,
    exited,
    async waitFor(texts, timeoutMs = 60_000) {
      await waitFor(() => texts.every((x) => out.includes(x)), timeoutMs, texts.join(", ")).catch(
        (err: Error) => {
          throw new Error(`${err.message}; output:\n${out}`);
        },
      );
    },
    kill() {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}
