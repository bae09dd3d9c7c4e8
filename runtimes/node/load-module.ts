// Loads the user's `-r` jobs file on Node: JavaScript natively, TypeScript through tsx (Node 20
// cannot strip types itself). `tsImport` is used rather than a global loader hook because it also
// loads a .ts file that sits in a CommonJS package (no "type": "module"), which the hook cannot.
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../../src/core/errors";

export async function loadModule(path: string, cwd: string): Promise<unknown> {
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  if (!existsSync(file)) {
    throw new ConfigError(`cannot find the jobs file ${path} (looked at ${file})`);
  }
  const url = pathToFileURL(file).href;
  if (!/\.(ts|mts|cts|tsx)$/.test(file)) return import(url);
  const { tsImport } = await import("tsx/esm/api");
  const mod = (await tsImport(url, import.meta.url)) as { default?: { __esModule?: boolean } };
  // A .ts file compiled as CommonJS arrives wrapped once more: { default: { __esModule, default } }.
  return mod.default?.__esModule ? mod.default : mod;
}
