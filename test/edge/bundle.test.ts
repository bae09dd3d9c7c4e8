// The `edgekiq` entry bundles for a neutral platform (Cloudflare Workers, Vercel Edge, browsers):
// no Node built-in is imported and no ioredis is pulled in, anywhere in the entry; and an app that
// imports only the client stays within budget, whatever other features the entry grows.
import { builtinModules } from "node:module";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { shippedThirdParty } from "../bridge/edge-harness";

/** Budget for the minified + gzipped client-only app: measured 5,576 B (client, job model, REST
 * adapter, push scripts), plus room for 7% growth before someone has to look. */
const BUDGET_GZIP_BYTES = 6_000;

/** Budget for the client-only app plus `keyRing`: measured 6,950 B (the key ring adds ~1.3 kB). */
const ENCRYPTING_BUDGET_GZIP_BYTES = 7_400;

async function bundle(contents: string) {
  return build({
    stdin: { contents, resolveDir: ".", loader: "ts" },
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
}

describe("edge bundle of the edgekiq entry", () => {
  it("has no Node built-ins and no ioredis anywhere in the entry", async () => {
    const result = await bundle('export * from "./src/index.ts";');
    const imports = Object.values(result.metafile.inputs).flatMap((i) =>
      i.imports.map((x) => x.path),
    );
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect(imports.filter((p) => builtins.has(p) || p.startsWith("node:"))).toEqual([]);
    expect(imports.filter((p) => p.includes("ioredis"))).toEqual([]);
    const gz = gzipSync(result.outputFiles[0]!.contents).length;
    console.log(`edgekiq whole edge entry: ${gz} bytes min+gzip`);
  });

  // What an edge producer ships: the client and job definitions. Features it does not import
  // (periodic tables, batches, ...) must tree-shake away, so this budget is what "a feature that
  // is off costs nothing" means for the edge.
  it("keeps a client-only edge app within its size budget, with no third-party code", async () => {
    const result = await bundle('export { Client, defineJob, fromUpstash } from "./src/index.ts";');
    expect(shippedThirdParty(result.metafile)).toEqual([]);
    const code = result.outputFiles[0]!.contents;
    const gz = gzipSync(code).length;
    console.log(`edgekiq client-only edge bundle: ${code.length} bytes min, ${gz} bytes min+gzip`);
    expect(gz).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  });

  // An app that encrypts arguments brings the key ring (AES-GCM through Web Crypto, no library):
  // its own budget, while the client-only app above pays nothing for it.
  it("keeps an encrypting edge app within its own budget, with no third-party code", async () => {
    const result = await bundle(
      'export { Client, defineJob, fromUpstash, keyRing } from "./src/index.ts";',
    );
    expect(shippedThirdParty(result.metafile)).toEqual([]);
    expect(Object.keys(result.metafile.inputs)).toContain("src/core/encryption.ts");
    const gz = gzipSync(result.outputFiles[0]!.contents).length;
    console.log(`edgekiq encrypting edge bundle: ${gz} bytes min+gzip`);
    expect(gz).toBeLessThanOrEqual(ENCRYPTING_BUDGET_GZIP_BYTES);
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
