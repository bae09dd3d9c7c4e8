// The documented ways to start the CLI from an installed package: `npx edgekiq`, `bunx --bun
// edgekiq` and `deno run -A ./node_modules/edgekiq/dist/cli.js`, in a project that depends on
// edgekiq (installed here as a link to this build, as `npm link` would).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { version } from "../../package.json";
import { CLI, ROOT } from "../helpers/cli";

let project: string;

beforeAll(() => {
  expect(CLI).toMatch(/dist\/cli\.js$/);
  project = mkdtempSync(join(tmpdir(), "edgekiq-app-"));
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "app", type: "module", dependencies: { edgekiq: "*" } }),
  );
  mkdirSync(join(project, "node_modules/.bin"), { recursive: true });
  symlinkSync(ROOT, join(project, "node_modules/edgekiq"));
  symlinkSync("../edgekiq/dist/cli.js", join(project, "node_modules/.bin/edgekiq"));
});

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(
      cmd,
      args,
      { cwd: project, timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } },
      (err, stdout, stderr) => {
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
      },
    );
  });
}

const bin = (name: string) => resolve(ROOT, "node_modules/.bin", name);

describe("the installed edgekiq binary", () => {
  it("npx edgekiq --help", async () => {
    const r = await run("npx", ["--no-install", "edgekiq", "--help"]);
    expect(r.out).toContain("Usage: edgekiq <command>");
    expect(r.code).toBe(0);
    const v = await run("npx", ["--no-install", "edgekiq", "--version"]);
    expect(v.out.trim()).toBe(`edgekiq ${version} (node)`);
  });

  it("bunx --bun edgekiq --help", async () => {
    const r = await run(bin("bunx"), ["--bun", "edgekiq", "--help"]);
    expect(r.out).toContain("Usage: edgekiq <command>");
    expect(r.code).toBe(0);
    const v = await run(bin("bunx"), ["--bun", "edgekiq", "--version"]);
    expect(v.out.trim()).toBe(`edgekiq ${version} (bun)`);
  });

  it("deno run -A ./node_modules/edgekiq/dist/cli.js --help", async () => {
    const r = await run(bin("deno"), [
      "run",
      "-A",
      "./node_modules/edgekiq/dist/cli.js",
      "worker",
      "--help",
    ]);
    expect(r.out).toContain("Usage: edgekiq worker");
    expect(r.code).toBe(0);
    const v = await run(bin("deno"), [
      "run",
      "-A",
      "./node_modules/edgekiq/dist/cli.js",
      "--version",
    ]);
    expect(v.out.trim()).toBe(`edgekiq ${version} (deno)`);
  });
});
