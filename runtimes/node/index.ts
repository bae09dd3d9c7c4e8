/**
 * @module edgekiq/node — the Node entry: the platform object for the worker, `openRedis` for
 * ioredis from a URL, and `serve` for fetch handlers (dashboard, bridge) on node:http.
 */
export { parseRedisUrl, type RedisConnectionOptions } from "../../src/cli/redis-options";
export { nodePlatform } from "./platform";
export { openRedis } from "./redis";
export { serveNode as serve } from "./serve";
