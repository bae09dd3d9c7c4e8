// Job definitions shared by every example: edge code, enqueue scripts and workers all import
// these. A definition holds no handler, so this file is safe to bundle for the edge.
import { defineJob } from "edgekiq";
import * as v from "valibot";

/** Sends a greeting; the arguments are checked before anything is pushed. */
export const Greet = defineJob({
  name: "Greet",
  queue: "default",
  args: v.tuple([v.string(), v.number()]),
});

/** Fails on its first attempts to show retries (the worker retries it with Sidekiq's backoff). */
export const Flaky = defineJob({
  name: "Flaky",
  retry: 3,
  args: v.tuple([v.string()]),
});

/** Runs later: enqueued with performIn. */
export const Reminder = defineJob({
  name: "Reminder",
  queue: "default",
  args: v.tuple([v.string()]),
});
