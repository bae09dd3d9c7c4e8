// Runs real Ruby Sidekiq 6.4 (Debian ruby-sidekiq) against a test database: one-off scripts with
// `ruby -e`, and a long-running `sidekiq` process.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Runs Ruby code with Sidekiq loaded and REDIS_URL set; resolves to its stdout. */
export function ruby(code: string, redisUrl: string): Promise<string> {
  const script = `require "sidekiq"\nrequire "sidekiq/api"\nrequire "json"\n${code}`;
  return new Promise((resolve, reject) => {
    execFile(
      "ruby",
      ["-e", script],
      { env: { ...process.env, REDIS_URL: redisUrl }, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`ruby failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

export interface SidekiqProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `sidekiq -r <file>` with the given Ruby source as the required file. */
export function startSidekiq(
  source: string,
  redisUrl: string,
  args: string[] = [],
): SidekiqProcess {
  const dir = mkdtempSync(join(tmpdir(), "edgekiq-ruby-"));
  const file = join(dir, "jobs.rb");
  writeFileSync(file, source);
  const child = spawn("sidekiq", ["-r", file, ...args], {
    env: { ...process.env, REDIS_URL: redisUrl },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  return {
    child,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 15_000).unref();
      }),
  };
}

/** Polls `check` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
