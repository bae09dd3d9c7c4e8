/**
 * Turns ioredis connection events into log lines a person can act on: one warning when Redis
 * becomes unreachable (with the reason and the backoff), one line when it is back. No stack traces,
 * no line per retry.
 */
import type { Logger } from "../worker/logger";
import type { CliRedis } from "./runtime";

export function watchRedis(redis: CliRedis, where: string, logger: Logger): () => void {
  let downSince: number | undefined;
  let lastWarn = 0;
  const onError = (err: unknown) => {
    const now = Date.now();
    const reason =
      (err as { code?: string; message?: string })?.code ?? (err as Error)?.message ?? String(err);
    if (downSince === undefined) downSince = now;
    // One line when it goes down, then a reminder every 30 s while it stays down.
    if (now - lastWarn >= 30_000) {
      lastWarn = now;
      logger.warn(`cannot reach Redis at ${where} (${reason}); retrying with backoff`);
    }
  };
  const onReady = () => {
    if (downSince !== undefined) {
      logger.info(
        `Redis at ${where} is reachable again after ${Math.round((Date.now() - downSince) / 1000)}s`,
      );
    }
    downSince = undefined;
    lastWarn = 0;
  };
  redis.on("error", onError);
  redis.on("ready", onReady);
  return () => {
    const r = redis as unknown as { off?: (e: string, f: unknown) => void };
    r.off?.("error", onError);
    r.off?.("ready", onReady);
    // Keep a no-op error listener: an EventEmitter without one would throw on the next error.
    redis.on("error", () => undefined);
  };
}
