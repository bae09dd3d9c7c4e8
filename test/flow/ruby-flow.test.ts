// Flow control beside real Ruby Sidekiq 6.4, as docs/flow-control.md describes: a Ruby process
// runs our unique and expiring jobs like any other (our extra payload fields break nothing) and
// leaves the unique lock to its `for` expiry; Ruby ignores a pause that stops our workers.
import { beforeEach, describe, expect } from "vitest";
import { Queue } from "../../src/api/queue";
import { Client } from "../../src/core/client";
import { uniqueJobs } from "../../src/core/unique";
import { itWith } from "../helpers/peers";
import { useTestRedis } from "../helpers/redis";
import { startSidekiq, waitFor } from "../helpers/ruby";

const t = await useTestRedis();
const client = new Client({ redis: t.redis, unique: uniqueJobs });
const itRuby = itWith("ruby");
beforeEach(() => t.flush());

describe("flow control with Ruby Sidekiq 6.4", () => {
  itRuby(
    "Ruby runs our unique and expiring jobs, keeps no lock of its own, and ignores a pause",
    async () => {
      await new Queue("default", { redis: t.redis }).pause();
      const jid = await client.push({
        class: "RubyFlowJob",
        args: [1],
        unique: { for: 60 },
        expiresIn: 600,
      });
      expect(jid).toBeTruthy();
      const sidekiq = startSidekiq(
        `class RubyFlowJob
           include Sidekiq::Worker
           def perform(i)
             Sidekiq.redis { |r| r.rpush("ran", "ruby:#{i}") }
           end
         end`,
        t.url,
        ["-c", "2", "-q", "default"],
      );
      try {
        await waitFor(async () => (await t.redis.llen("ran")) === 1, 30_000, "Ruby ran the job");
      } finally {
        expect(await sidekiq.stop()).toBe(0);
      }
      expect(await t.redis.lrange("ran", 0, -1)).toEqual(["ruby:1"]);
      // Ruby does not release our lock: the same job is still refused until `for` runs out.
      expect(
        await client.push({ class: "RubyFlowJob", args: [1], unique: { for: 60 } }),
      ).toBeNull();
      expect(await t.redis.zcard("dead")).toBe(0);
      expect(await t.redis.zcard("retry")).toBe(0);
    },
    60_000,
  );
});
