// The engine imports nothing Node-only: bundling `src/worker/index.ts` for a neutral platform
// resolves no Node built-in and pulls in no package but valibot (Web-API-only; it checks the
// constructor options) and croner (Web-API-only; periodic entries' cron schedules). ioredis is a type-only import; runtime facts come through the Platform
// interface.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("edgekiq/worker", () => {
  it("bundles for a neutral platform with no Node built-ins and no packages", async () => {
    const entry = fileURLToPath(new URL("../../../src/worker/index.ts", import.meta.url));
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "neutral",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.includes("src/worker/worker.ts"))).toBe(true);
    const packages = inputs.filter((i) => i.includes("node_modules") || i.startsWith("node:"));
    expect(
      packages.filter(
        (i) => !i.includes("node_modules/valibot/") && !i.includes("node_modules/croner/"),
      ),
    ).toEqual([]);
    const imports = Object.values(result.metafile.outputs).flatMap((o) =>
      o.imports.map((i) => i.path),
    );
    expect(imports).toEqual([]);
  });
});
