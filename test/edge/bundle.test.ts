// The `edgekiq` entry bundles for a neutral platform (Cloudflare Workers, Vercel Edge, browsers):
// no Node built-in is imported, no ioredis is pulled in, and its size stays within budget.
import { builtinModules } from "node:module";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

/** Budget for the minified + gzipped edge client: measured 6,414 B (REST adapter, push scripts
 * included), plus room for 9% growth before someone has to look. */
const BUDGET_GZIP_BYTES = 7_000;

describe("edge bundle of the edgekiq entry", () => {
  it("has no Node built-ins, no ioredis, and stays within its size budget", async () => {
    const result = await build({
      entryPoints: ["src/index.ts"],
      bundle: true,
      write: false,
      minify: true,
      format: "esm",
      platform: "neutral",
      conditions: ["workerd", "worker", "browser"],
      metafile: true,
      // Peers the user brings; marking them external shows whether our code imports them at all.
      external: ["@upstash/redis", "ioredis"],
      logLevel: "silent",
    });
    const imports = Object.values(result.metafile.inputs).flatMap((i) =>
      i.imports.map((x) => x.path),
    );
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect(imports.filter((p) => builtins.has(p) || p.startsWith("node:"))).toEqual([]);
    expect(imports.filter((p) => p.includes("ioredis"))).toEqual([]);
    expect(Object.keys(result.metafile.inputs).filter((p) => p.includes("node_modules"))).toEqual(
      [],
    );

    const code = result.outputFiles[0]!.contents;
    const gz = gzipSync(code).length;
    console.log(`edgekiq edge bundle: ${code.length} bytes min, ${gz} bytes min+gzip`);
    expect(gz).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  });

  it("fails for code that imports a Node built-in (the check can fail)", async () => {
    const attempt = build({
      stdin: {
        contents: 'import { readFileSync } from "fs"; export const x = readFileSync;',
        resolveDir: ".",
      },
      bundle: true,
      write: false,
      platform: "neutral",
      logLevel: "silent",
    });
    await expect(attempt).rejects.toThrow(/Could not resolve "fs"/);
  });
});
