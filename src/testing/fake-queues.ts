/**
 * Testing without Redis (Sidekiq's `Sidekiq::Testing`): `FakeQueues` is an in-memory Redis door
 * for the client. Pushes land in arrays you can inspect (`jobs()`, `queue()`, `scheduled()`), and
 * `drain()` runs them through your handlers; `inline()` gives a door that runs each job as it is
 * pushed. Payloads go through the same JSON the real client writes, so tests see what Redis would.
 */
import type { JobDefinition } from "../core/define-job";
import { isJobDefinition } from "../core/define-job";
import type { KeyRing } from "../core/encryption";
import { ConfigError } from "../core/errors";
import { type JobPayload, parseJob } from "../core/job";
import { Keys } from "../core/keys";
import type { LuaScript, RedisArg, RedisClient, RedisCommand, RedisReply } from "../redis/types";

/** What a test handler receives; the worker's context without its Redis-backed parts. */
export interface TestJobContext {
  jid: string;
  queue: string;
  retryCount: number;
  payload: JobPayload;
  signal: AbortSignal;
}
export type TestHandler = (args: any, ctx: TestJobContext) => unknown;
export type TestHandlers =
  | Record<string, TestHandler>
  | ReadonlyArray<readonly [JobDefinition<any, any> | string, TestHandler]>;

interface Stored {
  json: string;
  queue: string;
  /** Epoch seconds for scheduled jobs. */
  at?: number;
}

export class FakeQueues implements RedisClient {
  readonly #keys: Keys;
  #stored: Stored[] = [];
  /** Unique locks: key -> expiry (epoch ms). */
  readonly #locks = new Map<string, number>();

  constructor(options: { namespace?: string } = {}) {
    this.#keys = new Keys(options.namespace);
  }

  /** Every job pushed and not yet drained (queued first, then scheduled), optionally of one class. */
  jobs(job?: string | JobDefinition<any, any>): JobPayload[] {
    const name = isJobDefinition(job) ? job.name : job;
    return this.#stored
      .map((s) => parseJob(s.json))
      .filter((j) => name === undefined || j.class === name);
  }

  /** The jobs waiting in one queue, oldest first. */
  queue(name: string): JobPayload[] {
    return this.#stored
      .filter((s) => s.at === undefined && s.queue === name)
      .map((s) => parseJob(s.json));
  }

  /** Scheduled jobs with their run time in epoch seconds. */
  scheduled(): { at: number; job: JobPayload }[] {
    return this.#stored
      .filter((s) => s.at !== undefined)
      .map((s) => ({ at: s.at!, job: parseJob(s.json) }));
  }

  /** The raw JSON strings, exactly as Redis would hold them. */
  raw(): string[] {
    return this.#stored.map((s) => s.json);
  }

  clear(): void {
    this.#stored = [];
    this.#locks.clear();
  }

  /**
   * Runs every stored job, scheduled ones included and jobs pushed meanwhile, oldest first, until
   * none is left; resolves to how many ran. A job without a handler, or a handler that throws,
   * rejects (as Sidekiq's `drain` raises) and leaves the remaining jobs stored.
   */
  async drain(handlers: TestHandlers, options: { encryption?: KeyRing } = {}): Promise<number> {
    const table = handlerTable(handlers);
    let ran = 0;
    for (let next = this.#stored.shift(); next; next = this.#stored.shift()) {
      await runJob(table, next.json, options.encryption);
      ran++;
    }
    return ran;
  }

  async call(command: RedisCommand): Promise<RedisReply> {
    return this.#apply(command);
  }

  async multi(commands: readonly RedisCommand[]): Promise<RedisReply[]> {
    return commands.map((c) => this.#apply(c));
  }

  async pipeline(commands: readonly RedisCommand[]): Promise<RedisReply[]> {
    return this.multi(commands);
  }

  async evalScript(
    script?: LuaScript,
    keys: readonly string[] = [],
    args: readonly RedisArg[] = [],
  ): Promise<RedisReply> {
    if (script?.name === "pushUnique") return this.#pushUnique(keys, args);
    throw new ConfigError(
      "FakeQueues runs no Lua scripts: use a Client without `idempotent` in tests",
    );
  }

  /**
   * Unique jobs (`new Client({ unique: uniqueJobs })`), in memory: push-unique.lua's layout and
   * answers, locks kept until their TTL (in real time) or `clear()`. A drained job releases none.
   */
  #pushUnique(keys: readonly string[], args: readonly RedisArg[]): RedisReply {
    const out: number[] = [];
    const now = Date.now();
    for (let i = 0; 4 * i < args.length; i++) {
      const [queue, score, json, lock] = args.slice(4 * i, 4 * i + 4).map(String);
      if (lock) {
        const key = keys[3 + 2 * i]!;
        const held = this.#locks.get(key);
        if (held !== undefined && held > now) {
          out.push(0);
          continue;
        }
        this.#locks.set(key, now + Number(lock.slice(0, lock.indexOf(":"))) * 1000);
      }
      this.#stored.push({ json: json!, queue: queue!, at: score ? Number(score) : undefined });
      out.push(1);
    }
    return out;
  }

  /** The commands the client sends; anything else is a usage error in a test. */
  #apply([name, ...args]: RedisCommand): RedisReply {
    const cmd = name.toLowerCase();
    if (cmd === "sadd") return 1;
    if (cmd === "lpush") {
      const queue = String(args[0]).slice(this.#keys.queue("").length);
      for (const json of args.slice(1)) this.#stored.push({ json: String(json), queue });
      return this.#stored.length;
    }
    if (cmd === "zadd") {
      for (let i = 1; i < args.length; i += 2) {
        const json = String(args[i + 1]);
        this.#stored.push({ json, queue: parseJob(json).queue, at: Number(args[i]) });
      }
      return (args.length - 1) / 2;
    }
    throw new ConfigError(`FakeQueues does not support the ${name} command`);
  }
}

/** A Redis door that runs each pushed job at once through `handlers` (Sidekiq's `inline!`). */
export function inline(handlers: TestHandlers): RedisClient {
  const table = handlerTable(handlers);
  const fake = new FakeQueues();
  const runAll = async () => {
    for (const json of fake.raw()) {
      fake.clear();
      await runJob(table, json);
    }
  };
  return {
    call: async (c) => {
      const reply = await fake.call(c);
      await runAll();
      return reply;
    },
    multi: async (cs) => {
      const replies = await fake.multi(cs);
      await runAll();
      return replies;
    },
    pipeline: async (cs) => {
      const replies = await fake.pipeline(cs);
      await runAll();
      return replies;
    },
    evalScript: async (script, keys, args) => {
      const reply = await fake.evalScript(script, keys, args);
      await runAll();
      return reply;
    },
  };
}

interface Entry {
  handler: TestHandler;
  definition?: JobDefinition<any, any>;
}

function handlerTable(handlers: TestHandlers): Map<string, Entry> {
  const table = new Map<string, Entry>();
  const pairs = Array.isArray(handlers) ? handlers : Object.entries(handlers);
  for (const [job, handler] of pairs as [JobDefinition<any, any> | string, TestHandler][]) {
    if (isJobDefinition(job)) table.set(job.name, { handler, definition: job });
    else table.set(job, { handler });
  }
  return table;
}

async function runJob(
  table: Map<string, Entry>,
  json: string,
  encryption?: KeyRing,
): Promise<void> {
  const payload = parseJob(json);
  const entry = table.get(payload.class);
  if (!entry)
    throw new ConfigError(`no handler for job class "${payload.class}" (jid ${payload.jid})`);
  // Encrypted jobs are opened as the worker opens them (the stored payload keeps the ciphertext).
  const plain = payload.encrypt && encryption ? await encryption.open(payload) : payload.args;
  const args = entry.definition ? await entry.definition.validate(plain) : plain;
  await entry.handler(args, {
    jid: payload.jid,
    queue: payload.queue,
    retryCount: typeof payload.retry_count === "number" ? payload.retry_count + 1 : 0,
    payload,
    signal: new AbortController().signal,
  });
}
