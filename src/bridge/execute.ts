/**
 * Runs a request's commands on one pooled connection, within the request's deadline, and shapes
 * the replies as the Upstash protocol does:
 *
 * 1. `POST /`: `{result}`, or `{error}` (400) with Redis's text verbatim (@upstash/redis's
 *    EVALSHA->EVAL fallback matches on "NOSCRIPT"); replies are read as bytes, so base64 mode is
 *    byte-exact.
 * 2. `/pipeline` (not atomic): sent in slices of at most `SLICE_COMMANDS` commands and
 *    `SLICE_ARGUMENTS` arguments, each written when the previous one is answered, so a large
 *    pipeline never holds the event loop for long; one `{result}`/`{error}` per command.
 * 3. `/multi-exec`: one MULTI/EXEC (atomic, so written in one piece; the commands are queued in
 *    time slices first); a single `{error}` (400) when Redis discards the transaction.
 * 4. A connection failure (not a Redis error reply) fails the whole request (502), and so does the
 *    deadline passing (`CommandTimeoutError`: 504).
 */
import type { ParsedCommand } from "./command-parser";
import type { BridgeConnection } from "./connections";
import { encodeReply, type JsonResult } from "./encoding";
import { TimeSlice } from "./time-slice";

/** The request's deadline passed while Redis was working on it. */
export class CommandTimeoutError extends Error {
  override readonly name = "CommandTimeoutError";
}

/** An HTTP answer: status and JSON body. */
export interface Answer {
  status: number;
  body: unknown;
}

const SLICE_COMMANDS = 1000;
const SLICE_ARGUMENTS = 10_000;

/**
 * Races `work` against `deadline` (a `performance.now()` time). A reply that arrives after the
 * deadline is dropped (its rejection handled, so it is never reported as unhandled).
 */
export async function within<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CommandTimeoutError()),
      Math.max(0, deadline - performance.now()),
    );
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runOne(
  conn: BridgeConnection,
  command: ParsedCommand,
  base64: boolean,
  deadline: number,
): Promise<Answer> {
  try {
    const result = await within(conn.callBuffer(wireName(command), command.args), deadline);
    return { status: 200, body: { result: encodeReply(result, base64) } };
  } catch (err) {
    if (isReplyError(err)) return { status: 400, body: { error: (err as Error).message } };
    throw err;
  }
}

export async function runMany(
  conn: BridgeConnection,
  commands: readonly ParsedCommand[],
  atomic: boolean,
  base64: boolean,
  deadline: number,
): Promise<Answer> {
  const results: [Error | null, unknown][] = [];
  try {
    if (atomic) {
      const batch = conn.multi();
      const slice = new TimeSlice();
      for (const [i, command] of commands.entries()) {
        batch.callBuffer(wireName(command), command.args);
        if (i % 256 === 255) await slice.pause();
      }
      const replies = await within(batch.exec(), deadline);
      if (!replies) return { status: 400, body: { error: "ERR transaction aborted" } };
      for (const r of replies) results.push(r);
    } else {
      for (let at = 0; at < commands.length; ) {
        const batch = conn.pipeline();
        let args = 0;
        let n = 0;
        for (; at < commands.length && n < SLICE_COMMANDS && args < SLICE_ARGUMENTS; n++, at++) {
          const command = commands[at]!;
          batch.callBuffer(wireName(command), command.args);
          args += command.args.length;
        }
        for (const r of (await within(batch.exec(), deadline)) ?? []) results.push(r);
      }
    }
  } catch (err) {
    // EXECABORT: a command was rejected while queuing, so the transaction was discarded.
    if (isReplyError(err)) return { status: 400, body: { error: (err as Error).message } };
    throw err;
  }
  const out: ({ result: JsonResult } | { error: string })[] = [];
  for (const [err, value] of results) {
    if (err && !isReplyError(err)) throw err; // the connection failed, not the command
    out.push(err ? { error: err.message } : { result: encodeReply(value, base64) });
  }
  return { status: 200, body: out };
}

/**
 * ioredis reshapes some replies by lower-case command name (HGETALL into an object, WITHSCORES
 * replies into pairs); the bridge must pass Redis's RESP2 reply as is, so those names go
 * upper-cased, which its lookup does not match. Other names go as sent (Redis echoes an unknown
 * command's name in its error text, which is passed through verbatim).
 */
const RESHAPED = new Set(
  [
    "hgetall hrandfield xread xreadgroup zdiff zinter zpopmax zpopmin zunion zrandmember",
    "zrange zrangebyscore zrevrange zrevrangebyscore",
  ]
    .join(" ")
    .split(" "),
);

function wireName({ name, sent }: ParsedCommand): string {
  return RESHAPED.has(name) ? name.toUpperCase() : sent;
}

export function isReplyError(err: unknown): boolean {
  return err instanceof Error && err.name === "ReplyError";
}
