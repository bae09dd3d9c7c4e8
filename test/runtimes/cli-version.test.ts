// `edgekiq --version` from the packed package (what `npm publish` would ship) prints the version in
// package.json: the build inlines that one field, not a copy that can drift, nor the whole file.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { version } from "../../package.json";
import { ROOT } from "../helpers/cli";

describe("edgekiq --version", () => {
  it("is package.json's version in the packed package", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgekiq-pack-"));
    const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const tarball = join(dir, out.trim().split("\n").at(-1)!);
    execFileSync("tar", ["-xzf", tarball, "-C", dir]);
    // The package's own dependencies, as an install would provide them.
    symlinkSync(join(ROOT, "node_modules"), join(dir, "package/node_modules"));
    const printed = execFileSync(
      process.execPath,
      [join(dir, "package/dist/cli.js"), "--version"],
      {
        encoding: "utf8",
      },
    );
    expect(printed.trim()).toBe(`edgekiq ${version} (node)`);
    const shipped = readdirSync(join(dir, "package/dist")).filter((f) => f.endsWith(".js"));
    for (const file of shipped) {
      expect(readFileSync(join(dir, "package/dist", file), "utf8")).not.toContain(
        "devDependencies",
      );
    }
  }, 60_000);
});
