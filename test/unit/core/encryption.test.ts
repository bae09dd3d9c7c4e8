// The key ring on its own: envelope shape, AAD binding, key checks, and that no error message
// ever carries key material or plaintext.
import { describe, expect, it } from "vitest";
import { type KeyRingConfig, keyRing, parseKeyRing } from "../../../src/core/encryption";
import { ConfigError, EncryptionError } from "../../../src/core/errors";
import type { JobPayload } from "../../../src/core/job";

const KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i + 7)));
const OTHER = btoa(String.fromCharCode(...new Uint8Array(32).fill(9)));

function job(args: unknown[], extra: Partial<JobPayload> = {}): JobPayload {
  return {
    class: "HardJob",
    queue: "default",
    jid: "0123456789abcdef01234567",
    args,
    encrypt: true,
    ...extra,
  } as JobPayload;
}

describe("keyRing", () => {
  it("seals the last argument into an envelope and opens it back", async () => {
    const ring = keyRing({ current: "k1", keys: { k1: KEY } });
    const payload = job(["plain", { secret: "canary-1" }]);
    await ring.seal(payload);
    expect(payload.args[0]).toBe("plain");
    expect(payload.args[1]).toMatch(/^edgekiq:v1:k1:[\w-]{16}:[\w-]+$/);
    expect(JSON.stringify(payload)).not.toContain("canary-1");
    expect(await ring.open(payload)).toEqual(["plain", { secret: "canary-1" }]);
  });

  it("two seals of the same value differ (a fresh IV each time)", async () => {
    const ring = keyRing({ current: "k1", keys: { k1: KEY } });
    const a = job(["same"]);
    const b = job(["same"]);
    await ring.seal(a);
    await ring.seal(b);
    expect(a.args[0]).not.toBe(b.args[0]);
  });

  it("binds class, queue, jid and mode: changing any one fails to open", async () => {
    const ring = keyRing({ current: "k1", keys: { k1: KEY } });
    const payload = job(["x", "secret"]);
    await ring.seal(payload);
    for (const change of [
      { class: "OtherJob" },
      { queue: "mailers" },
      { jid: "ffffffffffffffffffffffff" },
      { encrypt: "all" },
    ]) {
      const moved = { ...payload, ...change } as JobPayload;
      if (change.encrypt) moved.args = [payload.args[1]];
      await expect(ring.open(moved)).rejects.toThrow(EncryptionError);
    }
    // A retry_queue move is accepted when the worker names the queue it was pushed to.
    const retried = { ...payload, queue: "slow", retry_queue: "slow" } as JobPayload;
    await expect(ring.open(retried)).rejects.toThrow(EncryptionError);
    expect(await ring.open(retried, "default")).toEqual(["x", "secret"]);
  });

  it("refuses bad keys and ids without printing the key", () => {
    const short = btoa("too short but secret");
    const configs: KeyRingConfig[] = [
      { current: "k1", keys: { k1: short } },
      { current: "k2", keys: { k1: KEY } },
      { current: "bad:id", keys: { "bad:id": KEY } },
      { current: "k1", keys: { k1: "not base64 ***" } },
    ];
    for (const config of configs) {
      let error: unknown;
      try {
        keyRing(config);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).not.toContain(short);
      expect((error as Error).message).not.toContain(KEY);
    }
  });

  it("an envelope under an unknown key or with garbage says which, never the plaintext", async () => {
    const ring = keyRing({ current: "k1", keys: { k1: KEY } });
    const other = keyRing({ current: "k9", keys: { k9: OTHER } });
    const payload = job(["canary-2"]);
    await other.seal(payload);
    await expect(ring.open(payload)).rejects.toThrow(
      /key "k9", which is not in this worker's key ring \(k1\)/,
    );
    await expect(ring.open(job(["edgekiq:v1:k1:zz"]))).rejects.toThrow(/malformed/);
    await expect(ring.open(job(["canary-3"]))).rejects.toThrow(/found plain data/);
    try {
      await ring.open(job(["canary-3"]));
    } catch (err) {
      expect((err as Error).message).not.toContain("canary-3");
    }
  });

  it("parses key rings from text: JSON, or id:key pairs with the first current", async () => {
    const pairs = parseKeyRing(`k2:${OTHER},k1:${KEY}\n`, "EDGEKIQ_ENCRYPTION_KEYS");
    expect(pairs.current).toBe("k2");
    expect(pairs.ids).toEqual(["k2", "k1"]);
    const json = parseKeyRing(JSON.stringify({ current: "k1", keys: { k1: KEY, k2: OTHER } }), "x");
    expect(json.current).toBe("k1");
    expect(() => parseKeyRing("{nope", "EDGEKIQ_ENCRYPTION_KEYS")).toThrow(
      /^EDGEKIQ_ENCRYPTION_KEYS: not valid JSON$/,
    );
    expect(() => parseKeyRing("k1:c2VjcmV0LXZhbHVl", "EDGEKIQ_ENCRYPTION_KEYS")).toThrow(
      /EDGEKIQ_ENCRYPTION_KEYS: encryption: key "k1" must be 32 bytes/,
    );
    // Same keys, two rings: one seals, the other opens.
    const payload = job(["v"]);
    await pairs.seal(payload);
    expect(await json.open(payload)).toEqual(["v"]);
  });
});
