// Worker logs: human lines by default, one JSON object per line with --log-format json; start,
// done (with its duration) and fail per job with class and jid; arguments only with --log-args.
import { describe, expect, it } from "vitest";
import { jobJson, startCli } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";
import { waitFor } from "../helpers/ruby";

const t = await useTestRedis();

const payload = (cls: string, args: unknown[], jid: string) => jobJson(cls, args, jid, 0);

async function runOnce(extra: string[]): Promise<string> {
  await t.flush();
  await t.redis.lpush(
    "queue:default",
    payload("Echo", ["secret-arg"], "1".repeat(24)),
    payload("Missing", [], "2".repeat(24)),
  );
  const cli = startCli("node", ["worker", "-r", "test/runtimes/fixtures/jobs.ts", ...extra], {
    REDIS_URL: t.url,
  });
  try {
    await waitFor(
      async () => (await t.redis.zcard("dead")) === 1 && (await t.redis.llen("ran")) === 1,
      20_000,
      `jobs:\n${cli.output()}`,
    );
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    return cli.output();
  } finally {
    cli.child.kill("SIGKILL");
  }
}

describe("worker logs", () => {
  it("are JSON lines with --log-format json, without arguments by default", async () => {
    const out = await runOnce(["--log-format", "json"]);
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const done = lines.find((l) => l.msg === "done");
    expect(done).toMatchObject({
      level: "info",
      class: "Echo",
      jid: "1".repeat(24),
      queue: "default",
    });
    expect(typeof done.elapsed_ms).toBe("number");
    expect(lines.find((l) => l.msg === "start" && l.class === "Echo")).toBeDefined();
    const fail = lines.find((l) => l.msg === "fail");
    expect(fail).toMatchObject({ class: "Missing", jid: "2".repeat(24) });
    expect(String(fail.error_message)).toMatch(/Missing/);
    expect(out).not.toContain("secret-arg");
  }, 40_000);

  it("are human lines by default, with arguments only under --log-args", async () => {
    const out = await runOnce(["--log-args"]);
    expect(out).toMatch(/^\S+Z INFO {2}done class=Echo jid=1{24} queue=default .*elapsed_ms=/m);
    expect(out).toContain("secret-arg");
    const quiet = await runOnce(["--log-level", "warn"]);
    expect(quiet).not.toMatch(/ INFO /);
    expect(quiet).toMatch(/WARN {2}fail class=Missing/);
  }, 60_000);
});
