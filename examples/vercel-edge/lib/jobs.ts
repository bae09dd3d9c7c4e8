// The job this example enqueues. A definition holds no handler, so it bundles for the edge; the
// worker (handlers.ts, on Node, Bun or Deno) registers the code that runs it.
import { defineJob } from "edgekiq";

export const SendWelcome = defineJob({
  name: "SendWelcome", // the Sidekiq class name: a Ruby worker could run it too
  queue: "mailers",
  retry: 5,
});
