// One vitest run for the whole suite. The global setup provides a Redis (REDIS_URL, else a
// redis-server of our own on a free port); each test file takes its own database from it.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: runtimes, Ruby and Chromium tests are heavy; keep parallelism modest.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
