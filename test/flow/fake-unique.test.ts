// edgekiq/testing with unique jobs: FakeQueues answers the unique push as Redis would (a
// duplicate refused while its lock lives, per job in a bulk push), with no Redis at all.
import { describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { defineJob } from "../../src/core/define-job";
import { uniqueJobs } from "../../src/core/unique";
import { FakeQueues } from "../../src/testing";

const Sync = defineJob({ name: "Sync", unique: { for: 60 } });

describe("FakeQueues and unique jobs", () => {
  it("refuses a duplicate while the lock lives, and forgets locks on clear()", async () => {
    const fake = new FakeQueues();
    const client = new Client({ redis: fake, unique: uniqueJobs });
    expect(await client.performAsync(Sync, 1)).toBeTruthy();
    expect(await client.performAsync(Sync, 1)).toBeNull();
    expect(await client.performBulk(Sync, [[1], [2], [2]])).toEqual([
      null,
      expect.any(String),
      null,
    ]);
    expect(fake.jobs(Sync).map((j) => j.args)).toEqual([[1], [2]]);
    expect(fake.jobs(Sync)[0]!.edgekiq_unique).toMatchObject({ until: "success" });
    fake.clear();
    expect(await client.performAsync(Sync, 1)).toBeTruthy();
  });
});
