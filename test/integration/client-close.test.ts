// `client.close()`: the client takes no push after it, and a connection the user passed in stays
// theirs, open, as BullMQ leaves a shared connection open (a worker or the rest of the app may be
// using the same ioredis instance).
import { Redis } from "ioredis";
import { expect, it } from "vitest";
import { Client, ConfigError, defineJob } from "../../src/index";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const Greet = defineJob({ name: "Greet", queue: "docs" });

it("leaves an ioredis connection passed in open and usable", async () => {
  const redis = t.connect();
  const client = new Client({ redis });
  await client.performAsync(Greet, "ada");
  await client.close();
  expect(redis.status).toBe("ready");
  expect(await redis.ping()).toBe("PONG");
  expect(await redis.llen("queue:docs")).toBe(1);
});

it("refuses every kind of push after close(), writing nothing", async () => {
  await t.flush();
  const redis = new Redis(t.url);
  const client = new Client({ redis });
  await client.close();
  await client.close(); // twice is fine
  const refused = /this Client was closed/;
  await expect(client.push({ class: "Greet", args: [] })).rejects.toThrow(refused);
  await expect(client.performAsync(Greet, "ada")).rejects.toBeInstanceOf(ConfigError);
  await expect(client.performIn(60, Greet, "ada")).rejects.toThrow(refused);
  await expect(client.performBulk(Greet, [["ada"], ["grace"]])).rejects.toThrow(refused);
  expect(await t.redis.keys("*")).toEqual([]);
  await redis.quit();
});

it("closes a REST client built from { url, token } without a request", async () => {
  // Nothing listens on port 1: any request would fail, so close() must not make one.
  const client = new Client({ redis: { url: "http://127.0.0.1:1", token: "t".repeat(32) } });
  await expect(client.close()).resolves.toBeUndefined();
  await expect(client.performAsync(Greet, "ada")).rejects.toThrow(/this Client was closed/);
});
