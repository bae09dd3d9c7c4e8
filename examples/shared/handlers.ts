// The handlers every example worker registers. `Flaky` throws on its first attempt so the demo
// shows a retry; the retry is scheduled with Sidekiq's backoff (15-24 s for the first one), or
// sooner when the worker uses a `retryIn` hook, as the demo does.
import type { Worker } from "edgekiq/worker";
import { Flaky, Greet, Reminder } from "./jobs";

export function registerHandlers(worker: Worker, say: (line: string) => void = console.log): void {
  worker.register(Greet, async ([name, year], ctx) => {
    say(`Greet: hello ${name}, born ${year} (jid ${ctx.jid})`);
  });
  worker.register(
    Flaky,
    async ([note], ctx) => {
      if (ctx.retryCount === 0) throw new Error(`Flaky failed on purpose: ${note}`);
      say(`Flaky: succeeded on attempt ${ctx.retryCount + 1} (jid ${ctx.jid})`);
    },
    { retryIn: () => 1 },
  );
  worker.register(Reminder, async ([text], ctx) => {
    say(`Reminder: ${text} (jid ${ctx.jid})`);
  });
}
