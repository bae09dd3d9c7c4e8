/**
 * Bundles each Node child script (workers, producers, the bridge server) with esbuild into one
 * plain .mjs file under bench/results/.build, then runs it with `node`. Every Node system is
 * therefore measured the way a user runs it — compiled JavaScript, no TypeScript loader in the
 * process — and edgekiq is built from its sources, so the harness does not depend on `npm run
 * build`. Packages (ioredis, bullmq, @upstash/redis) stay external and load from node_modules.
 * A baseline (`--baseline`) is bundled the same way from its own checkout's bench/ directory; its
 * output also lands here, so its packages load from this repository's node_modules too.
 */
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const BUILD_DIR = join(BENCH_DIR, "results", ".build");

/**
 * Builds `<benchDir>/<entry>` (default: this bench/) to a runnable .mjs, its name prefixed with
 * `tag` when given (a baseline's children beside today's); rejects with esbuild's message if it
 * cannot.
 */
export async function bundle(entry: string, benchDir = BENCH_DIR, tag?: string): Promise<string> {
  mkdirSync(BUILD_DIR, { recursive: true });
  const name = `${tag ? `${tag}-` : ""}${entry.replace(/[/\\]/g, "-").replace(/\.ts$/, "")}`;
  const outfile = join(BUILD_DIR, `${name}.mjs`);
  try {
    await build({
      entryPoints: [join(benchDir, entry)],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      logLevel: "silent",
    });
  } catch (err) {
    const e = err as { errors?: { text: string; location?: { file: string } | null }[] };
    const first = e.errors?.[0];
    throw new Error(
      first
        ? `cannot build ${entry}: ${first.text}${first.location ? ` (${first.location.file})` : ""}`
        : `cannot build ${entry}: ${(err as Error).message}`,
    );
  }
  return outfile;
}
