// Shared by the edge example tests: a bridge with an enqueue token served on loopback over
// node:http, an esbuild bundle of edge code for a neutral platform (as Wrangler and Vercel build
// it; `edgekiq` resolves to the source through tsconfig paths), and the Node built-ins check.
import { builtinModules } from "node:module";
import { build, type Metafile } from "esbuild";
import type { Redis } from "ioredis";
import { type Bridge, bridge } from "../../src/bridge";
import { type Served, serveFetch } from "./serve";

export const ENQUEUE_TOKEN = "edge-example-enqueue-token-0123456789";

export interface EdgeBridge {
  bridge: Bridge;
  served: Served;
  /** Every request the bridge answered: path and status. */
  log: { path: string; status: number }[];
  close(): Promise<void>;
}

export async function startEdgeBridge(redis: Redis, host = "127.0.0.1"): Promise<EdgeBridge> {
  const b = bridge({ redis, tokens: [{ name: "edge", token: ENQUEUE_TOKEN, scope: "enqueue" }] });
  const log: EdgeBridge["log"] = [];
  const served = await serveFetch(
    {
      fetch: async (request) => {
        const response = await b.fetch(request);
        log.push({ path: new URL(request.url).pathname, status: response.status });
        return response;
      },
    },
    { host },
  );
  return {
    bridge: b,
    served,
    log,
    close: async () => {
      await served.close();
      await b.close();
    },
  };
}

export interface EdgeBundle {
  code: string;
  metafile: Metafile;
}

export async function bundleForEdge(
  entry: { file: string } | { contents: string },
  options: {
    conditions: string[];
    format?: "esm" | "iife";
    /** For iife: the global the entry's exports land in. */
    globalName?: string;
    define?: Record<string, string>;
    external?: string[];
    minify?: boolean;
  },
): Promise<EdgeBundle> {
  const result = await build({
    ...("file" in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.contents, resolveDir: process.cwd(), loader: "ts" } }),
    bundle: true,
    write: false,
    format: options.format ?? "esm",
    ...(options.globalName ? { globalName: options.globalName } : {}),
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: options.conditions,
    define: options.define ?? {},
    external: options.external ?? [],
    minify: options.minify ?? false,
    metafile: true,
    target: "es2022",
    // The repository's tsconfig for every file: its paths map `edgekiq` to the source. (The
    // examples have tsconfigs of their own, for installs that bring edgekiq from node_modules.)
    tsconfig: "tsconfig.json",
    logLevel: "silent",
  });
  return { code: result.outputFiles[0]!.text, metafile: result.metafile };
}

/**
 * Third-party files that put bytes in the output. The output's inputs, not the metafile's: those
 * list every module parsed, also one that tree-shaking then drops whole (croner, behind an unused
 * `periodic`).
 */
export function shippedThirdParty(metafile: Metafile): string[] {
  const shipped = Object.values(metafile.outputs)[0]!.inputs;
  return Object.keys(shipped).filter(
    (p) => p.includes("node_modules") && shipped[p]!.bytesInOutput > 0,
  );
}

/** Every import in the bundle's inputs that is a Node built-in (should be none). */
export function nodeBuiltinImports(metafile: Metafile): string[] {
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  return Object.values(metafile.inputs)
    .flatMap((input) => input.imports.map((i) => i.path))
    .filter((p) => builtins.has(p) || p.startsWith("node:"));
}
