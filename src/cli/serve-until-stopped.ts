/**
 * Shared by `edgekiq web` and `edgekiq bridge`: serve a fetch handler until TERM or INT, then
 * close the server and the Redis connection and exit 0.
 */
import { isLoopbackHost } from "../core/host-allowlist";
import type { Logger } from "../worker/logger";
import type { CliRedis, CliRuntime, Served } from "./runtime";

export async function serveUntilStopped(
  rt: CliRuntime,
  served: Served,
  redis: CliRedis,
  logger: Logger,
  close: () => Promise<void> = async () => {},
): Promise<number> {
  // The handlers stay until the process exits: a second TERM while closing changes nothing.
  await new Promise<void>((resolve) => {
    rt.platform.onSignal("TERM", () => resolve());
    rt.platform.onSignal("INT", () => resolve());
  });
  logger.info("stopping");
  await served.close();
  await close();
  redis.disconnect();
  return 0;
}

/** True for 127.0.0.0/8, ::1 and localhost: the only places an unauthenticated server may bind. */
export function isLoopback(host: string): boolean {
  return isLoopbackHost(host);
}
