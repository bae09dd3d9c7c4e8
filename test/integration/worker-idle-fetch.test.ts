// The idle path's round trips, counted on a real Redis: while every queue is blocked on (BLMOVE
// hands over the next job), a job that finishes triggers no fetch for its freed slot; its ack
// waits a few milliseconds for the fetch after the next delivery and otherwise goes alone.
import { describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { Keys } from "../../src/core/keys";
import { fetchBatch } from "../../src/redis/scripts/index.gen";
import { fromIoredis } from "../../src/redis/tcp";
import type { BlockingRedisClient } from "../../src/redis/types";
import { countingRedis } from "../helpers/counting-redis";
import { useTestRedis } from "../helpers/redis";
import { deferred, testWorker, waitFor } from "./worker-helpers";

const t = await useTestRedis();
const client = new Client({ redis: t.redis });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("idle fetch", () => {
  it("a job finishing while the queue is blocked on costs an ack, not a fetch", async () => {
    await t.flush();
    const inner = fromIoredis(t.redis);
    const counted = countingRedis(inner, true);
    const redis: BlockingRedisClient = {
      ...counted,
      blocking: (command, lane) => inner.blocking(command, lane),
      close: () => inner.close(),
    };
    const gate = deferred();
    const worker = testWorker(t.redis, { redis: redis as never, concurrency: 2 });
    worker.register("Gated", () => gate.promise);
    await worker.start();
    try {
      await client.push({ class: "Gated", args: [] });
      await waitFor(() => worker.busy === 1, { what: "job running" });
      await sleep(100); // the fetch after the delivery came back empty; BLMOVE waits again
      const fetchCalls = () =>
        counted.trips.filter(
          (r) => r.kind === "evalScript" && r.commands[0]![1] === fetchBatch.sha1,
        );
      const before = fetchCalls().length;

      gate.resolve();
      const inProgress = new Keys().inProgress(worker.identity, "default");
      await waitFor(async () => (await t.redis.llen(inProgress)) === 0, { what: "the ack" });
      await sleep(50);
      const after = fetchCalls().slice(before);
      expect(after).toHaveLength(1);
      // EVALSHA sha numkeys KEYS... n ackCount slot json: asks for no job, acknowledges one.
      const command = after[0]!.commands[0]!;
      const args = command.slice(3 + Number(command[2]));
      expect(args.slice(0, 2)).toEqual([0, 1]);
    } finally {
      await worker.stop();
      await inner.close();
    }
  });
});
