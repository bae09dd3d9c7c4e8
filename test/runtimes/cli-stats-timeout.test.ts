// #14 item 3: `edgekiq stats` against a Redis that accepts the connection and never answers used
// to hang silently forever. Now it ends within --command-timeout (or EDGEKIQ_COMMAND_TIMEOUT)
// with one line that says what happened and how to wait longer, exit 2, on the real CLI.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli";
import { silentServer } from "../helpers/silent-server";

let silent: Awaited<ReturnType<typeof silentServer>>;
beforeAll(async () => {
  silent = await silentServer();
});
afterAll(() => silent.close());

describe("edgekiq stats against a Redis that never answers", () => {
  it("fails in one line, exit 2, after --command-timeout", async () => {
    const url = `redis://127.0.0.1:${silent.port}`;
    // runCli kills the command after 15 s: before the fix it was still waiting then.
    const r = await runCli(
      "node",
      ["stats", "--redis", url, "--command-timeout", "800"],
      {},
      15_000,
    );
    expect(r.code, r.output).toBe(2);
    expect(r.output.trim()).toBe(
      `edgekiq stats: Redis at ${url}/0 did not answer within 800 ms ` +
        "(--command-timeout or EDGEKIQ_COMMAND_TIMEOUT to wait longer)",
    );
  }, 20_000);

  it("takes the bound from EDGEKIQ_COMMAND_TIMEOUT; the flag wins over it", async () => {
    const url = `redis://127.0.0.1:${silent.port}`;
    const env = await runCli("node", ["stats", "--redis", url], { EDGEKIQ_COMMAND_TIMEOUT: "600" });
    expect(env.code, env.output).toBe(2);
    expect(env.output).toMatch(/did not answer within 600 ms/);
    const both = await runCli("node", ["stats", "--redis", url, "--command-timeout", "700"], {
      EDGEKIQ_COMMAND_TIMEOUT: "600",
    });
    expect(both.output).toMatch(/did not answer within 700 ms/);
    const bad = await runCli("node", ["stats", "--command-timeout", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.output.trim().split("\n")).toHaveLength(1);
  }, 40_000);
});
