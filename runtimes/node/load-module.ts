// Loads the user's `-r` jobs file on Node: JavaScript natively, TypeScript through tsx's ESM
// loader (Node 20 cannot strip types itself). Bun and Deno load .ts natively.
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";

let tsxRegistered = false;

export async function loadModule(path: string, cwd: string): Promise<unknown> {
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  if (!existsSync(file)) throw new Error(`cannot find the jobs file ${path} (looked at ${file})`);
  if (/\.(ts|mts|cts|tsx)$/.test(file) && !tsxRegistered) {
    const { register } = await import("tsx/esm/api");
    register();
    tsxRegistered = true;
  }
  return import(pathToFileURL(file).href);
}
