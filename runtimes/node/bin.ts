#!/usr/bin/env node
// `edgekiq` on Node (and under `bunx`/`npx`): runs the CLI and exits with its code.
import { main } from "../../src/cli/main";
import { nodeCliRuntime } from "./cli-runtime";

main(process.argv.slice(2), nodeCliRuntime()).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
