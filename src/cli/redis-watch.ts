/**
 * Watches a CLI command's Redis connection:
 *
 * 1. `ready` settles once, at start: it resolves when Redis first answers with our settings, and
 *    rejects with a ConfigError when Redis refuses them (redis-settings.ts). The connection is
 *    closed inside the error event itself, before ioredis can declare it ready and send queued
 *    commands to database 0. It also rejects when the client gives up (fail-fast commands). A
 *    user without a permission we need passes the handshake; `settingsError` finds it in the
 *    reply to the first command that needs it.
 * 2. With a logger, outages become log lines a person can act on: one warning when Redis becomes
 *    unreachable (with the reason and the backoff), one line when it is back. No stack traces, no
 *    line per retry.
 */
import { ConfigError } from "../core/errors";
import type { Logger } from "../worker/logger";
import { type RedisTarget, settingsErrorMessage } from "./redis-settings";
import type { CliRedis } from "./runtime";

export interface RedisWatch {
  ready: Promise<void>;
  /** The ConfigError to end with when a command's reply refuses our settings (NOPERM), if it does. */
  settingsError(err: unknown): ConfigError | undefined;
  /** Stops watching; a no-op error listener stays (an emitter without one throws on errors). */
  stop(): void;
}

export function watchRedis(redis: CliRedis, target: RedisTarget, logger?: Logger): RedisWatch {
  let settle: { resolve(): void; reject(err: unknown): void } | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Callers await `ready` when they get to it; a rejection before then is not "unhandled".
  ready.catch(() => undefined);
  let lastError: unknown;
  let downSince: number | undefined;
  let lastWarn = 0;

  const onError = (err: unknown) => {
    if (settle) {
      const refused = settingsErrorMessage(err, target);
      if (refused) {
        redis.disconnect();
        settle.reject(new ConfigError(refused));
        settle = undefined;
        return;
      }
    }
    lastError = err;
    if (!logger) return;
    const now = Date.now();
    const reason =
      (err as { code?: string; message?: string })?.code ?? (err as Error)?.message ?? String(err);
    downSince ??= now;
    // One line when it goes down, then a reminder every 30 s while it stays down.
    if (now - lastWarn >= 30_000) {
      lastWarn = now;
      logger.warn(`cannot reach Redis at ${target.where} (${reason}); retrying with backoff`);
    }
  };
  const onReady = () => {
    settle?.resolve();
    settle = undefined;
    if (downSince !== undefined) {
      logger?.info(
        `Redis at ${target.where} is reachable again after ${Math.round((Date.now() - downSince) / 1000)}s`,
      );
    }
    downSince = undefined;
    lastWarn = 0;
  };
  const onEnd = () => {
    settle?.reject(lastError ?? new Error("the connection was closed"));
    settle = undefined;
  };
  redis.on("error", onError);
  redis.on("ready", onReady);
  redis.on("end", onEnd);
  return {
    ready,
    settingsError(err) {
      const refused = settingsErrorMessage(err, target);
      return refused ? new ConfigError(refused) : undefined;
    },
    stop() {
      redis.off("error", onError);
      redis.off("ready", onReady);
      redis.off("end", onEnd);
      redis.on("error", () => undefined);
    },
  };
}
