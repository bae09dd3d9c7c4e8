// The dependency direction is lint rules (biome.json `overrides`): runs the repository's own
// biome.json over probe files laid out like src/ in a temp directory, one import each, and checks
// that every import a layer must not make fails `biome check` with that layer's message, while the
// imports it may make pass. (biome.json cannot hold comments, so the why is here: src/ runs on every
// runtime, hence no Node built-ins, type-only imports being erased; each folder imports only the
// layers below it: runtimes -> worker -> core -> redis, web -> api -> core; the patterns start with
// `.*/` so that they match relative imports only, never packages such as "hono/...".)
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const BIOME = join(ROOT, "node_modules/.bin/biome");

/** [file the import is written in, the import, may it be made?] */
const CASES: [string, string, boolean][] = [
  ["src/core/a.ts", "../worker/worker", false],
  ["src/core/b.ts", "../api/stats", false],
  ["src/core/c.ts", "../web/dashboard", false],
  ["src/core/d.ts", "../bridge/bridge", false],
  ["src/core/e.ts", "../cli/main", false],
  ["src/core/f.ts", "../redis/types", true],
  ["src/redis/a.ts", "../worker", false],
  ["src/redis/b.ts", "../core/errors", true],
  ["src/worker/a.ts", "../api/queue", false],
  ["src/worker/b.ts", "../web/html", false],
  ["src/worker/c.ts", "../bridge/tokens", false],
  ["src/worker/d.ts", "../core/keys", true],
  ["src/worker/e.ts", "../redis/tcp", true],
  ["src/api/a.ts", "../worker/job-retry", false],
  ["src/api/b.ts", "../core/keys", true],
  ["src/web/a.ts", "../worker/logger", false],
  ["src/web/pages/b.ts", "../../bridge/bridge", false],
  ["src/web/pages/c.ts", "../../api/queue", true],
  ["src/web/d.ts", "../core/errors", true],
  ["src/web/e.ts", "hono", true],
  ["src/bridge/a.ts", "../api/stats", false],
  ["src/bridge/b.ts", "../redis/types", true],
  ["src/testing/a.ts", "../web/dashboard", false],
  ["src/cli/a.ts", "../worker/worker", true],
  ["src/cli/b.ts", "../web/dashboard", true],
  // The edge entry: nothing TCP-only, nothing from the server side.
  ["src/index.ts", "./redis/tcp", false],
];
/** The edge entry is one file: each of its probes gets a project of its own. */
const EDGE_ENTRY_PROBES: [string, string, boolean][] = [
  ["./worker/index", "worker", false],
  ["ioredis", "ioredis", false],
  ["./core/client", "client", true],
  ["./redis/rest", "rest", true],
];

const dir = mkdtempSync(join(tmpdir(), "edgekiq-boundaries-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Diagnostic {
  category: string;
  message: string;
  location: { path: string };
}

function biome(cwd: string): Promise<{ code: number; diagnostics: Diagnostic[] }> {
  return new Promise((done, fail) => {
    execFile(BIOME, ["check", "--reporter=json", "."], { cwd }, (err, stdout) => {
      try {
        const { diagnostics } = JSON.parse(stdout) as { diagnostics: Diagnostic[] };
        done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, diagnostics });
      } catch {
        fail(new Error(`biome printed no JSON report: ${err?.message}\n${stdout}`));
      }
    });
  });
}

/** A temp project with the repo's biome.json and one probe file per case. */
function project(name: string, cases: readonly [string, string, boolean][]): string {
  const root = join(dir, name);
  mkdirSync(root);
  copyFileSync(join(ROOT, "biome.json"), join(root, "biome.json"));
  for (const [file, spec] of cases) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), `export * from "${spec}";\n`);
  }
  return root;
}

describe("layer boundaries in biome.json", () => {
  it("fails each import a layer must not make, and passes the ones it may", async () => {
    const root = project("all", CASES);
    const { code, diagnostics } = await biome(root);
    const restricted = diagnostics.filter((d) => d.category === "lint/style/noRestrictedImports");
    const flagged = new Set(restricted.map((d) => d.location.path.replace(/\\/g, "/")));
    const wrong = CASES.filter(([file, , allowed]) => flagged.has(file) === allowed).map(
      ([file, spec, allowed]) =>
        `${file}: import "${spec}" should be ${allowed ? "allowed" : "refused"}`,
    );
    expect(wrong).toEqual([]);
    expect(code).not.toBe(0);
    // Each refusal says which rule of the direction it breaks.
    const message = (file: string) => restricted.find((d) => d.location.path === file)?.message;
    expect(message("src/core/a.ts")).toMatch(/never import worker\//);
    expect(message("src/worker/a.ts")).toMatch(/never depends on the admin API/);
    expect(message("src/web/a.ts")).toMatch(/only through api\//);
    expect(message("src/index.ts")).toMatch(/TCP adapter/);
  });

  it("keeps the edge entry free of the worker and of ioredis", async () => {
    for (const [spec, name, allowed] of EDGE_ENTRY_PROBES) {
      const { code, diagnostics } = await biome(
        project(`edge-${name}`, [["src/index.ts", spec, allowed]]),
      );
      const refused = diagnostics.some((d) => d.category === "lint/style/noRestrictedImports");
      expect({ spec, refused }).toEqual({ spec, refused: !allowed });
      expect(code === 0).toBe(allowed);
    }
  });

  it("refuses Node built-ins anywhere under src/, but not under runtimes/", async () => {
    const root = project("builtins", [
      ["src/web/a.ts", "node:fs", false],
      ["src/core/b.ts", "crypto", false],
      ["runtimes/node/c.ts", "node:fs", true],
    ]);
    const { diagnostics } = await biome(root);
    const builtin = diagnostics
      .filter((d) => d.category === "lint/correctness/noNodejsModules")
      .map((d) => d.location.path)
      .sort();
    expect(builtin).toEqual(["src/core/b.ts", "src/web/a.ts"]);
  });
});
