// The one hex/base64/digest/compare module, checked against Node's own encoders.
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  digestHex,
  equalBytes,
  fromBase64,
  fromHex,
  randomHex,
  toBase64,
  toBase64Url,
  toHex,
} from "../../../src/core/bytes";

const all = Uint8Array.from({ length: 256 }, (_, i) => i);

describe("core/bytes", () => {
  it("hex: every byte value, a sub-range, and back", () => {
    expect(toHex(all)).toBe(Buffer.from(all).toString("hex"));
    expect(toHex(all, 254, 256)).toBe("feff");
    expect(fromHex(toHex(all))).toEqual(all);
    expect(randomHex(12)).toMatch(/^[0-9a-f]{24}$/);
    expect(randomHex(6)).not.toBe(randomHex(6));
  });

  it("base64: standard and URL-safe, also past the chunk size", () => {
    const big = new Uint8Array(randomBytes(0x8000 * 2 + 7));
    for (const bytes of [all, big, new Uint8Array(0)]) {
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
      expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString("base64url"));
      expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    }
    expect(() => fromBase64("not base64!")).toThrow();
  });

  it("digests as hex", async () => {
    expect(await digestHex("SHA-256", "abc ü")).toBe(
      createHash("sha256").update("abc ü").digest("hex"),
    );
    expect(await digestHex("SHA-1", "return 1")).toBe(
      createHash("sha1").update("return 1").digest("hex"),
    );
  });

  it("equalBytes: equal, one bit off at either end, different lengths", () => {
    const a = Uint8Array.from([1, 2, 3, 4]);
    expect(equalBytes(a, Uint8Array.from([1, 2, 3, 4]))).toBe(true);
    expect(equalBytes(a, Uint8Array.from([0, 2, 3, 4]))).toBe(false);
    expect(equalBytes(a, Uint8Array.from([1, 2, 3, 5]))).toBe(false);
    expect(equalBytes(a, Uint8Array.from([1, 2, 3]))).toBe(false);
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});
