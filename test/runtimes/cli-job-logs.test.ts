// #14 item 6, the worker's logs as a Sidekiq user expects them, on the real CLI:
// - TTIN logs each running job once (class, jid, queue), its arguments only with --log-args (it
//   used to print every job twice, the second time with its whole payload);
// - a failed job's warn line is followed by its backtrace (it had none at any level);
// - what a handler logs through ctx.logger carries the job's class, jid and queue;
// - a syntax error in the jobs file keeps its file:line:column (Node's loader and tsx lost it;
//   Bun and Deno are checked too), and an exception thrown while loading keeps its stack at
//   debug level.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type CliProcess, jobJson, type RuntimeName, runCli, startCli } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";
import { waitFor } from "../helpers/ruby";

const t = await useTestRedis();
const JOBS = "test/runtimes/fixtures/log-jobs.ts";
const running: CliProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill("SIGKILL");
});

function worker(extra: string[] = []): CliProcess {
  const p = startCli("node", ["worker", "-r", JOBS, "-t", "1", ...extra], { REDIS_URL: t.url });
  running.push(p);
  return p;
}

async function stop(p: CliProcess): Promise<string> {
  p.child.kill("SIGTERM");
  expect(await p.exited).toBe(0);
  return p.output();
}

describe("TTIN", () => {
  for (const logArgs of [false, true]) {
    it(`logs each running job once${logArgs ? ", with its arguments under --log-args" : ", without its arguments"}`, async () => {
      await t.flush();
      const jids = ["1".repeat(24), "2".repeat(24)];
      await t.redis.lpush(
        "queue:default",
        ...jids.map((jid) => jobJson("Sleep", ["secret-arg"], jid)),
      );
      const p = worker(logArgs ? ["--log-args"] : []);
      await waitFor(async () => (await t.redis.llen("started")) === 2, 20_000, p.output());
      p.child.kill("SIGTTIN");
      await waitFor(
        () => (p.output().match(/Running job/g) ?? []).length === 2,
        10_000,
        p.output(),
      );
      const out = await stop(p);
      for (const jid of jids) {
        // Once in the dump (its start line and the stop's summary mention it too).
        const dumped = out
          .split("\n")
          .filter((l) => l.includes(jid) && !/ (start|Shutdown timeout reached;) /.test(l));
        expect(dumped, out).toHaveLength(1);
        expect(dumped[0]).toMatch(
          new RegExp(
            `WARN {2}Running job class=Sleep jid=${jid} queue=default tid=\\w+ run_at=\\d+`,
          ),
        );
      }
      expect(out).toMatch(/WARN {2}TTIN: 2 job\(s\) running/);
      if (logArgs) expect(out).toMatch(/Running job .* args=.*secret-arg/);
      else expect(out).not.toContain("secret-arg");
    }, 40_000);
  }
});

describe("job logs", () => {
  it("follow a failed job's warn line with its backtrace, in the human and JSON formats", async () => {
    await t.flush();
    const jid = "3".repeat(24);
    await t.redis.lpush("queue:default", jobJson("Boom", [], jid, 0));
    const p = worker();
    await waitFor(async () => (await t.redis.zcard("dead")) === 1, 20_000, p.output());
    const lines = (await stop(p)).split("\n");
    const fail = lines.findIndex((l) => / WARN {2}fail class=Boom /.test(l));
    expect(fail, lines.join("\n")).toBeGreaterThanOrEqual(0);
    expect(lines[fail]).toMatch(/error_class=Error error_message="the printer is on fire"/);
    expect(lines[fail + 1]).toMatch(/^ {4}at failDeepInside \(.*log-jobs\.ts:\d+:\d+\)$/);
    expect(lines[fail + 2]).toMatch(/^ {4}at /);

    await t.redis.lpush("queue:default", jobJson("Boom", [], "4".repeat(24), 0));
    const json = worker(["--log-format", "json"]);
    await waitFor(async () => (await t.redis.zcard("dead")) === 2, 20_000, json.output());
    const records = (await stop(json))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const failed = records.find((r) => r.msg === "fail");
    expect(failed).toMatchObject({ level: "warn", class: "Boom", jid: "4".repeat(24) });
    expect(failed.backtrace[0]).toMatch(/^at failDeepInside \(.*log-jobs\.ts:\d+:\d+\)$/);
  }, 60_000);

  it("carry class, jid and queue on lines a handler logs through ctx.logger", async () => {
    await t.flush();
    const jid = "5".repeat(24);
    await t.redis.lpush("queue:default", jobJson("Chatty", [], jid));
    const p = worker();
    await waitFor(async () => (await t.redis.llen("ran")) === 1, 20_000, p.output());
    expect(await stop(p)).toMatch(
      new RegExp(
        `INFO {2}hello from the handler class=Chatty jid=${jid} queue=default step=1$`,
        "m",
      ),
    );
  }, 40_000);
});

describe("a jobs file that cannot load", () => {
  const dir = mkdtempSync(join(tmpdir(), "edgekiq-load-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const source = "export default {\n  Echo: async () => {\n    const = 5;\n  },\n};\n";
  for (const name of ["broken.mjs", "broken.ts"]) writeFileSync(join(dir, name), source);
  const throws = join(dir, "throws.mjs");
  writeFileSync(
    throws,
    'function boom() {\n  throw new Error("no config");\n}\nboom();\nexport default {};\n',
  );

  const cases: [RuntimeName, string][] = [
    ["node", "broken.mjs"],
    ["node", "broken.ts"],
    ["bun", "broken.ts"],
    ["deno", "broken.ts"],
  ];
  it.each(cases)(
    "on %s, a syntax error in %s names its file:line:column",
    async (runtime, name) => {
      const file = join(dir, name);
      const r = await runCli(runtime, ["worker", "-r", file], { REDIS_URL: t.url });
      expect(r.code, r.output).toBe(2);
      // The `=` of `    const = 5;` is on line 3, column 11.
      expect(r.output.trim()).toMatch(
        new RegExp(
          `^edgekiq worker: cannot load jobs file \\S+: syntax error at ${file}:3:11: \\S`,
        ),
      );
    },
    30_000,
  );

  it("an exception thrown while loading keeps its stack at debug level only", async () => {
    const plain = await runCli("node", ["worker", "-r", throws], { REDIS_URL: t.url });
    expect(plain.code).toBe(2);
    expect(plain.output.trim()).toBe(`edgekiq worker: cannot load jobs file ${throws}: no config`);
    const debug = await runCli("node", ["worker", "-r", throws, "--log-level", "debug"], {
      REDIS_URL: t.url,
    });
    expect(debug.code).toBe(2);
    expect(debug.output).toMatch(/DEBUG the jobs file \S+ threw while loading error_class=Error\n/);
    expect(debug.output).toContain(`    at boom (file://${throws}:2:9)`);
  }, 30_000);
});
