/**
 * The optional JSON config file (`-C edgekiq.json`): the same settings as the flags, plus what
 * flags cannot say well — a Redis Sentinel group, labels. Flags given on the command line win.
 *
 *   { "redis": "redis://…" | { "sentinels": [{ "host": "…", "port": 26379 }], "name": "mymaster" },
 *     "require": "./jobs.ts", "queues": ["critical,3", "default"], "concurrency": 10,
 *     "timeout": 25, "tag": "api", "labels": ["blue"], "logLevel": "info", "logFormat": "human" }
 */
import { ConfigError } from "../core/errors";
import { parseRedisUrl, type RedisConnectionOptions } from "./redis-options";

export interface FileConfig {
  redis?: RedisConnectionOptions;
  require?: string;
  queues?: string[];
  concurrency?: number;
  timeout?: number;
  tag?: string;
  labels?: string[];
  logLevel?: string;
  logFormat?: string;
  logArgs?: boolean;
  sidekiqVersion?: 6 | 7;
  namespace?: string;
  timestamps?: "seconds" | "milliseconds";
}

export function parseConfigFile(text: string, path: string): FileConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  const c = raw as Record<string, unknown>;
  const known = new Set([
    "redis",
    "require",
    "queues",
    "concurrency",
    "timeout",
    "tag",
    "labels",
    "logLevel",
    "logFormat",
    "logArgs",
    "sidekiqVersion",
    "namespace",
    "timestamps",
  ]);
  for (const key of Object.keys(c)) {
    if (!known.has(key)) throw new ConfigError(`config file ${path}: unknown setting "${key}"`);
  }
  const out: FileConfig = { ...(c as FileConfig) };
  if (c.redis !== undefined) out.redis = parseRedisSetting(c.redis, path);
  if (c.queues !== undefined) {
    if (!Array.isArray(c.queues))
      throw new ConfigError(`config file ${path}: "queues" must be an array`);
    out.queues = c.queues.map((q) => (Array.isArray(q) ? q.join(",") : String(q)));
  }
  return out;
}

function parseRedisSetting(value: unknown, path: string): RedisConnectionOptions {
  if (typeof value === "string") return parseRedisUrl(value);
  if (!value || typeof value !== "object") {
    throw new ConfigError(`config file ${path}: "redis" must be a URL or an object`);
  }
  const r = value as Record<string, unknown>;
  const base = typeof r.url === "string" ? parseRedisUrl(r.url) : {};
  if (r.sentinels !== undefined) {
    if (!Array.isArray(r.sentinels) || typeof r.name !== "string") {
      throw new ConfigError(
        `config file ${path}: a Sentinel setup needs "sentinels": [{ "host", "port" }] and "name"`,
      );
    }
  }
  return { ...base, ...(r as RedisConnectionOptions) };
}
