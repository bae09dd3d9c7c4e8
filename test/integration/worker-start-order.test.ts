// Start order on a real Redis: the first heartbeat writes the process hash before the in-progress
// lists are registered (another worker's orphan check takes the lists of a process without a
// hash). A Redis that refuses that write (here an ACL user that may not HSET, on a redis-server
// of this file's own) makes start() reject, with nothing registered, instead of logging
// "Heartbeat error" and going on.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keys } from "../../src/core/keys";
import { type RedisServerHandle, startRedisServer } from "../helpers/redis-server";
import { testWorker } from "./worker-helpers";

let server: RedisServerHandle;
let admin: Redis;
const connections: Redis[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url);
  await admin.call("acl", "setuser", "nohash", "on", ">nohash-pw", "~*", "&*", "+@all", "-hset");
});

afterAll(async () => {
  await Promise.all([admin, ...connections].map((r) => r.quit().catch(() => undefined)));
  await server.stop();
});

function connect(user?: string): Redis {
  const auth = user ? `${user}:${user}-pw@` : "";
  const r = new Redis(`redis://${auth}127.0.0.1:${server.port}`);
  connections.push(r);
  return r;
}

describe("worker start order", () => {
  it("rejects when the first heartbeat cannot be written, and registers no in-progress list", async () => {
    await admin.flushall();
    const worker = testWorker(connect("nohash"), { queues: ["default"] });
    await expect(worker.start()).rejects.toThrow(/NOPERM|EXECABORT/);
    const keys = new Keys();
    expect(await admin.smembers(keys.inProgressIndex)).toEqual([]);
    expect(await admin.smembers(keys.processes)).toEqual([]);
    expect(await admin.exists(keys.process(worker.identity))).toBe(0);
  });

  it("with the write allowed, the same start writes the hash and registers the lists", async () => {
    await admin.flushall();
    const worker = testWorker(connect(), { queues: ["default"] });
    await worker.start();
    const keys = new Keys();
    expect(await admin.exists(keys.process(worker.identity))).toBe(1);
    expect(await admin.smembers(keys.inProgressIndex)).toEqual([
      expect.stringContaining(worker.identity),
    ]);
  });
});
