// The committed Lua module must match the .lua sources: regenerate in memory and compare, and
// recompute every sha1 the worker sends with EVALSHA.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED_FILE, generateScriptsModule, readScripts } from "../../../scripts/gen-scripts";
import * as scripts from "../../../src/redis/scripts/index.gen";

describe("src/redis/scripts/index.gen.ts", () => {
  it("is up to date with the .lua files (run `npm run gen`)", () => {
    expect(readFileSync(GENERATED_FILE, "utf8")).toBe(generateScriptsModule());
  });

  it("holds each script with its sha1 and key count", () => {
    const sources = readScripts();
    expect(sources.map((s) => s.name)).toEqual(
      expect.arrayContaining(["fetchBatch", "recoverOrphans", "enqueueDue"]),
    );
    for (const s of sources) {
      const mod = (scripts as Record<string, { lua: string; sha1: string; numberOfKeys: number }>)[
        s.name
      ]!;
      expect(mod.lua).toBe(s.lua);
      expect(mod.sha1).toBe(createHash("sha1").update(mod.lua).digest("hex"));
    }
    expect(scripts.recoverOrphans.numberOfKeys).toBe(4);
    expect(scripts.enqueueDue.numberOfKeys).toBe(3);
    expect(scripts.fetchBatch.numberOfKeys).toBe(-1);
  });
});
