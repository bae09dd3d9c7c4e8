/**
 * @module edgekiq/deno — the Deno entry: the platform object for the worker and `serve` on Deno.serve.
 */
export { openRedis } from "../node/redis";
export { denoPlatform } from "./platform";
export { serveDeno as serve } from "./serve";
