/**
 * What a CLI command needs from the runtime it runs on. The commands are plain functions
 * `(argv, runtime) -> exit code`; runtimes/{node,bun,deno}/bin.ts each build one of these from
 * their own APIs, so nothing under src/ touches `process`, `Deno` or `Bun`.
 */
import type { Redis } from "ioredis";
import type { IoredisLike } from "../redis/tcp";
import type { Platform } from "../worker/platform";
import type { RedisConnectionOptions } from "./redis-options";

/**
 * An ioredis connection as the CLI uses it: commands, events for outage logs, and closing; its
 * `duplicate()` is ioredis's own, since the bridge's pools duplicate it into full connections.
 */
export type CliRedis = Omit<IoredisLike, "duplicate"> & {
  duplicate: Redis["duplicate"];
  on(event: "error" | "connect" | "ready" | "end", listener: (arg?: unknown) => void): unknown;
  off(event: "error" | "connect" | "ready" | "end", listener: (arg?: unknown) => void): unknown;
  disconnect(): void;
};

export interface ServeOptions {
  hostname: string;
  port: number;
}

/** A fetch handler that may also take the client's address (for the audit trail). */
export type ServeHandler = (
  request: Request,
  info: { remoteAddress?: string },
) => Promise<Response>;

export interface Served {
  /** The address actually bound, e.g. http://127.0.0.1:9292 */
  url: string;
  close(): Promise<void>;
}

/** One argument as `parseArgs` saw it (its `tokens: true` output). */
export type ArgToken =
  | { kind: "option"; name: string; rawName: string; value?: string; inlineValue?: boolean }
  | { kind: "positional"; value: string }
  | { kind: "option-terminator" };

/**
 * `node:util` `parseArgs`, as the CLI calls it (lenient, with tokens). Node, Bun and Deno each
 * provide it; declared here as a slice so src/ imports no Node module.
 */
export type ParseArgs = (config: {
  args: string[];
  options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;
  strict: false;
  allowPositionals: true;
  tokens: true;
}) => { values: Record<string, unknown>; positionals: string[]; tokens: ArgToken[] };

export interface CliRuntime {
  /** "node", "bun" or "deno": shown in logs and --version only. */
  readonly name: string;
  readonly platform: Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly parseArgs: ParseArgs;
  stdout(text: string): void;
  stderr(text: string): void;
  openRedis(options: RedisConnectionOptions): CliRedis;
  /** Imports a .ts/.js module by path (relative to cwd). */
  loadModule(path: string): Promise<unknown>;
  readTextFile(path: string): Promise<string>;
  /** Serves `handler`; its second argument says what the server saw of the client. */
  serve(handler: ServeHandler, options: ServeOptions): Promise<Served>;
  /** Appends to a file (the audit log); absent where a runtime cannot write files. */
  appendTextFile?(path: string, text: string): Promise<void>;
}
