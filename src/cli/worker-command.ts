/**
 * `edgekiq worker -r ./jobs.ts [-q name[,weight]]... [-c N] [-t seconds] [--redis URL] [-g tag]`
 *
 * 1. Settings: flags, then the optional config file, then `REDIS_URL`, then defaults.
 * 2. Loads the jobs module: its default export maps class names to handlers, or is a function
 *    that registers handlers on the worker; a named `periodic` export lists the periodic entries
 *    the worker ticks.
 * 3. Runs the worker until TERM/INT (or a remote TERM from the Web UI), then exits 0 after the
 *    worker has requeued what it could not finish. TSTP quiets, TTIN prints the running jobs.
 * An unreachable Redis is reported in one line and retried with backoff, never a stack trace;
 * settings Redis refuses (a password, a database) end the command at start in one line, exit 2.
 */
import * as v from "valibot";
import { oneOf } from "../core/config-check";
import { type KeyRing, parseKeyRing } from "../core/encryption";
import { ConfigError } from "../core/errors";
import type { PeriodicEntry } from "../core/periodic/entry";
import { createLogger, type Logger } from "../worker/logger";
import type { JobHandler, RegisterOptions } from "../worker/types";
import { Worker } from "../worker/worker";
import { type FlagSpec, helpText, wholeNumber } from "./args";
import { HELP_FLAG, NAMESPACE_FLAG, openCommandRedis, parseCommand, REDIS_FLAG } from "./common";
import { type FileConfig, LOG_FORMAT, LOG_LEVEL, parseConfigFile } from "./config-file";
import { describeLoadError } from "./load-error";
import type { RedisWatch } from "./redis-watch";
import type { CliRuntime } from "./runtime";

export const WORKER_FLAGS = {
  require: {
    type: "string",
    short: "r",
    placeholder: "FILE",
    description: "jobs module (.ts or .js) to load",
  },
  queue: {
    type: "string",
    short: "q",
    multiple: true,
    placeholder: "NAME[,WEIGHT]",
    description: "queue to work, repeatable (default: default)",
  },
  concurrency: {
    type: "string",
    short: "c",
    placeholder: "N",
    description: "jobs run at once (default 10)",
    schema: wholeNumber("a whole number of at least 1", 1),
  },
  timeout: {
    type: "string",
    short: "t",
    placeholder: "SECONDS",
    description: "shutdown timeout (default 25)",
    schema: wholeNumber("a whole number of seconds, 0 or more", 0),
  },
  redis: REDIS_FLAG,
  tag: {
    type: "string",
    short: "g",
    placeholder: "TAG",
    description: "tag shown next to this process in the Web UI",
  },
  config: {
    type: "string",
    short: "C",
    placeholder: "FILE",
    description: "JSON config file (Sentinel, labels, …)",
  },
  "log-level": {
    type: "string",
    placeholder: "LEVEL",
    description: "debug, info (default), warn or error",
    schema: LOG_LEVEL,
  },
  "log-format": {
    type: "string",
    placeholder: "FORMAT",
    description: "human (default) or json",
    schema: LOG_FORMAT,
  },
  "log-args": { type: "boolean", description: "include job arguments in log lines" },
  "sidekiq-version": {
    type: "string",
    placeholder: "6|7",
    description: "Sidekiq generation that reads our heartbeat (default 7)",
    schema: v.pipe(
      oneOf(["6", "7"]),
      v.transform((x) => (x === "6" ? 6 : 7)),
    ),
  },
  namespace: NAMESPACE_FLAG,
  "metrics-port": {
    type: "string",
    placeholder: "PORT",
    description: "serve Prometheus metrics at /metrics on this port (0 picks a free one)",
    schema: wholeNumber("a whole number from 0 to 65535", 0, 65535),
  },
  "metrics-host": {
    type: "string",
    placeholder: "HOST",
    description: "address the metrics endpoint listens on (default 127.0.0.1)",
  },
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

export const WORKER_HELP = helpText(
  "edgekiq worker -r ./jobs.ts [-q name[,weight]]... [-c N] [-t seconds] [--redis URL] [-g tag]",
  "Runs jobs from Redis until TERM or INT. TSTP stops fetching (quiet); TTIN prints running jobs.",
  WORKER_FLAGS,
);

export async function workerCommand(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const args = parseCommand(rt, argv, WORKER_FLAGS, "worker", WORKER_HELP);
  if (!args) return 0;
  const file: FileConfig = args.config
    ? parseConfigFile(await readConfig(rt, args.config), args.config)
    : {};

  const logger = createLogger({
    level: args["log-level"] ?? file.logLevel ?? "info",
    format: args["log-format"] ?? file.logFormat ?? "human",
    write: (line) => rt.stdout(line),
  });

  const requirePath = args.require ?? file.require;
  if (!requirePath)
    throw new ConfigError("no jobs file: pass -r ./jobs.ts (see `edgekiq worker --help`)");
  const queues = parseQueueFlags(args.queue ?? file.queues ?? ["default"]);
  const timeout = args.timeout ?? file.timeout ?? 25;

  // Keys for `encrypt` jobs: from the environment or its _FILE only (a flag shows in `ps`).
  const keysText = rt.env.EDGEKIQ_ENCRYPTION_KEYS || undefined;
  const encryption: KeyRing | undefined =
    keysText === undefined ? undefined : parseKeyRing(keysText, "EDGEKIQ_ENCRYPTION_KEYS");

  // Load the jobs before touching Redis: a broken file should fail fast with its own message.
  const register = await loadJobs(rt, requirePath, logger);

  const { redis, where, watch } = openCommandRedis(
    rt,
    { flag: args.redis, file: args.config ? { path: args.config, redis: file.redis } : undefined },
    logger,
  );
  let worker: Worker;
  try {
    worker = new Worker({
      redis,
      queues,
      concurrency: args.concurrency ?? file.concurrency ?? 10,
      shutdownTimeout: timeout,
      platform: rt.platform,
      logger,
      tag: args.tag ?? file.tag,
      labels: file.labels,
      logArgs: args["log-args"] ?? file.logArgs,
      sidekiqVersion: args["sidekiq-version"] ?? file.sidekiqVersion,
      namespace: args.namespace ?? file.namespace,
      timestamps: file.timestamps,
      encryption,
      metricsPort: args["metrics-port"],
      metricsHost: args["metrics-host"],
    });
    await register(worker);
    if (worker.registeredClasses.length === 0) {
      throw new ConfigError(`the jobs file ${requirePath} registered no job handlers`);
    }
    // Nothing may run before Redis has accepted our settings: a refused password or database
    // ends here (exit 2) instead of being retried, or worked in database 0.
    if (!(await untilRedisAnswers(watch, rt))) {
      logger.info("stopping before Redis was reached; no job was fetched");
      watch.stop();
      redis.disconnect();
      return 0;
    }
  } catch (err) {
    watch.stop();
    redis.disconnect();
    throw err;
  }
  worker.on("started", () => {
    if (worker.metricsUrl) logger.info(`metrics on ${worker.metricsUrl}`);
  });
  logger.info(`edgekiq worker on ${rt.name}`, {
    redis: where,
    jobs: worker.registeredClasses.join(","),
    // Key ids only, never keys.
    ...(encryption
      ? { encryption_keys: encryption.ids.join(","), current_key: encryption.current }
      : {}),
  });
  try {
    return await runUntilStopped(worker, timeout, logger, rt, watch);
  } finally {
    watch.stop();
    // Every write the worker cares about has been awaited by now; a QUIT would wait for a dead
    // Redis.
    redis.disconnect();
  }
}

/**
 * Waits until Redis first answers (true), or until TERM or INT arrive while it is unreachable
 * (false: nothing was fetched, so the process may exit at once). Rejects with the ConfigError of
 * a setting Redis refused.
 */
async function untilRedisAnswers(watch: RedisWatch, rt: CliRuntime): Promise<boolean> {
  const unsubscribe: (() => void)[] = [];
  const stopped = new Promise<false>((resolve) => {
    for (const name of ["TERM", "INT"] as const) {
      unsubscribe.push(rt.platform.onSignal(name, () => resolve(false)));
    }
  });
  try {
    return await Promise.race([watch.ready.then(() => true), stopped]);
  } finally {
    for (const off of unsubscribe) off();
  }
}

/**
 * Starts the worker and resolves with the exit code once it has stopped. Two cases must not hang
 * on a Redis that is down: a TERM before the worker ever reached Redis (nothing was fetched, so
 * exit at once), and a stop whose final writes cannot reach Redis (exit after the shutdown timeout
 * plus a margin; unfinished jobs stay in their in-progress list and orphan recovery requeues them).
 */
async function runUntilStopped(
  worker: Worker,
  timeoutSeconds: number,
  logger: Logger,
  rt: CliRuntime,
  watch: RedisWatch,
): Promise<number> {
  let started = false;
  let guarded = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const forced = new Promise<number>((resolve) => {
    worker.on("signal", ({ name }) => {
      if (name !== "TERM" && name !== "INT") return;
      // The worker lets go of its signal handlers when it has stopped; until the process exits, a
      // second TERM must not kill it with the default action halfway through its last writes.
      if (!guarded) {
        guarded = true;
        rt.platform.onSignal("TERM", () => {});
        rt.platform.onSignal("INT", () => {});
      }
      if (!started) {
        logger.info("stopping before Redis was reached; no job was fetched");
        resolve(0);
      } else {
        timer ??= setTimeout(
          () => {
            logger.error(
              "could not finish stopping (is Redis reachable?); unfinished jobs stay in Redis and " +
                "will be requeued by the next worker's orphan recovery",
            );
            resolve(1);
          },
          (timeoutSeconds + 5) * 1000,
        );
      }
    });
  });
  const normal = worker.start().then(
    async () => {
      started = true;
      await worker.stopped;
      return 0;
    },
    (err: unknown) => {
      // A user without a permission we need (NOPERM) is only found out by the first command.
      const refused = watch.settingsError(err);
      if (refused) throw refused;
      logger.error(`cannot start the worker: ${(err as Error)?.message ?? String(err)}`);
      return 1;
    },
  );
  const code = await Promise.race([normal, forced]);
  clearTimeout(timer);
  return code;
}

/** `-q critical,3 -q default` to the worker's queue specs; a bad weight is a usage error. */
export function parseQueueFlags(values: readonly string[]): (string | [string, number])[] {
  const specs = values.map((value) => {
    const [name, weight, extra] = value.split(",");
    if (!name || extra !== undefined)
      throw new ConfigError(`bad queue "${value}": expected NAME or NAME,WEIGHT`);
    if (weight === undefined) return name;
    if (!/^\d+$/.test(weight)) {
      throw new ConfigError(
        `bad queue weight in "${value}": the weight must be a whole number (e.g. critical,3)`,
      );
    }
    return [name, Number(weight)] as [string, number];
  });
  // Sidekiq: strict order unless some queue has a weight above zero.
  return specs.some((s) => Array.isArray(s) && s[1] > 0)
    ? specs.map((s) => (Array.isArray(s) ? s : ([s, 1] as [string, number])))
    : specs.map((s) => (Array.isArray(s) ? s[0] : s));
}

async function readConfig(rt: CliRuntime, path: string): Promise<string> {
  try {
    return await rt.readTextFile(path);
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
}

type Registrar = (worker: Worker) => Promise<void>;

/** Imports the jobs module and returns how to register its handlers. */
async function loadJobs(rt: CliRuntime, path: string, logger: Logger): Promise<Registrar> {
  let mod: { default?: unknown; periodic?: unknown };
  try {
    mod = (await rt.loadModule(path)) as { default?: unknown; periodic?: unknown };
  } catch (err) {
    const { summary, backtrace } = describeLoadError(err);
    // The one line goes to stderr; the stack of what the file threw, to the debug log.
    if (backtrace.length > 0) {
      logger.debug(`the jobs file ${path} threw while loading`, {
        error_class: (err as Error)?.name,
        backtrace,
      });
    }
    throw new ConfigError(`cannot load jobs file ${path}: ${summary}`, { cause: err });
  }
  const exported = mod.default;
  // `export const periodic = [periodic(...), …]`: the entries this worker ticks.
  const table = mod.periodic;
  const addPeriodic = (worker: Worker) => {
    if (table !== undefined) worker.periodic(table as PeriodicEntry[]);
  };
  if (typeof exported === "function") {
    return async (worker) => {
      addPeriodic(worker);
      await (exported as (w: Worker) => unknown)(worker);
    };
  }
  if (exported && typeof exported === "object") {
    return async (worker) => {
      addPeriodic(worker);
      for (const [name, value] of Object.entries(exported)) {
        if (typeof value === "function") worker.register(name, value as JobHandler);
        else if (value && typeof (value as { handler?: unknown }).handler === "function") {
          const { handler, ...options } = value as { handler: JobHandler } & RegisterOptions;
          worker.register(name, handler, options);
        } else {
          throw new ConfigError(`jobs file ${path}: "${name}" must be a handler function`);
        }
      }
    };
  }
  throw new ConfigError(
    `jobs file ${path} has no usable default export: export a map of class name to handler ` +
      "(export default { HardJob: async (args) => {…} }) or a function that receives the worker",
  );
}
