import { describe, expect, it } from "vitest";
import { parseArgs } from "../../../src/cli/args";
import { parseConfigFile } from "../../../src/cli/config-file";
import { parseRedisUrl, redact } from "../../../src/cli/redis-options";
import { isLoopback } from "../../../src/cli/serve-until-stopped";
import { parseQueueFlags, WORKER_FLAGS } from "../../../src/cli/worker-command";

describe("parseRedisUrl", () => {
  it("reads host, port, ACL user, password and database", () => {
    expect(parseRedisUrl("redis://app:p%40ss@redis.internal:6380/4")).toEqual({
      host: "redis.internal",
      port: 6380,
      db: 4,
      username: "app",
      password: "p@ss",
    });
  });
  it("turns on TLS for rediss:// and defaults the port and database", () => {
    expect(parseRedisUrl("rediss://:pw@cache.example.com")).toEqual({
      host: "cache.example.com",
      port: 6379,
      db: 0,
      password: "pw",
      tls: true,
    });
  });
  it("reads IPv6 hosts", () => {
    expect(parseRedisUrl("redis://[::1]:7000").host).toBe("::1");
  });
  it("refuses other schemes and non-numeric databases, without printing the password", () => {
    expect(() => parseRedisUrl("http://u:secret@x")).toThrow(
      /scheme must be redis:\/\/ or rediss:\/\//,
    );
    expect(() => parseRedisUrl("http://u:secret@x")).not.toThrow(/secret/);
    expect(() => parseRedisUrl("redis://x/abc")).toThrow(/database number/);
    expect(redact("redis://u:secret@h:1/0")).toBe("redis://u:***@h:1/0");
  });
});

describe("parseArgs", () => {
  it("reads short, long, --flag=value, repeated lists and booleans", () => {
    const a = parseArgs(
      ["-r", "jobs.ts", "-q", "a,2", "--queue=b", "--concurrency=5", "--log-args"],
      WORKER_FLAGS,
      "worker",
    );
    expect(a).toMatchObject({
      require: "jobs.ts",
      queue: ["a,2", "b"],
      concurrency: "5",
      "log-args": true,
      _: [],
    });
  });
  it("says which flag is unknown or lacks a value", () => {
    expect(() => parseArgs(["--nope"], WORKER_FLAGS, "worker")).toThrow(
      "unknown option --nope; see `edgekiq worker --help`",
    );
    expect(() => parseArgs(["-c"], WORKER_FLAGS, "worker")).toThrow(
      "option --concurrency needs a value (N)",
    );
  });
});

describe("parseQueueFlags", () => {
  it("keeps strict order without weights and weights every queue when one has a weight", () => {
    expect(parseQueueFlags(["critical", "default"])).toEqual(["critical", "default"]);
    expect(parseQueueFlags(["critical,3", "default"])).toEqual([
      ["critical", 3],
      ["default", 1],
    ]);
    expect(parseQueueFlags(["a,0", "b"])).toEqual(["a", "b"]);
  });
  it("refuses a bad weight with the offending value", () => {
    expect(() => parseQueueFlags(["critical,-1"])).toThrow('bad queue weight in "critical,-1"');
    expect(() => parseQueueFlags(["a,1,2"])).toThrow(/expected NAME or NAME,WEIGHT/);
  });
});

describe("parseConfigFile", () => {
  it("reads a Sentinel group and the worker settings", () => {
    const c = parseConfigFile(
      JSON.stringify({
        redis: { sentinels: [{ host: "s1", port: 26379 }], name: "mymaster", password: "pw" },
        queues: ["critical,2", ["default", 1]],
        concurrency: 20,
        labels: ["blue"],
      }),
      "edgekiq.json",
    );
    expect(c.redis).toMatchObject({
      sentinels: [{ host: "s1", port: 26379 }],
      name: "mymaster",
      password: "pw",
    });
    expect(c.queues).toEqual(["critical,2", "default,1"]);
    expect(c.concurrency).toBe(20);
  });
  it("says what is wrong", () => {
    expect(() => parseConfigFile("{", "x.json")).toThrow(/config file x.json is not valid JSON/);
    expect(() => parseConfigFile('{"concurency":1}', "x.json")).toThrow(
      'config file x.json: unknown setting "concurency"',
    );
    expect(() => parseConfigFile('{"redis":{"sentinels":[]}}', "x.json")).toThrow(
      /needs "sentinels"/,
    );
  });
});

describe("isLoopback", () => {
  it("accepts only loopback addresses", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1"])
      expect(isLoopback(h)).toBe(true);
    for (const h of ["0.0.0.0", "10.0.0.1", "::", "example.com"]) expect(isLoopback(h)).toBe(false);
  });
});
