// `edgekiq` under Deno (`deno run -A npm:edgekiq …`): Deno loads .ts jobs files natively; ioredis
// and `node:util` `parseArgs` run through Deno's Node compatibility.
import { parseArgs } from "node:util";
import { main } from "../../src/cli/main";
import type { CliRedis } from "../../src/cli/runtime";
import { openRedis } from "../node/redis";
import { Deno } from "./deno";
import { denoPlatform } from "./platform";
import { serveDeno } from "./serve";

const encoder = new TextEncoder();
const line = (text: string) => encoder.encode(text.endsWith("\n") ? text : `${text}\n`);
const cwd = Deno.cwd();
const resolvePath = (path: string) => (path.startsWith("/") ? path : `${cwd}/${path}`);

main(Deno.args, {
  name: "deno",
  platform: denoPlatform,
  env: Deno.env.toObject(),
  cwd,
  parseArgs,
  stdout: (text) => void Deno.stdout.writeSync(line(text)),
  stderr: (text) => void Deno.stderr.writeSync(line(text)),
  openRedis: (options) => openRedis(options) as unknown as CliRedis,
  loadModule: (path) => import(new URL(`file://${resolvePath(path)}`).href),
  readTextFile: (path) => Deno.readTextFile(resolvePath(path)),
  serve: serveDeno,
  appendTextFile: (path, text) => Deno.writeTextFile(resolvePath(path), text, { append: true }),
}).then(
  (code) => Deno.exit(code),
  (err) => {
    console.error(err);
    Deno.exit(1);
  },
);
