// `edgekiq` under Bun (`bunx --bun edgekiq …`): Bun loads .ts jobs files natively.
import { appendFile, readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { main } from "../../src/cli/main";
import type { CliRedis } from "../../src/cli/runtime";
import { openRedis } from "../node/redis";
import { bunPlatform } from "./platform";
import { serveBun } from "./serve";

const cwd = process.cwd();
main(process.argv.slice(2), {
  name: "bun",
  platform: bunPlatform,
  env: process.env,
  cwd,
  parseArgs,
  stdout: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  openRedis: (options) => openRedis(options) as unknown as CliRedis,
  loadModule: (path) => import(pathToFileURL(isAbsolute(path) ? path : resolve(cwd, path)).href),
  readTextFile: (path) => readFile(resolve(cwd, path), "utf8"),
  serve: serveBun,
  appendTextFile: (path, text) => appendFile(resolve(cwd, path), text, "utf8"),
}).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
