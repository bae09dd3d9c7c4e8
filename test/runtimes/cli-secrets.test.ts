// Secrets from files (<NAME>_FILE) for the built CLI: a password-protected Redis through
// REDIS_URL_FILE, the dashboard's password and a bridge token from files; each works, and no
// secret appears in the command's output, whether it succeeds or fails.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type CliProcess, runCli, startCli } from "../helpers/cli";
import { startRedisServer } from "../helpers/redis-server";
import { waitFor } from "../helpers/ruby";

const PASSWORD = "redis-pass-9f8e7d6c5b4a";
const server = await startRedisServer({ extraArgs: ["--requirepass", PASSWORD] });
const dir = mkdtempSync(join(tmpdir(), "edgekiq-secrets-"));
function secretFile(name: string, value: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${value}\n`);
  return path;
}
const urlFile = secretFile("redis-url", `redis://:${PASSWORD}@127.0.0.1:${server.port}/0`);

const running: CliProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill("SIGKILL");
});
afterAll(() => server.stop());

async function served(p: CliProcess): Promise<string> {
  const line = await waitFor(() => /on (http:\/\/[^\s/]+)/.exec(p.output()), 20_000, p.output());
  return line?.[1] ?? "";
}

describe("secrets from files", () => {
  it("REDIS_URL_FILE reaches a password-protected Redis; the password is never printed", async () => {
    const ok = await runCli("node", ["stats"], { REDIS_URL_FILE: urlFile });
    expect(ok.code).toBe(0);
    expect(ok.output).toContain("Processed");
    const wrong = secretFile("wrong-url", `redis://:not-the-pass-1234@127.0.0.1:${server.port}/0`);
    const bad = await runCli("node", ["stats"], { REDIS_URL_FILE: wrong });
    expect(bad.code).toBe(2);
    expect(bad.output).toMatch(/WRONGPASS/);
    const both = await runCli("node", ["stats"], { REDIS_URL_FILE: urlFile, REDIS_URL: "x" });
    expect(both.code).toBe(2);
    expect(both.output.trim()).toBe("edgekiq stats: set REDIS_URL or REDIS_URL_FILE, not both");
    for (const out of [ok.output, bad.output, both.output]) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain("not-the-pass-1234");
    }
  });

  it("the dashboard password and a bridge token come from files and stay out of the output", async () => {
    const webPassword = "web-pass-0a1b2c3d4e";
    const web = startCli("node", ["web", "--port", "0"], {
      REDIS_URL_FILE: urlFile,
      EDGEKIQ_WEB_USERNAME: "ops",
      EDGEKIQ_WEB_PASSWORD_FILE: secretFile("web-password", webPassword),
    });
    running.push(web);
    const webUrl = await served(web);
    const page = await fetch(`${webUrl}/queues`, {
      headers: { authorization: `Basic ${btoa(`ops:${webPassword}`)}` },
    });
    expect(page.status).toBe(200);
    await page.arrayBuffer();

    const token = "bridge-token-from-file-0123456789";
    const bridge = startCli("node", ["bridge", "--port", "0"], {
      REDIS_URL_FILE: urlFile,
      EDGEKIQ_BRIDGE_ENQUEUE_TOKEN_FILE: secretFile("bridge-token", token),
    });
    running.push(bridge);
    const bridgeUrl = await served(bridge);
    const upstash = new UpstashRedis({ url: bridgeUrl, token, enableTelemetry: false });
    expect(await upstash.sadd("queues", "default")).toBe(1);
    await expect(
      new UpstashRedis({ url: bridgeUrl, token: "wrong-token-0123456789", retry: false }).sadd(
        "queues",
        "x",
      ),
    ).rejects.toThrow(/WRONGPASS/);

    for (const p of [web, bridge]) {
      p.child.kill("SIGTERM");
      expect(await p.exited).toBe(0);
      for (const secret of [PASSWORD, webPassword, token]) expect(p.output()).not.toContain(secret);
    }
  });
});
