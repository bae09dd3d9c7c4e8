/**
 * Shared by `edgekiq web` and `edgekiq bridge`: serve a fetch handler until TERM or INT, then
 * close the server and the Redis connection and exit 0. Serving starts at once (pages and the
 * bridge answer errors of their own while Redis is away), but settings Redis refuses at start
 * end the command with their one line (exit 2), as they do for the worker.
 */
import { isLoopbackHost } from "../core/host-allowlist";
import type { Logger } from "../worker/logger";
import type { CommandRedis } from "./common";
import type { CliRuntime, Served } from "./runtime";

export async function serveUntilStopped(
  rt: CliRuntime,
  served: Served,
  { redis, watch }: CommandRedis,
  logger: Logger,
  close: () => Promise<void> = async () => {},
): Promise<number> {
  let refused: unknown;
  // The handlers stay until the process exits: a second TERM while closing changes nothing.
  await new Promise<void>((resolve) => {
    rt.platform.onSignal("TERM", () => resolve());
    rt.platform.onSignal("INT", () => resolve());
    watch.ready.catch((err: unknown) => {
      refused = err;
      resolve();
    });
  });
  if (!refused) logger.info("stopping");
  await served.close();
  await close();
  watch.stop();
  redis.disconnect();
  if (refused) throw refused;
  return 0;
}

/** True for 127.0.0.0/8, ::1 and localhost: the only places an unauthenticated server may bind. */
export function isLoopback(host: string): boolean {
  return isLoopbackHost(host);
}
