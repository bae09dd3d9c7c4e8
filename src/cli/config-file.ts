/**
 * The optional JSON config file (`-C edgekiq.json`): the same settings as the flags, plus what
 * flags cannot say well — a Redis Sentinel group, labels. Flags given on the command line win.
 *
 *   { "redis": "redis://…" | { "sentinels": [{ "host": "…", "port": 26379 }], "name": "mymaster" },
 *     "require": "./jobs.ts", "queues": ["critical,3", "default"], "concurrency": 10,
 *     "timeout": 25, "tag": "api", "labels": ["blue"], "logLevel": "info", "logFormat": "human" }
 *
 * Every setting is checked here (valibot), so a mistake is reported with the file and the field:
 * `config file edgekiq.json: concurrency: expected a positive integer, got 0`.
 */
import * as v from "valibot";
import {
  booleanValue,
  checkConfig,
  expected,
  jsonObject,
  nonEmptyString,
  nonNegativeInteger,
  nonNegativeNumber,
  objectMessage,
  oneOf,
  positiveInteger,
  stringList,
  stringValue,
} from "../core/config-check";
import { ConfigError } from "../core/errors";
import { isLogLevel, type LogLevel } from "../worker/logger";
import { parseRedisUrl, type RedisConnectionOptions } from "./redis-options";

/** `--log-level` and `"logLevel"`. */
export const LOG_LEVEL = v.custom<LogLevel>(
  (x) => typeof x === "string" && isLogLevel(x),
  expected('"debug", "info", "warn" or "error"'),
);
/** `--log-format` and `"logFormat"`. */
export const LOG_FORMAT = oneOf(["human", "json"]);

const port = v.pipe(
  v.number(expected("a port number")),
  v.check((n) => Number.isInteger(n) && n > 0 && n < 65536, expected("a port number")),
);

const SENTINEL_SHAPE = 'a Sentinel setup needs "sentinels": [{ "host", "port" }] and "name"';

const REDIS_OBJECT = v.pipe(
  v.strictObject(
    {
      url: v.optional(stringValue),
      host: v.optional(nonEmptyString),
      port: v.optional(port),
      username: v.optional(stringValue),
      password: v.optional(stringValue),
      db: v.optional(nonNegativeInteger),
      tls: v.optional(booleanValue),
      sentinels: v.optional(
        v.array(
          v.strictObject({ host: nonEmptyString, port }, objectMessage('{ "host", "port" }')),
          SENTINEL_SHAPE,
        ),
      ),
      name: v.optional(nonEmptyString),
      sentinelPassword: v.optional(stringValue),
    },
    objectMessage("an object", "setting"),
  ),
  v.check((r) => r.sentinels === undefined || r.name !== undefined, SENTINEL_SHAPE),
);

const FILE = jsonObject(
  v.strictObject(
    {
      redis: v.optional(v.union([stringValue, REDIS_OBJECT], expected("a URL or an object"))),
      require: v.optional(nonEmptyString),
      queues: v.optional(
        v.array(
          v.union(
            [stringValue, v.tuple([stringValue, v.number(expected("a weight"))])],
            expected('"name,weight" or ["name", weight]'),
          ),
          expected("an array"),
        ),
      ),
      concurrency: v.optional(positiveInteger),
      timeout: v.optional(nonNegativeNumber),
      tag: v.optional(stringValue),
      labels: v.optional(stringList),
      logLevel: v.optional(LOG_LEVEL),
      logFormat: v.optional(LOG_FORMAT),
      logArgs: v.optional(booleanValue),
      sidekiqVersion: v.optional(oneOf([6, 7])),
      namespace: v.optional(stringValue),
      timestamps: v.optional(oneOf(["seconds", "milliseconds"])),
    },
    objectMessage("a JSON object", "setting"),
  ),
);

export type FileConfig = Omit<v.InferOutput<typeof FILE>, "redis" | "queues"> & {
  redis?: RedisConnectionOptions;
  /** As the `-q` flag writes them: `critical,3`. */
  queues?: string[];
};

export function parseConfigFile(text: string, path: string): FileConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const { redis, queues, ...rest } = checkConfig(FILE, raw, `config file ${path}`);
  const out: FileConfig = rest;
  if (typeof redis === "string") out.redis = parseRedisUrl(redis);
  else if (redis) {
    const { url, ...options } = redis;
    out.redis = { ...(url !== undefined ? parseRedisUrl(url) : {}), ...options };
  }
  if (queues) out.queues = queues.map((q) => (Array.isArray(q) ? q.join(",") : q));
  return out;
}
