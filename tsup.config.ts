// Build: one entry per public subpath. `scripts/check-exports.ts` fails the build when these
// entries and package.json's `exports` map differ.
import { defineConfig } from "tsup";

export const entries: Record<string, string> = {
  index: "src/index.ts",
  worker: "src/worker/index.ts",
  api: "src/api/index.ts",
  web: "src/web/index.ts",
  bridge: "src/bridge/index.ts",
};

export default defineConfig({
  entry: entries,
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "neutral",
  splitting: true,
  treeshake: true,
  external: ["ioredis", "@upstash/redis", "hono", "valibot", "tsx", /^node:/],
});
