// Wraps a RedisClient to record every round trip it makes (one entry per call/multi/pipeline/eval),
// so tests can assert how many requests an operation costs.
import type { RedisClient, RedisCommand } from "../../src/redis/types";

export interface RoundTrip {
  kind: "call" | "multi" | "pipeline" | "evalScript";
  commands: RedisCommand[];
}

/** `keepTransport` passes the inner door's transport hint on (else it looks like a REST door). */
export function countingRedis(
  inner: RedisClient,
  keepTransport = false,
): RedisClient & { trips: RoundTrip[] } {
  const trips: RoundTrip[] = [];
  const record = (kind: RoundTrip["kind"], commands: RedisCommand[]) =>
    trips.push({ kind, commands });
  return {
    trips,
    transport: keepTransport ? inner.transport : undefined,
    call(c) {
      record("call", [c]);
      return inner.call(c);
    },
    multi(cs) {
      record("multi", [...cs]);
      return inner.multi(cs);
    },
    pipeline(cs) {
      record("pipeline", [...cs]);
      return inner.pipeline(cs);
    },
    evalScript(s, k, a) {
      record("evalScript", [["evalsha", s.sha1, k.length, ...k, ...a]]);
      return inner.evalScript(s, k, a);
    },
  };
}
