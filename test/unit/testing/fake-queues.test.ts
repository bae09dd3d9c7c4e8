import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { Client } from "../../../src/core/client";
import { defineJob } from "../../../src/core/define-job";
import { keyRing } from "../../../src/core/encryption";
import { FakeQueues, inline } from "../../../src/testing/fake-queues";

const Welcome = defineJob({
  name: "Welcome",
  queue: "mail",
  args: v.tuple([v.string(), v.number()]),
});

describe("FakeQueues (fake mode)", () => {
  it("stores encrypted jobs sealed, and drain opens them with the key ring it is given", async () => {
    const Secret = defineJob({ name: "Secret", encrypt: true, args: v.tuple([v.string()]) });
    const ring = keyRing({ current: "t", keys: { t: new Uint8Array(32).fill(5) } });
    const fake = new FakeQueues();
    const client = new Client({ redis: fake, encryption: ring });
    await client.performAsync(Secret, "canary-fake");
    expect(fake.raw()[0]).toMatch(/"args":\["edgekiq:v1:t:/);
    expect(fake.raw()[0]).not.toContain("canary-fake");
    const seen: unknown[] = [];
    await fake.drain([[Secret, (args: unknown) => seen.push(args)]], { encryption: ring });
    expect(seen).toEqual([["canary-fake"]]);
  });

  it("keeps pushed jobs as the exact JSON Redis would hold, by class, queue and schedule", async () => {
    const fake = new FakeQueues();
    const client = new Client({ redis: fake });
    const jid = await client.performAsync(Welcome, "ada@example.com", 1);
    await client.push({ class: "Other", args: [true] });
    await client.performIn(60, Welcome, "later@example.com", 2);
    expect(fake.jobs()).toHaveLength(3);
    expect(fake.jobs(Welcome).map((j) => j.args)).toEqual([
      ["ada@example.com", 1],
      ["later@example.com", 2],
    ]);
    expect(fake.queue("mail")).toMatchObject([{ jid, class: "Welcome", queue: "mail" }]);
    expect(fake.queue("default")[0]!.class).toBe("Other");
    const [scheduled] = fake.scheduled();
    expect(scheduled!.at).toBeGreaterThan(Date.now() / 1000 + 50);
    expect("enqueued_at" in scheduled!.job).toBe(false);
    expect(fake.raw()[0]).toMatch(
      /^\{"retry":true,"queue":"mail","args":\["ada@example\.com",1\],"class":"Welcome","jid":"[0-9a-f]{24}","created_at":\d+\.\d+,"enqueued_at":\d+\.\d+\}$/,
    );
    fake.clear();
    expect(fake.jobs()).toEqual([]);
  });

  it("drains through handlers, including jobs pushed while draining, and validates typed args", async () => {
    const fake = new FakeQueues();
    const client = new Client({ redis: fake });
    await client.performAsync(Welcome, "a@b.co", 1);
    const seen: unknown[] = [];
    const ran = await fake.drain([
      [
        Welcome,
        async (args: [string, number]) => {
          seen.push(args);
          if (args[1] === 1) await client.push({ class: "Followup", args: [args[0]] });
        },
      ],
      ["Followup", (args: unknown[]) => void seen.push(["followup", ...args])],
    ]);
    expect(ran).toBe(2);
    expect(seen).toEqual([
      ["a@b.co", 1],
      ["followup", "a@b.co"],
    ]);
    expect(fake.jobs()).toEqual([]);
  });

  it("rejects a job without a handler and keeps the rest", async () => {
    const fake = new FakeQueues();
    const client = new Client({ redis: fake });
    await client.push({ class: "Nobody", args: [] });
    await client.push({ class: "Later", args: [] });
    await expect(fake.drain({})).rejects.toThrow(/no handler for job class "Nobody"/);
    expect(fake.jobs().map((j) => j.class)).toEqual(["Later"]);
  });
});

describe("inline mode", () => {
  it("runs each job as it is pushed, and a handler's error reaches the caller", async () => {
    const ran: string[] = [];
    const client = new Client({
      redis: inline({
        Welcome: (args: [string, number], ctx) => void ran.push(`${args[0]}:${ctx.queue}`),
        Boom: () => {
          throw new Error("boom");
        },
      }),
    });
    await client.performAsync(Welcome, "x@y.z", 3);
    expect(ran).toEqual(["x@y.z:mail"]);
    await expect(client.push({ class: "Boom", args: [] })).rejects.toThrow("boom");
  });
});
