// The CLI's runtime on Node: stdout/stderr, env, ioredis, .ts jobs files (load-module.ts), node:http.
import { appendFile, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { CliRedis, CliRuntime } from "../../src/cli/runtime";
import { loadModule } from "./load-module";
import { nodePlatform } from "./platform";
import { openRedis } from "./redis";
import { serveNode } from "./serve";

export function nodeCliRuntime(name = "node"): CliRuntime {
  return {
    name,
    platform: nodePlatform,
    env: process.env,
    cwd: process.cwd(),
    parseArgs,
    stdout: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
    openRedis: (options) => openRedis(options) as unknown as CliRedis,
    loadModule: (path) => loadModule(path, process.cwd()),
    readTextFile: (path) => readFile(resolve(process.cwd(), path), "utf8"),
    serve: serveNode,
    appendTextFile: (path, text) => appendFile(resolve(process.cwd(), path), text, "utf8"),
  };
}
