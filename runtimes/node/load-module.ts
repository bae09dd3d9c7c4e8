// Loads the user's `-r` jobs file on Node. JavaScript is imported as is; TypeScript through Node's
// own type stripping where this Node has it (22.18+ and 23.6+ by default, 22.6+ with
// --experimental-strip-types), else through tsx when the project has installed it (an optional
// peer: Node 20 cannot strip types), else it fails with one line that says what to install.
// `tsImport` is used rather than a global loader hook because it also loads a .ts file that sits
// in a CommonJS package (no "type": "module"), which the hook cannot.
import { existsSync } from "node:fs";
import { extname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../../src/core/errors";
import { syntaxErrorAt } from "./syntax-check";

export async function loadModule(path: string, cwd: string): Promise<unknown> {
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  if (!existsSync(file)) {
    throw new ConfigError(`cannot find the jobs file ${path} (looked at ${file})`);
  }
  const url = pathToFileURL(file).href;
  const ext = extname(file);
  if (![".ts", ".mts", ".cts", ".tsx"].includes(ext)) return importLocated(url, file);
  // Node strips .ts, .mts and .cts itself; .tsx (JSX) always needs tsx.
  if (ext !== ".tsx" && nodeStripsTypes()) return importLocated(url, file, typeFlags());
  const tsx = await import("tsx/esm/api").catch(() => undefined);
  if (!tsx) {
    throw new ConfigError(
      `Node ${process.version} cannot load TypeScript by itself and tsx is not installed: ` +
        "npm install --save-dev tsx, or use Node 22.18+ (22.6+ with --experimental-strip-types), " +
        "Bun or Deno, or compile the jobs file to JavaScript",
    );
  }
  const mod = (await tsx.tsImport(url, import.meta.url)) as {
    default?: { __esModule?: boolean };
  };
  // A .ts file compiled as CommonJS arrives wrapped once more: { default: { __esModule, default } }.
  return mod.default?.__esModule ? mod.default : mod;
}

/** Whether this Node strips TypeScript types itself (`process.features.typescript`, 22.10+), or
 * was started with the flag that turns it on (22.6 to 22.9 have the flag but not the feature). */
function nodeStripsTypes(): boolean {
  if ((process.features as { typescript?: string | false }).typescript) return true;
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return flags.some((flag) => /^--experimental-(strip|transform)-types$/.test(flag));
}

/**
 * `import(url)`; a SyntaxError that names no place gets the place `node --check` finds in the
 * jobs file, as `at file:line:column` on its last line (the form Deno gives), for the CLI's
 * one-line message (src/cli/load-error.ts). One in a module the jobs file imports keeps its
 * message only.
 */
async function importLocated(url: string, file: string, flags: string[] = []): Promise<unknown> {
  try {
    return await import(url);
  } catch (err) {
    if (!(err instanceof SyntaxError) || (err.stack ?? "").includes(url)) throw err;
    const where = syntaxErrorAt(file, flags);
    if (!where) throw err;
    throw new ConfigError(`SyntaxError: ${err.message}\n    at ${where}`, { cause: err });
  }
}

/** The type-stripping flags this process was started with, for a `node --check` of a .ts file. */
function typeFlags(): string[] {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return flags.filter((flag) => /^--experimental-(strip|transform)-types$/.test(flag));
}
