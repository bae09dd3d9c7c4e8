// Errors a person can act on: one line, no stack trace, and a non-zero exit where the CLI cannot
// go on; an unreachable Redis is reported and retried, and TERM still ends the process.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type RuntimeName, runCli, startCli } from "../helpers/cli";
import { freePort } from "../helpers/redis-server";
import { waitFor } from "../helpers/ruby";

const JOBS = "test/runtimes/fixtures/jobs.ts";

function expectOneLine(output: string, pattern: RegExp): void {
  const lines = output.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(output).not.toMatch(/^\s+at /m);
}

describe("edgekiq CLI errors", () => {
  it("an unknown flag", async () => {
    const { code, output } = await runCli("node", ["worker", "-r", JOBS, "--concurency", "5"]);
    expect(code).toBe(2);
    expectOneLine(
      output,
      /^edgekiq worker: unknown option --concurency; see `edgekiq worker --help`$/,
    );
  });

  it("a bad queue weight", async () => {
    const { code, output } = await runCli("node", ["worker", "-r", JOBS, "-q", "critical,high"]);
    expect(code).toBe(2);
    expectOneLine(output, /bad queue weight in "critical,high": the weight must be a whole number/);
  });

  it("a missing -r file", async () => {
    const { code, output } = await runCli("node", ["worker", "-r", "./no-such-jobs.ts"]);
    expect(code).toBe(2);
    expectOneLine(output, /cannot load jobs file \.\/no-such-jobs\.ts: cannot find the jobs file/);
  });

  it("no -r at all", async () => {
    const { code, output } = await runCli("node", ["worker"]);
    expect(code).toBe(2);
    expectOneLine(output, /no jobs file: pass -r \.\/jobs\.ts/);
  });

  it("a broken -r file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgekiq-cli-"));
    const broken = join(dir, "broken.ts");
    writeFileSync(broken, "export default { Oops: async ( => 1 };\n");
    const { code, output } = await runCli("node", ["worker", "-r", broken]);
    expect(code).toBe(2);
    expectOneLine(output, /^edgekiq worker: cannot load jobs file .*broken\.ts: /);
  });

  it("a -r file without a usable default export", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgekiq-cli-"));
    const file = join(dir, "named.ts");
    writeFileSync(file, "export const Oops = 1;\n");
    const { code, output } = await runCli("node", ["worker", "-r", file]);
    expect(code).toBe(2);
    expectOneLine(output, /has no usable default export/);
  });

  it("a bad Redis URL and a bad concurrency", async () => {
    const url = await runCli("node", ["worker", "-r", JOBS, "--redis", "http://x:1"]);
    expect(url.code).toBe(2);
    expectOneLine(
      url.output,
      /invalid Redis URL "http:\/\/x:1": the scheme must be redis:\/\/ or rediss:\/\//,
    );
    const c = await runCli("node", ["worker", "-r", JOBS, "-c", "0"]);
    expect(c.code).toBe(2);
    expectOneLine(c.output, /-c \(concurrency\): expected a whole number of at least 1, got "0"$/);
  });

  it("a port out of range: one line, exit 2, no RangeError stack", async () => {
    for (const args of [
      ["web", "--open", "-p", "99999"],
      ["bridge", "--port", "65536"],
    ]) {
      const { code, output } = await runCli("node", args, {
        EDGEKIQ_BRIDGE_ADMIN_TOKEN: "admin-0123456789abcdef",
      });
      expect(code).toBe(2);
      expectOneLine(
        output,
        /^edgekiq \w+: -p \(port\): expected a whole number from 0 to 65535, got "\d+"$/,
      );
    }
  });

  it.each(["node", "bun", "deno"] as RuntimeName[])(
    "a negative timeout on %s says what a timeout must be, not that it is missing",
    async (runtime) => {
      const { code, output } = await runCli(runtime, ["worker", "-r", JOBS, "-t", "-5"]);
      expect(code).toBe(2);
      expectOneLine(
        output,
        /^edgekiq worker: -t \(timeout\): expected a whole number of seconds, 0 or more, got "-5"$/,
      );
      // A flag where a value belongs is still a missing value.
      const missing = await runCli(runtime, ["worker", "-r", JOBS, "-c", "-q", "default"]);
      expect(missing.code).toBe(2);
      expectOneLine(missing.output, /^edgekiq worker: option --concurrency needs a value \(N\)$/);
    },
    30_000,
  );

  it("an unreachable Redis: one warning, no stack trace, keeps retrying, exits on TERM", async () => {
    const port = await freePort();
    const cli = startCli("node", [
      "worker",
      "-r",
      JOBS,
      "--redis",
      `redis://:secret@127.0.0.1:${port}/2`,
    ]);
    try {
      await waitFor(() => /cannot reach Redis/.test(cli.output()), 10_000, "the warning");
      await new Promise((r) => setTimeout(r, 1500));
      expect(cli.child.exitCode).toBeNull(); // still waiting for Redis
      const out = cli.output();
      expect(out).toMatch(
        new RegExp(
          `WARN\\s+cannot reach Redis at redis://127\\.0\\.0\\.1:${port}/2 \\(ECONNREFUSED\\); retrying with backoff`,
        ),
      );
      expect(out.match(/cannot reach Redis/g)).toHaveLength(1);
      expect(out).not.toMatch(/^\s+at /m);
      expect(out).not.toContain("secret");
      cli.child.kill("SIGTERM");
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill("SIGKILL");
    }
  });

  it("stats against an unreachable Redis fails at once, in one line", async () => {
    const port = await freePort();
    const { code, output } = await runCli("node", [
      "stats",
      "--redis",
      `redis://127.0.0.1:${port}/3`,
    ]);
    expect(code).toBe(2);
    expectOneLine(
      output,
      new RegExp(
        `^edgekiq stats: cannot read stats from Redis at redis://127\\.0\\.0\\.1:${port}/3: `,
      ),
    );
  });

  it("--help on every subcommand, and an unknown command", async () => {
    for (const cmd of ["worker", "stats"]) {
      const { code, output } = await runCli("node", [cmd, "--help"]);
      expect(code).toBe(0);
      expect(output).toMatch(new RegExp(`^Usage: edgekiq ${cmd}`));
    }
    const bad = await runCli("node", ["wrker"]);
    expect(bad.code).toBe(2);
    expectOneLine(bad.output, /unknown command "wrker"/);
  });
});
