// One seconds-versus-milliseconds cutoff (core/clock isEpochMs) for every reader and writer of
// either unit: at the cutoff and one below it they all agree.
import { describe, expect, it } from "vitest";
import { requeuedPayload } from "../../../src/api/requeue";
import { Client } from "../../../src/core/client";
import { isEpochMs, timestampToMs } from "../../../src/core/clock";
import { dumpJob } from "../../../src/core/json";
import { FakeQueues } from "../../../src/testing/fake-queues";

const SECONDS = 1e11 - 1; // the year 5138: still seconds
const MS = 1e11; // 1973-03-03 in milliseconds

describe("isEpochMs", () => {
  it("splits at 1e11, so every real timestamp in either unit is far from the cutoff", () => {
    expect(isEpochMs(SECONDS)).toBe(false);
    expect(isEpochMs(MS)).toBe(true);
    expect(isEpochMs(1795917297.123)).toBe(false); // Sidekiq 6/7 seconds
    expect(isEpochMs(1795917297123)).toBe(true); // Sidekiq 8 milliseconds
  });

  it("readers and writers agree at the cutoff", async () => {
    expect(timestampToMs(SECONDS)).toBe(SECONDS * 1000);
    expect(timestampToMs(MS)).toBe(MS);

    expect(dumpJob({ created_at: SECONDS })).toBe(`{"created_at":${SECONDS}.0}`);
    expect(dumpJob({ created_at: MS })).toBe(`{"created_at":${MS}}`);

    const enqueuedAt = (createdAt: number) =>
      JSON.parse(
        requeuedPayload(`{"created_at":${createdAt}}`, 5_000.4, { decrementRetryCount: false })
          .payload,
      ).enqueued_at;
    expect(enqueuedAt(SECONDS)).toBe(5.0004);
    expect(enqueuedAt(MS)).toBe(5_000);

    const fake = new FakeQueues();
    const client = new Client({ redis: fake });
    await client.push({ class: "A", args: [], at: SECONDS });
    await client.push({ class: "B", args: [], at: MS });
    // `at` in ms is 1973: already due, so the client pushes it to its queue at once.
    expect(fake.scheduled().map((s) => [s.job.class, s.at])).toEqual([["A", SECONDS]]);
    expect(fake.queue("default").map((j) => j.class)).toEqual(["B"]);
  });
});
