// Runs the built `edgekiq` binary (dist/cli.js) under Node, Bun or Deno, as users start it.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const CLI = resolve(ROOT, "dist/cli.js");
const bin = (name: string) => resolve(ROOT, "node_modules/.bin", name);

/** A Sidekiq job string with fixed timestamps, as Ruby would LPUSH it (`retry` as given). */
export function jobJson(
  cls: string,
  args: unknown[],
  jid: string,
  retry: boolean | number = true,
): string {
  return JSON.stringify({
    retry,
    queue: "default",
    class: cls,
    args,
    jid,
    created_at: 1795917297.5,
    enqueued_at: 1795917297.5,
  });
}

export type RuntimeName = "node" | "bun" | "deno";

export function runtimeCommand(runtime: RuntimeName, script = CLI): [string, string[]] {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first");
  if (runtime === "node") return [process.execPath, [script]];
  if (runtime === "bun") return [bin("bun"), [script]];
  return [bin("deno"), ["run", "-A", script]];
}

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

export function startCli(
  runtime: RuntimeName,
  args: string[],
  env: Record<string, string> = {},
): CliProcess {
  const [cmd, pre] = runtimeCommand(runtime);
  const child = spawn(cmd, [...pre, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return { child, output: () => out, exited };
}

/** Runs the CLI to completion; kills it after `timeoutMs`. */
export async function runCli(
  runtime: RuntimeName,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<{ code: number | string; output: string }> {
  const p = startCli(runtime, args, env);
  const timer = setTimeout(() => p.child.kill("SIGKILL"), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, output: p.output() };
}
