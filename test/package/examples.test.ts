// The edge examples as a person uses them from a clone: a fresh copy of each example sits at
// examples/<name> under the package's own files (the packed tarball, unpacked: what `file:../..`
// points at in a clone once `npm run build` has run), and its README's commands run as written:
// `npm install`, `npm run typecheck`, `npm run build`, then `npm run bridge` and `npm run worker`,
// with a job pushed through the bridge (REST, an enqueue token) and run by the worker (TCP).
import { cpSync, lstatSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../../src/index";
import { ROOT } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";
import { type Background, npmInstall, ok, packTarball, start } from "./npm";

const t = await useTestRedis();
const dir = mkdtempSync(join(tmpdir(), "edgekiq-examples-"));
const TOKEN = "e".repeat(64);
const env = {
  ...process.env,
  NO_COLOR: "1",
  REDIS_URL: t.url,
  EDGEKIQ_BRIDGE_ENQUEUE_TOKEN: TOKEN,
  PORT: "0", // the bridge on a free port
  NEXT_TELEMETRY_DISABLED: "1",
  WRANGLER_SEND_METRICS: "false",
};
/** Where `file:../..` leads from each copied example: the package as packed. */
let packageDir: string;

beforeAll(async () => {
  const tarball = await packTarball(dir, env);
  await ok("tar", ["xzf", tarball, "-C", dir], dir, env);
  packageDir = join(dir, "package");
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const running: Background[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.kill();
});

/** [example, the file `npm run build` writes] */
const EXAMPLES: [string, string][] = [
  ["cloudflare-worker", "dist/index.js"],
  ["vercel-edge", ".next/BUILD_ID"],
];

describe.each(EXAMPLES)("examples/%s from a fresh copy", { timeout: 600_000 }, (name, built) => {
  let app: string;
  beforeAll(async () => {
    app = join(packageDir, "examples", name);
    cpSync(resolve(ROOT, "examples", name), app, {
      recursive: true,
      filter: (src) => !/[/\\](node_modules|\.next|\.wrangler|dist)$/.test(src),
    });
    await npmInstall(app, [], env);
  }, 600_000);

  it("installs edgekiq from the repository as a package (a copy, not a link)", () => {
    const installed = join(app, "node_modules/edgekiq");
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(lstatSync(join(installed, "dist/index.js")).isFile()).toBe(true);
  });

  it("npm run typecheck, npm run build", async () => {
    await ok("npm", ["run", "typecheck"], app, env, 300_000);
    await ok("npm", ["run", "build"], app, env, 500_000);
    expect(lstatSync(join(app, built)).isFile()).toBe(true);
  });

  it("npm run bridge and npm run worker: a job pushed through the bridge runs", async () => {
    const bridge = start("npm", ["run", "bridge"], app, env);
    running.push(bridge);
    await bridge.waitFor(["bridge on http://"]);
    const url = /bridge on (http:\/\/\S+);/.exec(bridge.output())![1]!;
    const worker = start("npm", ["run", "worker"], app, env);
    running.push(worker);

    const redis = new UpstashRedis({ url, token: TOKEN, automaticDeserialization: false });
    const client = new Client({ redis });
    const email = `${name}@example.com`;
    const jid = await client.push({ class: "SendWelcome", queue: "mailers", args: [email] });
    await worker.waitFor([`welcome mail to ${email} (jid ${jid})`]);
  });
});
