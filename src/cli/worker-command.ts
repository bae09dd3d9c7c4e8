/**
 * `edgekiq worker -r ./jobs.ts [-q name[,weight]]... [-c N] [-t seconds] [--redis URL] [-g tag]`
 *
 * 1. Settings: flags, then the optional config file, then `REDIS_URL`, then defaults.
 * 2. Loads the jobs module: its default export maps class names to handlers, or is a function
 *    that registers handlers on the worker.
 * 3. Runs the worker until TERM/INT (or a remote TERM from the Web UI), then exits 0 after the
 *    worker has requeued what it could not finish. TSTP quiets, TTIN prints the running jobs.
 * An unreachable Redis is reported in one line and retried with backoff, never a stack trace.
 */
import { ConfigError } from "../core/errors";
import { createLogger, isLogLevel, type Logger, type LogLevel } from "../worker/logger";
import type { JobHandler, RegisterOptions } from "../worker/types";
import { Worker } from "../worker/worker";
import { type FlagSpec, helpText, parseInteger } from "./args";
import { HELP_FLAG, NAMESPACE_FLAG, parseCommand, REDIS_FLAG } from "./common";
import { type FileConfig, parseConfigFile } from "./config-file";
import { DEFAULT_REDIS_URL, describeRedis, parseRedisUrl } from "./redis-options";
import { watchRedis } from "./redis-watch";
import type { CliRuntime } from "./runtime";

export const WORKER_FLAGS: FlagSpec[] = [
  {
    name: "require",
    short: "r",
    kind: "string",
    placeholder: "FILE",
    description: "jobs module (.ts or .js) to load",
  },
  {
    name: "queue",
    short: "q",
    kind: "list",
    placeholder: "NAME[,WEIGHT]",
    description: "queue to work, repeatable (default: default)",
  },
  {
    name: "concurrency",
    short: "c",
    kind: "string",
    placeholder: "N",
    description: "jobs run at once (default 10)",
  },
  {
    name: "timeout",
    short: "t",
    kind: "string",
    placeholder: "SECONDS",
    description: "shutdown timeout (default 25)",
  },
  REDIS_FLAG,
  {
    name: "tag",
    short: "g",
    kind: "string",
    placeholder: "TAG",
    description: "tag shown next to this process in the Web UI",
  },
  {
    name: "config",
    short: "C",
    kind: "string",
    placeholder: "FILE",
    description: "JSON config file (Sentinel, labels, …)",
  },
  {
    name: "log-level",
    kind: "string",
    placeholder: "LEVEL",
    description: "debug, info (default), warn or error",
  },
  {
    name: "log-format",
    kind: "string",
    placeholder: "FORMAT",
    description: "human (default) or json",
  },
  { name: "log-args", kind: "boolean", description: "include job arguments in log lines" },
  {
    name: "sidekiq-version",
    kind: "string",
    placeholder: "6|7",
    description: "Sidekiq generation that reads our heartbeat (default 7)",
  },
  NAMESPACE_FLAG,
  HELP_FLAG,
];

export const WORKER_HELP = helpText(
  "edgekiq worker -r ./jobs.ts [-q name[,weight]]... [-c N] [-t seconds] [--redis URL] [-g tag]",
  "Runs jobs from Redis until TERM or INT. TSTP stops fetching (quiet); TTIN prints running jobs.",
  WORKER_FLAGS,
);

export async function workerCommand(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const args = parseCommand(argv, WORKER_FLAGS, "worker", WORKER_HELP, rt);
  if (!args) return 0;
  const file: FileConfig = args.config
    ? parseConfigFile(await readConfig(rt, args.config as string), args.config as string)
    : {};

  const level = (args["log-level"] as string | undefined) ?? file.logLevel ?? "info";
  if (!isLogLevel(level))
    throw new ConfigError(`--log-level must be debug, info, warn or error, got "${level}"`);
  const format = (args["log-format"] as string | undefined) ?? file.logFormat ?? "human";
  if (format !== "human" && format !== "json")
    throw new ConfigError(`--log-format must be human or json, got "${format}"`);
  const logger = createLogger({
    level: level as LogLevel,
    format,
    write: (line) => rt.stdout(line),
  });

  const requirePath = (args.require as string | undefined) ?? file.require;
  if (!requirePath)
    throw new ConfigError("no jobs file: pass -r ./jobs.ts (see `edgekiq worker --help`)");
  const queues = parseQueueFlags(
    (args.queue as string[] | undefined) ?? file.queues ?? ["default"],
  );
  const concurrency = args.concurrency
    ? parseInteger(args.concurrency as string, "-c (concurrency)", 1)
    : (file.concurrency ?? 10);
  const timeout = args.timeout
    ? parseInteger(args.timeout as string, "-t (timeout seconds)")
    : (file.timeout ?? 25);
  const sidekiqVersion = args["sidekiq-version"]
    ? Number(args["sidekiq-version"])
    : file.sidekiqVersion;
  if (sidekiqVersion !== undefined && sidekiqVersion !== 6 && sidekiqVersion !== 7) {
    throw new ConfigError(`--sidekiq-version must be 6 or 7, got "${args["sidekiq-version"]}"`);
  }
  const redisOptions = args.redis
    ? parseRedisUrl(args.redis as string)
    : (file.redis ?? parseRedisUrl(rt.env.REDIS_URL || DEFAULT_REDIS_URL));

  // Load the jobs before touching Redis: a broken file should fail fast with its own message.
  const register = await loadJobs(rt, requirePath);

  const redis = rt.openRedis(redisOptions);
  const unwatch = watchRedis(redis, describeRedis(redisOptions), logger);
  let worker: Worker;
  try {
    worker = new Worker({
      redis,
      queues,
      concurrency,
      shutdownTimeout: timeout,
      platform: rt.platform,
      logger,
      tag: (args.tag as string | undefined) ?? file.tag,
      labels: file.labels,
      logArgs: (args["log-args"] as boolean | undefined) ?? file.logArgs,
      sidekiqVersion: sidekiqVersion as 6 | 7 | undefined,
      namespace: (args.namespace as string | undefined) ?? file.namespace,
      timestamps: file.timestamps,
    });
    await register(worker);
    if (worker.registeredClasses.length === 0) {
      throw new ConfigError(`the jobs file ${requirePath} registered no job handlers`);
    }
  } catch (err) {
    unwatch();
    redis.disconnect();
    throw err;
  }
  worker.on("dump", (jobs) => {
    logger.warn(`TTIN: ${jobs.length} job(s) running`);
    for (const job of jobs)
      logger.warn("running", {
        tid: job.tid,
        queue: job.queue,
        run_at: job.run_at,
        payload: job.payload,
      });
  });
  logger.info(`edgekiq worker on ${rt.name}`, {
    redis: describeRedis(redisOptions),
    jobs: worker.registeredClasses.join(","),
  });
  const code = await runUntilStopped(worker, timeout, logger, rt);
  unwatch();
  // Every write the worker cares about has been awaited by now; a QUIT would wait for a dead Redis.
  redis.disconnect();
  return code;
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
async function loadJobs(rt: CliRuntime, path: string): Promise<Registrar> {
  let mod: { default?: unknown };
  try {
    mod = (await rt.loadModule(path)) as { default?: unknown };
  } catch (err) {
    const message = (err as Error)?.message?.split("\n")[0] ?? String(err);
    throw new ConfigError(`cannot load jobs file ${path}: ${message}`);
  }
  const exported = mod.default;
  if (typeof exported === "function") {
    return async (worker) => {
      await (exported as (w: Worker) => unknown)(worker);
    };
  }
  if (exported && typeof exported === "object") {
    return async (worker) => {
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
