#!/usr/bin/env node
// The `edgekiq` binary. It only picks the entry of the runtime it was started with (npx -> Node,
// `bunx --bun` -> Bun, `deno run npm:edgekiq` -> Deno); the engine itself never checks.
const g = globalThis as { Bun?: unknown; Deno?: unknown };
if (g.Bun) await import("./bun/bin");
else if (g.Deno) await import("./deno/bin");
else await import("./node/bin");

export {};
