// What `--help` points a user to exists where they have it: every file named in a command's help
// is in the published package (what `npm pack` would ship), and a section named beside it
// (`README.md, "The bridge"`) is a heading of that file.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { COMMANDS, mainHelp } from "../../src/cli/main";

const ROOT = resolve(import.meta.dirname, "../..");

const HELP: [string, string][] = [
  ["edgekiq --help", mainHelp()],
  ...Object.entries(COMMANDS).map(([name, c]): [string, string] => [
    `edgekiq ${name} --help`,
    c.help,
  ]),
];
const references = HELP.flatMap(([where, help]) =>
  [...help.matchAll(/([\w./-]+\.md)(?:, "([^"]+)")?/g)].map((m) => ({
    where,
    file: m[1]!,
    section: m[2],
  })),
);

it("finds the bridge's pointer to its token file format", () => {
  expect(references.map((r) => r.where)).toContain("edgekiq bridge --help");
});

it("points only to files the package ships, and to sections they have", () => {
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }),
  )[0].files.map((f: { path: string }) => f.path);
  const problems = references.flatMap(({ where, file, section }) => {
    if (!packed.includes(file)) return [`${where}: ${file} is not in the package`];
    const headings = readFileSync(join(ROOT, file), "utf8").match(/^#+ .*$/gm) ?? [];
    if (section && !headings.some((h) => h.replace(/^#+ /, "") === section)) {
      return [`${where}: ${file} has no section "${section}"`];
    }
    return [];
  });
  expect(problems).toEqual([]);
}, 60_000);
