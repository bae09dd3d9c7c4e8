// Wraps a RedisClient to record every round trip it makes (one entry per call/multi/pipeline/eval),
// so tests can assert how many requests an operation costs.
import type { RedisClient, RedisCommand } from "../../src/redis/types";

export interface RoundTrip {
  kind: "call" | "multi" | "pipeline" | "evalScript";
  commands: RedisCommand[];
}

export function countingRedis(inner: RedisClient): RedisClient & { trips: RoundTrip[] } {
  const trips: RoundTrip[] = [];
  return {
    trips,
    call: (c) => (trips.push({ kind: "call", commands: [c] }), inner.call(c)),
    multi: (cs) => (trips.push({ kind: "multi", commands: [...cs] }), inner.multi(cs)),
    pipeline: (cs) => (trips.push({ kind: "pipeline", commands: [...cs] }), inner.pipeline(cs)),
    evalScript: (s, k, a) => (
      trips.push({ kind: "evalScript", commands: [["evalsha", s.sha1, k.length, ...k, ...a]] }),
      inner.evalScript(s, k, a)
    ),
  };
}
