/**
 * @module edgekiq/bun — the Bun entry: the platform object for the worker and `serve` on Bun.serve.
 */
export { openRedis } from "../node/redis";
export { bunPlatform } from "./platform";
export { serveBun as serve } from "./serve";
