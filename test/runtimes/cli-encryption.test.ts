// The CLI worker with encryption keys from a file (EDGEKIQ_ENCRYPTION_KEYS_FILE): it runs an
// encrypted job with the plaintext, and neither the key nor the plaintext reaches its output,
// even with --log-args; a bad key ends it at start with exit 2 and a message without the key.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { keyRing } from "../../src/core/encryption";
import { runCli, startCli } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";
import { waitFor } from "../helpers/ruby";

const t = await useTestRedis();
const dir = mkdtempSync(join(tmpdir(), "edgekiq-keys-"));
const KEY = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
const OLD = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

describe("edgekiq worker with EDGEKIQ_ENCRYPTION_KEYS_FILE", () => {
  it("runs an encrypted job; logs show the ciphertext and key ids, never the key or plaintext", async () => {
    await t.flush();
    const file = join(dir, "keys");
    writeFileSync(file, `k2:${KEY},k1:${OLD}\n`);
    const canary = `canary-${crypto.randomUUID()}`;
    const client = new Client({
      redis: t.redis,
      encryption: keyRing({ current: "k1", keys: { k1: OLD } }),
    });
    const jid = await client.push({ class: "Echo", args: ["a", canary], encrypt: true });
    const cli = startCli(
      "node",
      ["worker", "-r", "test/runtimes/fixtures/jobs.ts", "--log-args", "--log-format", "json"],
      { REDIS_URL: t.url, EDGEKIQ_ENCRYPTION_KEYS_FILE: file },
    );
    try {
      await waitFor(async () => (await t.redis.llen("ran")) === 1, 20_000, cli.output());
      expect(JSON.parse((await t.redis.lindex("ran", 0))!)).toEqual({ args: ["a", canary], jid });
      await waitFor(async () => cli.output().includes('"msg":"done"'), 10_000, cli.output());
      cli.child.kill("SIGTERM");
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill("SIGKILL");
    }
    const out = cli.output();
    expect(out).toContain('"encryption_keys":"k2,k1"');
    expect(out).toContain("edgekiq:v1:k1:");
    expect(out).not.toContain(canary);
    expect(out).not.toContain(KEY);
    expect(out).not.toContain(OLD);
  });

  it("a key of the wrong size stops it at start, naming the variable but not the key", async () => {
    const file = join(dir, "bad");
    const short = btoa("sixteen byte key");
    writeFileSync(file, `k1:${short}`);
    const { code, output } = await runCli(
      "node",
      ["worker", "-r", "test/runtimes/fixtures/jobs.ts"],
      { REDIS_URL: t.url, EDGEKIQ_ENCRYPTION_KEYS_FILE: file },
    );
    expect(code).toBe(2);
    expect(output).toContain(
      'edgekiq worker: EDGEKIQ_ENCRYPTION_KEYS: encryption: key "k1" must be 32 bytes',
    );
    expect(output).not.toContain(short);
  });
});
