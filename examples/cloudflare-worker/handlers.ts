// The worker side (Node, Bun or Deno, over TCP): what runs when a SendWelcome job arrives, and the
// periodic jobs the Worker's Cron Trigger enqueues (src/periodic.ts, queue "default").
//   REDIS_URL=redis://127.0.0.1:6379 npx edgekiq worker -r ./handlers.ts -q mailers -q default
// The default export maps Sidekiq class names to handlers.
export default {
  SendWelcome: async ([email]: [string], ctx: { jid: string }) => {
    console.log(`welcome mail to ${email} (jid ${ctx.jid})`);
  },
  CleanupJob: async () => {
    console.log("cleanup");
  },
  NightlyReport: async ([kind]: [string]) => {
    console.log(`${kind} report`);
  },
};
