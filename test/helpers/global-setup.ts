// Vitest global setup: the suite's Redis. REDIS_URL if set; else a redis-server of our own on a
// free port with many databases, so every test file gets a database to itself (see redis.ts).
// (A Docker Redis through testcontainers is not used: the CI machines run no Docker engine.)
import type { TestProject } from "vitest/node";
import { type RedisServerHandle, startRedisServer } from "./redis-server";

let server: RedisServerHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.REDIS_URL;
  if (!url) {
    server = await startRedisServer({ databases: 1000 });
    url = server.url;
  }
  project.provide("redisUrl", url);
  project.provide("redisDatabases", server ? 1000 : 16);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    redisDatabases: number;
  }
}
