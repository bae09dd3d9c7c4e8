// Build: one entry per public subpath. `scripts/check-exports.ts` fails the build when these
// entries and package.json's `exports` map differ; `binEntries` are the `bin` files.
import { defineConfig } from "tsup";

export const entries: Record<string, string> = {
  node: "runtimes/node/index.ts",
  bun: "runtimes/bun/index.ts",
  deno: "runtimes/deno/index.ts",
  index: "src/index.ts",
  testing: "src/testing/index.ts",
  worker: "src/worker/index.ts",
  api: "src/api/index.ts",
  web: "src/web/index.ts",
  bridge: "src/bridge/index.ts",
  otel: "src/otel/index.ts",
};

/** Built files that are package.json `bin` targets, not exports. */
export const binEntries: Record<string, string> = {
  cli: "runtimes/cli.ts",
};

export default defineConfig({
  entry: { ...entries, ...binEntries },
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "neutral",
  splitting: true,
  treeshake: true,
  external: ["ioredis", "@upstash/redis", "@opentelemetry/api", "hono", "valibot", "tsx", /^node:/],
});
