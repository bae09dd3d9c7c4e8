import { parseArgs } from "node:util";
import { describe, expect, it } from "vitest";
import { parseFlags } from "../../../src/cli/args";
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

describe("parseFlags (node:util parseArgs, checked against the command's flags)", () => {
  const parse = (argv: string[]) => parseFlags(parseArgs, argv, WORKER_FLAGS, "worker");

  it("reads short, long, --flag=value, repeated lists and booleans, and converts values", () => {
    expect(
      parse(["-r", "jobs.ts", "-q", "a,2", "--queue=b", "--concurrency=5", "--log-args", "-t0"]),
    ).toEqual({
      values: {
        require: "jobs.ts",
        queue: ["a,2", "b"],
        concurrency: 5,
        "log-args": true,
        timeout: 0,
      },
      positionals: [],
    });
    expect(parse(["--sidekiq-version", "6", "--log-level", "debug", "x"])).toEqual({
      values: { "sidekiq-version": 6, "log-level": "debug" },
      positionals: ["x"],
    });
  });

  it("says which flag is unknown, lacks a value or takes none", () => {
    expect(() => parse(["--nope"])).toThrow("unknown option --nope; see `edgekiq worker --help`");
    expect(() => parse(["-x"])).toThrow("unknown option -x; see `edgekiq worker --help`");
    expect(() => parse(["-c"])).toThrow("option --concurrency needs a value (N)");
    expect(() => parse(["-r", "--help"])).toThrow("option --require needs a value (FILE)");
    expect(() => parse(["--log-args=yes"])).toThrow("option --log-args takes no value");
  });

  it("checks values, naming the flag and the text it got", () => {
    expect(() => parse(["-c", "0"])).toThrow(
      '-c (concurrency): expected a whole number of at least 1, got "0"',
    );
    expect(() => parse(["-t", "-5"])).toThrow(
      '-t (timeout): expected a whole number of seconds, 0 or more, got "-5"',
    );
    expect(() => parse(["-t", "2.5"])).toThrow(/-t \(timeout\): expected a whole number/);
    expect(() => parse(["--log-level", "loud"])).toThrow(
      '--log-level: expected "debug", "info", "warn" or "error", got "loud"',
    );
    expect(() => parse(["--sidekiq-version", "8"])).toThrow(
      '--sidekiq-version: expected "6" or "7", got "8"',
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
    expect(parseConfigFile('{"redis":{"url":"redis://:pw@h:7/3","tls":true}}', "y").redis).toEqual({
      host: "h",
      port: 7,
      db: 3,
      password: "pw",
      tls: true,
    });
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
    expect(() => parseConfigFile('{"concurrency":0}', "x.json")).toThrow(
      "config file x.json: concurrency: expected a positive integer, got 0",
    );
    expect(() => parseConfigFile('{"logLevel":"loud"}', "x.json")).toThrow(
      'config file x.json: logLevel: expected "debug", "info", "warn" or "error", got "loud"',
    );
    expect(() => parseConfigFile('{"labels":["a", 2]}', "x.json")).toThrow(
      "config file x.json: labels[1]: expected a non-empty string, got 2",
    );
    expect(() =>
      parseConfigFile('{"redis":{"sentinels":[{"host":"s1","port":"x"}],"name":"m"}}', "x.json"),
    ).toThrow('config file x.json: redis.sentinels[0].port: expected a port number, got "x"');
    expect(() => parseConfigFile("[]", "x.json")).toThrow(
      "config file x.json: expected a JSON object, got Array",
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
