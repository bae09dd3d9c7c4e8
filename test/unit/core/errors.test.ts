// Every error thrown on purpose is an EdgekiqError with a stable code; the codes are unique,
// documented in docs/errors.md, and nothing in src/ or runtimes/ throws a bare Error any more.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BridgeHttpError } from "../../../src/bridge/request-body";
import {
  ArgumentError,
  ConfigError,
  EdgekiqError,
  EncryptionError,
  JobArgumentError,
  JobPayloadError,
  JobValidationError,
  MiddlewareError,
  RedisReplyError,
  UnsupportedError,
} from "../../../src/core/errors";
import { JobFailedError, WaitTimeoutError } from "../../../src/core/results";
import {
  JobResultError,
  JobTimeoutError,
  ShutdownError,
  UnknownJobError,
} from "../../../src/worker/errors";
import { OverLimitError } from "../../../src/worker/limiter";

const ROOT = join(import.meta.dirname, "../../..");

const errors: EdgekiqError[] = [
  new ConfigError("x"),
  new ArgumentError("x"),
  new MiddlewareError("x"),
  new JobArgumentError("x", "HardJob", "args[0]"),
  new JobValidationError("HardJob", [{ path: "args[0]", message: "bad" }]),
  new JobPayloadError("x"),
  new RedisReplyError("ERR x", "get"),
  new UnsupportedError("x"),
  new UnknownJobError("HardJob"),
  new JobTimeoutError("HardJob", 1),
  new ShutdownError(),
  new BridgeHttpError(400, "x"),
  new EncryptionError("x"),
  new JobFailedError("jid", "Error", "x"),
  new WaitTimeoutError("jid", 1),
  new JobResultError("x"),
  new OverLimitError("x"),
];

describe("EdgekiqError", () => {
  it("each class has a literal name, its own code, and passes cause through", () => {
    for (const err of errors) {
      expect(err).toBeInstanceOf(EdgekiqError);
      expect(err.name).toBe(err.constructor.name);
      expect(err.code).toMatch(/^[A-Z_]+$/);
    }
    expect(new Set(errors.map((e) => e.code)).size).toBe(errors.length);
    const cause = new Error("inner");
    expect(new ConfigError("outer", { cause }).cause).toBe(cause);
  });

  it("a Redis reply error carries Redis's error prefix to branch on", () => {
    expect(new RedisReplyError("NOSCRIPT No matching script. Please use EVAL.").redisCode).toBe(
      "NOSCRIPT",
    );
    expect(new RedisReplyError("WRONGPASS invalid or missing auth token").redisCode).toBe(
      "WRONGPASS",
    );
    expect(new RedisReplyError("EXECABORT Transaction discarded").redisCode).toBe("EXECABORT");
    expect(new RedisReplyError("multi-exec: expected one result per command").redisCode).toBe(
      undefined,
    );
  });

  it("docs/errors.md lists every code with its class", () => {
    const doc = readFileSync(join(ROOT, "docs/errors.md"), "utf8");
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| `(\w+)` \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows.sort()).toEqual(errors.map((e) => [e.code, e.name]).sort());
  });

  it("nothing in src/ or runtimes/ throws a bare Error, TypeError, RangeError or SyntaxError", () => {
    const bare = /(?:throw new|reject\(new) (?:Type|Range|Syntax)?Error\(/;
    const offenders = ["src", "runtimes"]
      .flatMap((dir) => files(join(ROOT, dir)))
      .filter((f) => f.endsWith(".ts") && bare.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}
