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
 * 3. A server that accepts the connection and never answers (a wrong port, a stuck proxy) raises
 *    no error at all: ioredis waits for its handshake reply forever. So a connection that is open
 *    but not ready after `STALL_MS` is reported too (#13 item 4), once, like an outage.
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

/** How long an open connection may go unanswered before it is reported. */
export const STALL_MS = 5000;

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
  let stallTimer: ReturnType<typeof setTimeout> | undefined;

  const down = (reason: string, advice: string) => {
    if (!logger) return;
    const now = Date.now();
    downSince ??= now;
    // One line when it goes down, then a reminder every 30 s while it stays down.
    if (now - lastWarn >= 30_000) {
      lastWarn = now;
      logger.warn(`cannot reach Redis at ${target.where} (${reason}); ${advice}`);
    }
  };
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
    const reason =
      (err as { code?: string; message?: string })?.code ?? (err as Error)?.message ?? String(err);
    down(reason, "retrying with backoff");
  };
  const onConnect = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(
      () => down(`connected, but no answer in ${STALL_MS / 1000}s`, "still waiting"),
      STALL_MS,
    );
  };
  const onReady = () => {
    clearTimeout(stallTimer);
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
    clearTimeout(stallTimer);
    settle?.reject(lastError ?? new Error("the connection was closed"));
    settle = undefined;
  };
  redis.on("error", onError);
  redis.on("connect", onConnect);
  redis.on("ready", onReady);
  redis.on("end", onEnd);
  return {
    ready,
    settingsError(err) {
      const refused = settingsErrorMessage(err, target);
      return refused ? new ConfigError(refused) : undefined;
    },
    stop() {
      clearTimeout(stallTimer);
      redis.off("error", onError);
      redis.off("connect", onConnect);
      redis.off("ready", onReady);
      redis.off("end", onEnd);
      redis.on("error", () => undefined);
    },
  };
}

/**
 * Resolves once Redis first answers, or after `timeoutMs`, whichever comes first (a refusal of
 * our settings is left to whoever awaits `watch.ready`).
 */
export async function readyWithin(watch: RedisWatch, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    watch.ready.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
