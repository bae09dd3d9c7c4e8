// The edge examples and `edgekiq bridge` agree on the bridge's port: a reader who starts either one
// and follows the example's README reaches it at the URL the README gives.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/main";

const ROOT = resolve(import.meta.dirname, "../..");
const cliPort = /--port (\d+)/.exec(COMMANDS.bridge!.help)?.[1];
const examples = readdirSync(join(ROOT, "examples")).filter((name) =>
  readdirSync(join(ROOT, "examples", name)).includes("bridge.ts"),
);

it("reads the CLI's default port and finds the examples that serve a bridge", () => {
  expect(cliPort).toMatch(/^\d+$/);
  expect(examples.length).toBeGreaterThan(0);
});

it.each(examples)("examples/%s serves and documents the bridge on the CLI's port", (name) => {
  const source = readFileSync(join(ROOT, "examples", name, "bridge.ts"), "utf8");
  expect(/PORT \?\? (\d+)/.exec(source)?.[1]).toBe(cliPort);
  const readme = readFileSync(join(ROOT, "examples", name, "README.md"), "utf8");
  const urls = [...readme.matchAll(/(?:bridge on |REST_URL=)http:\/\/127\.0\.0\.1:(\d+)/g)];
  expect(urls.length).toBeGreaterThan(0);
  expect(urls.map((m) => m[1])).toEqual(urls.map(() => cliPort));
});
