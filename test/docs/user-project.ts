// A throwaway directory laid out like a user's project with edgekiq installed, so code copied out
// of the docs runs the way it would for them: `node_modules/edgekiq` is this repository (its
// package.json exports, so the built dist/), `node_modules/.bin/edgekiq` its CLI, and every other
// package a link into this repository's node_modules.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface UserProject {
  dir: string;
  /** Writes a file under the project and returns its absolute path. */
  write(path: string, text: string): string;
  remove(): void;
}

export function createUserProject(root: string): UserProject {
  const dir = mkdtempSync(join(tmpdir(), "edgekiq-docs-"));
  const modules = join(dir, "node_modules");
  mkdirSync(join(modules, ".bin"), { recursive: true });
  for (const name of readdirSync(join(root, "node_modules"))) {
    if (name !== ".bin") symlinkSync(join(root, "node_modules", name), join(modules, name));
  }
  symlinkSync(root, join(modules, "edgekiq"));
  symlinkSync("../edgekiq/dist/cli.js", join(modules, ".bin", "edgekiq"));
  writeFileSync(join(dir, "package.json"), '{ "type": "module", "private": true }\n');
  return {
    dir,
    write(path, text) {
      const file = join(dir, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
