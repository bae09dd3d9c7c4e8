// A Redis that answers but refuses the settings (no password given, a wrong one, a user without
// permissions, a database it does not have) is a configuration error, not an outage: every command
// that talks to Redis stops at start with one plain line and exit 2, and never falls back to
// database 0 or retries with backoff.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RuntimeName, runCli } from "../helpers/cli";
import { type RedisServerHandle, startRedisServer } from "../helpers/redis-server";

// A jobs file with no Redis connection of its own (the shared fixture opens one from REDIS_URL,
// whose own refusal would be printed by ioredis).
const JOBS = join(mkdtempSync(join(tmpdir(), "edgekiq-jobs-")), "jobs.js");
writeFileSync(JOBS, "export default { Noop: async () => {} };\n");
let server: RedisServerHandle;
let base: string;

beforeAll(async () => {
  server = await startRedisServer({
    databases: 2,
    extraArgs: ["--requirepass", "pw", "--user", "limited", "on", ">limited-pw", "~*", "-@all"],
  });
  base = `127.0.0.1:${server.port}`;
});
afterAll(() => server.stop());

/** The output holds `line` as its only error and no sign of a retry or a stack trace. */
function expectFatal(output: string, line: RegExp): void {
  const errors = output.split("\n").filter((l) => /^edgekiq \w+: /.test(l));
  expect(errors).toEqual([expect.stringMatching(line)]);
  expect(output).not.toMatch(/retrying|backoff|Heartbeat|cannot start|^\s+at /m);
}

const NEEDS_PASSWORD = (where: string) =>
  new RegExp(
    `^edgekiq \\w+: Redis at redis://${base.replace(/\./g, "\\.")}/0 needs a password: set it in ${where} `,
  );

describe("Redis settings errors at start", () => {
  it("worker, stats, web and bridge without the password: one line naming where to set it, exit 2", async () => {
    const runs: [string, string[], Record<string, string>][] = [
      ["worker", ["worker", "-r", JOBS], {}],
      ["stats", ["stats"], {}],
      ["web", ["web", "--open", "--port", "0"], {}],
      [
        "bridge",
        ["bridge", "--port", "0"],
        { EDGEKIQ_BRIDGE_ADMIN_TOKEN: "admin-0123456789abcdef" },
      ],
    ];
    for (const [name, args, env] of runs) {
      const r = await runCli("node", args, { REDIS_URL: `redis://${base}/0`, ...env });
      expect(r.code, `${name}:\n${r.output}`).toBe(2);
      expectFatal(r.output, NEEDS_PASSWORD("REDIS_URL"));
    }
    const flag = await runCli("node", ["stats", "--redis", `redis://${base}/0`]);
    expect(flag.code).toBe(2);
    expectFatal(flag.output, NEEDS_PASSWORD("the --redis URL"));
  }, 60_000);

  it.each(["node", "bun", "deno"] as RuntimeName[])(
    "a wrong password on %s: one line, exit 2",
    async (runtime) => {
      const r = await runCli(runtime, ["worker", "-r", JOBS, "--redis", `redis://:nope@${base}/0`]);
      expect(r.code, r.output).toBe(2);
      expectFatal(
        r.output,
        /^edgekiq worker: Redis at redis:\/\/\S+\/0 refused the user name or password \(WRONGPASS/,
      );
      expect(r.output).not.toContain("nope");
    },
    30_000,
  );

  it("a user without the permissions edgekiq needs (found by the first command)", async () => {
    const url = `redis://limited:limited-pw@${base}/0`;
    const stats = await runCli("node", ["stats", "--redis", url]);
    expect(stats.code, stats.output).toBe(2);
    expectFatal(
      stats.output,
      /^edgekiq stats: Redis user "limited" at \S+ lacks a permission edgekiq needs \(NOPERM/,
    );
    const worker = await runCli("node", ["worker", "-r", JOBS, "--redis", url]);
    expect(worker.code, worker.output).toBe(2);
    // The worker's own log of its first heartbeat (stdout) may come with it; the one error line
    // (stderr) says what to do.
    const errors = worker.output.split("\n").filter((l) => l.startsWith("edgekiq worker: "));
    expect(errors).toEqual([
      expect.stringMatching(
        /^edgekiq worker: Redis user "limited" at \S+ lacks a permission edgekiq needs \(NOPERM .*ACL SETUSER/,
      ),
    ]);
  }, 30_000);

  it("a database the server does not have: fatal, and nothing is written to database 0", async () => {
    for (const args of [["worker", "-r", JOBS], ["stats"]]) {
      const r = await runCli("node", [...args, "--redis", `redis://:pw@${base}/5`]);
      expect(r.code, r.output).toBe(2);
      expectFatal(r.output, /^edgekiq \w+: Redis at redis:\/\/\S+\/5 has no database 5/);
    }
    const admin = new Redis(`redis://:pw@${base}/0`);
    try {
      expect(await admin.dbsize()).toBe(0);
    } finally {
      admin.disconnect();
    }
  }, 30_000);
});
