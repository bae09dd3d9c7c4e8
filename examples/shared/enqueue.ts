// The client code every example shares: pushes one of each sample job. Run it with
// `npx tsx examples/shared/enqueue.ts` (REDIS_URL picks the Redis).

import { Client } from "edgekiq";
import { Redis } from "ioredis";
import { Flaky, Greet, Reminder } from "./jobs";

export async function enqueueSamples(client: Client): Promise<string[]> {
  const jids = [
    await client.performAsync(Greet, "Ada", 1815),
    await client.performAsync(Flaky, "fails once, then succeeds"),
    await client.performIn(2, Reminder, "two seconds later"),
  ];
  return jids.filter((j): j is string => j !== null);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const jids = await enqueueSamples(new Client({ redis }));
  console.log(`enqueued ${jids.length} jobs: ${jids.join(", ")}`);
  await redis.quit();
}
