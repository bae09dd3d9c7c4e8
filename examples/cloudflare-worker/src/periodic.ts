// The periodic table: which jobs run when. Edge-safe, so the Worker's Cron Trigger ticks it with
// `cronTick`, and a worker process can tick the same table (`export { periodic }` from its jobs
// file): each tick is enqueued once, whoever gets there first.
import { periodic } from "edgekiq";

export const table = [
  // Every five minutes (UTC).
  periodic("cleanup", "*/5 * * * *", "CleanupJob"),
  // Every day at 02:30 Berlin time (03:00 on the spring DST day, once on the autumn one).
  periodic("nightly-report", "30 2 * * *", "NightlyReport", ["daily"], { tz: "Europe/Berlin" }),
];
