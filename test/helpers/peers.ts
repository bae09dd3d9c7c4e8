// Finding the real peers the tests run against (Ruby Sidekiq, Chromium, Bun, Deno). Outside CI a
// missing peer skips its tests with a reason; under CI=true it fails them: nothing skips silently.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { it } from "vitest";

const cache = new Map<string, string | undefined>();

function probe(name: string, check: () => void): string | undefined {
  if (!cache.has(name)) {
    try {
      check();
      cache.set(name, undefined);
    } catch (err) {
      cache.set(name, `${name} is not available: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  return cache.get(name);
}

export const peers = {
  ruby: () =>
    probe("ruby-sidekiq", () =>
      execFileSync("ruby", ["-e", 'require "sidekiq"; require "sidekiq/api"'], { stdio: "pipe" }),
    ),
  prometheus: () =>
    probe("prometheus", () => {
      execFileSync("promtool", ["--version"], { stdio: "pipe" });
      execFileSync("prometheus", ["--version"], { stdio: "pipe" });
    }),
  chromium: () =>
    probe("chromium", () => {
      if (!existsSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"))
        throw new Error("no chromium binary");
    }),
};

/**
 * `it` when the peer is there; otherwise a skipped test outside CI, and under CI=true a test that
 * fails with the reason.
 */
export function itWith(peer: keyof typeof peers): typeof it {
  const missing = peers[peer]();
  if (!missing) return it;
  if (process.env.CI === "true") {
    return ((name: string) =>
      it(name, () => {
        throw new Error(missing);
      })) as unknown as typeof it;
  }
  // Outside CI: skipped, with the reason in the test's name and once on stderr.
  console.warn(`skipping tests that need ${peer}: ${missing}`);
  return ((name: string, ...rest: unknown[]) =>
    (it.skip as (...a: unknown[]) => void)(
      `${name} [skipped: ${missing}]`,
      ...rest,
    )) as unknown as typeof it;
}
