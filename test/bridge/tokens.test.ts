// Token loading (file text and environment values, as the CLI passes them), the command table's
// key positions that scoped tokens rely on, and key-pattern globs. No Redis needed.
import { describe, expect, it } from "vitest";
import { globToRegExp, keysOf, loadTokens, refusal, sha256Hex } from "../../src/bridge";
import { ConfigError } from "../../src/core/errors";

describe("loadTokens", () => {
  it("reads the token file format", () => {
    const file = JSON.stringify({
      tokens: [
        { name: "edge", token: "edge-token-0123456789", scope: "enqueue", namespace: "myapp" },
        { name: "dash", sha256: "A".repeat(64), scope: "read" },
        {
          name: "cache",
          token: "cache-token-0123456789",
          scope: { commands: ["GET", "set"], keys: ["cache:*"] },
        },
      ],
    });
    expect(loadTokens({ file })).toEqual([
      { name: "edge", token: "edge-token-0123456789", scope: "enqueue", namespace: "myapp" },
      { name: "dash", sha256: "a".repeat(64), scope: "read" },
      {
        name: "cache",
        token: "cache-token-0123456789",
        scope: { commands: ["get", "set"], keys: ["cache:*"] },
      },
    ]);
  });

  it("reads per-queue limits and rate limits", () => {
    const file = JSON.stringify([
      {
        name: "m",
        token: "mailers-token-0123456789",
        scope: "enqueue",
        queues: ["mailers"],
        rateLimit: { requests: 100, seconds: 1 },
      },
    ]);
    expect(loadTokens({ file })).toEqual([
      {
        name: "m",
        token: "mailers-token-0123456789",
        scope: "enqueue",
        queues: ["mailers"],
        rateLimit: { requests: 100, seconds: 1 },
      },
    ]);
  });

  it("accepts a bare array and names unnamed tokens", () => {
    expect(loadTokens({ file: '[{"token":"abcdefghijklmnop","scope":"admin"}]' })).toEqual([
      { name: "token-1", token: "abcdefghijklmnop", scope: "admin" },
    ]);
  });

  it("reads the environment: one variable per scope, a namespace, or JSON", () => {
    const tokens = loadTokens({
      env: {
        EDGEKIQ_BRIDGE_ENQUEUE_TOKEN: "enqueue-0123456789abc",
        EDGEKIQ_BRIDGE_ADMIN_TOKEN: "admin-0123456789abcde",
        EDGEKIQ_BRIDGE_NAMESPACE: "ns",
        EDGEKIQ_BRIDGE_TOKENS: '[{"name":"x","token":"json-0123456789abcdef","scope":"read"}]',
        UNRELATED: "x",
      },
    });
    expect(tokens).toEqual([
      { name: "x", token: "json-0123456789abcdef", scope: "read" },
      { name: "env-enqueue", token: "enqueue-0123456789abc", scope: "enqueue", namespace: "ns" },
      { name: "env-admin", token: "admin-0123456789abcde", scope: "admin", namespace: "ns" },
    ]);
    expect(loadTokens({ env: {} })).toEqual([]);
  });

  const wrong: [string, string, RegExp][] = [
    ["not JSON", "{", /not valid JSON/],
    ["no list", '{"x":1}', /expected \{ "tokens"/],
    ["a short token", '[{"token":"short","scope":"read"}]', /at least 16 characters/],
    ["a token with spaces", '[{"token":"abcdefgh ijklmnopq","scope":"read"}]', /without spaces/],
    [
      "both token and sha256",
      `[{"token":"abcdefghijklmnop","sha256":"${"a".repeat(64)}","scope":"read"}]`,
      /exactly one/,
    ],
    ["a bad sha256", '[{"sha256":"xyz","scope":"read"}]', /64 hex digits/],
    [
      "an unknown scope",
      '[{"token":"abcdefghijklmnop","scope":"write"}]',
      /scope: expected "enqueue", "read", "admin" or \{ commands/,
    ],
    ["no scope", '[{"token":"abcdefghijklmnop"}]', /scope is missing/],
    [
      "commands not a list",
      '[{"token":"abcdefghijklmnop","scope":{"commands":"get"}}]',
      /scope\.commands: expected an array of non-empty strings, got "get"/,
    ],
    [
      "a script that is not a SHA-1",
      '[{"token":"abcdefghijklmnop","scope":{"commands":["evalsha"],"scripts":["x"]}}]',
      /SHA-1/,
    ],
    [
      "rawScripting on a token that is not admin",
      '[{"token":"abcdefghijklmnop","scope":"read","rawScripting":true}]',
      /rawScripting is for "admin" tokens only/,
    ],
    [
      "rawScripting that is not a boolean",
      '[{"token":"abcdefghijklmnop","scope":"admin","rawScripting":"yes"}]',
      /rawScripting: expected true or false, got "yes"/,
    ],
    [
      "queues on an admin token",
      '[{"token":"abcdefghijklmnop","scope":"admin","queues":["a"]}]',
      /queues is for "enqueue" and "read" tokens only/,
    ],
    [
      "an empty queue list",
      '[{"token":"abcdefghijklmnop","scope":"enqueue","queues":[]}]',
      /queues: expected at least one queue name/,
    ],
    [
      "a bad queue name",
      '[{"token":"abcdefghijklmnop","scope":"enqueue","queues":["a b"]}]',
      /queues: expected queue names of 1-128/,
    ],
    [
      "a rate limit without seconds",
      '[{"token":"abcdefghijklmnop","scope":"enqueue","rateLimit":{"requests":5}}]',
      /rateLimit\.seconds/,
    ],
    [
      "a duplicate name",
      '[{"name":"a","token":"abcdefghijklmnop","scope":"read"},{"name":"a","token":"bbcdefghijklmnop","scope":"read"}]',
      /duplicate name/,
    ],
    [
      "a duplicate token",
      '[{"token":"abcdefghijklmnop","scope":"read"},{"token":"abcdefghijklmnop","scope":"admin"}]',
      /duplicate token/,
    ],
  ];
  for (const [what, file, message] of wrong) {
    it(`rejects ${what} with a ConfigError that says so`, () => {
      expect(() => loadTokens({ file })).toThrow(ConfigError);
      expect(() => loadTokens({ file })).toThrow(message);
    });
  }

  it("names the entry and the field, and never prints a secret", () => {
    const short = '[{"name":"edge","token":"s3cret pass","scope":"enqueue"}]';
    expect(() => loadTokens({ file: short })).toThrow(
      'token file: tokens[0] ("edge"): token: expected at least 16 characters, without spaces',
    );
    expect(() => loadTokens({ file: short })).not.toThrow(/s3cret/);
    expect(() =>
      loadTokens({
        file: '[{"token":"abcdefghijklmnop","scope":{"commands":["get"],"keys":["a",""]}}]',
      }),
    ).toThrow('token file: tokens[0]: scope.keys[1]: expected a non-empty string, got ""');
    expect(() =>
      loadTokens({ file: '[{"name":7,"token":"abcdefghijklmnop","scope":"read"}]' }),
    ).toThrow("token file: tokens[0]: name: expected a non-empty string, got 7");
  });

  it("keeps rawScripting on an admin token that asks for it, and only then", () => {
    const file =
      '[{"name":"a","token":"abcdefghijklmnop","scope":"admin","rawScripting":true},{"name":"b","token":"bbcdefghijklmnop","scope":"admin","rawScripting":false}]';
    expect(loadTokens({ file })).toEqual([
      { name: "a", token: "abcdefghijklmnop", scope: "admin", rawScripting: true },
      { name: "b", token: "bbcdefghijklmnop", scope: "admin" },
    ]);
  });

  it("keeps names and tokens unique across the file and the environment", () => {
    const file = '[{"name":"a","token":"abcdefghijklmnop","scope":"read"}]';
    expect(() =>
      loadTokens({
        file,
        env: { EDGEKIQ_BRIDGE_TOKENS: '[{"name":"a","token":"zzzzzzzzzzzzzzzz","scope":"read"}]' },
      }),
    ).toThrow(/duplicate name/);
    expect(() =>
      loadTokens({ file, env: { EDGEKIQ_BRIDGE_ADMIN_TOKEN: "abcdefghijklmnop" } }),
    ).toThrow(/duplicate token/);
  });

  it("sha256Hex gives the digest a token file stores", async () => {
    expect(await sha256Hex("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

describe("command key positions", () => {
  const cases: [string, string[], string[] | undefined][] = [
    ["get", ["a"], ["a"]],
    ["set", ["a", "v", "EX", "1"], ["a"]],
    ["mset", ["a", "1", "b", "2"], ["a", "b"]],
    ["del", ["a", "b", "c"], ["a", "b", "c"]],
    ["rename", ["a", "b"], ["a", "b"]],
    ["lmove", ["a", "b", "LEFT", "RIGHT"], ["a", "b"]],
    ["bitop", ["AND", "dest", "a", "b"], ["dest", "a", "b"]],
    ["eval", ["return 1", "2", "k1", "k2", "arg"], ["k1", "k2"]],
    ["evalsha", ["abc", "0", "arg"], []],
    ["eval", ["return 1", "5", "k1"], undefined],
    ["eval", ["return 1", "-1"], undefined],
    ["zunionstore", ["dest", "2", "a", "b", "WEIGHTS", "1", "2"], ["dest", "a", "b"]],
    ["zunion", ["2", "a", "b", "WITHSCORES"], ["a", "b"]],
    ["lmpop", ["2", "a", "b", "LEFT"], ["a", "b"]],
    ["xread", ["COUNT", "2", "STREAMS", "s1", "s2", "0", "0"], ["s1", "s2"]],
    ["xread", ["STREAMS", "s1"], undefined],
    ["object", ["ENCODING", "k"], ["k"]],
    ["ping", [], []],
    ["sort", ["k", "BY", "other:*"], undefined],
    ["georadius", ["k", "0", "0", "1", "km", "STORE", "x"], undefined],
    ["nosuch", ["a"], undefined],
  ];
  for (const [name, args, keys] of cases) {
    it(`${name} ${args.join(" ")} -> ${keys ? JSON.stringify(keys) : "cannot tell"}`, () => {
      expect(keysOf(name, args)).toEqual(keys);
    });
  }

  it("refuses blocking, connection-state and server commands for everyone", () => {
    for (const name of ["blpop", "bzpopmin", "wait", "multi", "select", "subscribe", "config"]) {
      expect(refusal(name, [])).toMatch(/not supported over REST/);
    }
    expect(refusal("xread", ["BLOCK", "0", "STREAMS", "s", "$"])).toMatch(/BLOCK/);
    expect(refusal("xread", ["STREAMS", "s", "0"])).toBeUndefined();
    expect(refusal("copy", ["a", "b", "DB", "2"])).toMatch(/another database/);
    for (const name of ["swapdb", "move", "migrate", "flushall"]) {
      expect(refusal(name, [])).toMatch(/not supported over REST/);
    }
    expect(refusal("get", ["a"])).toBeUndefined();
  });
});

describe("key patterns", () => {
  it("* is any run, ? one character, everything else literal", () => {
    expect(globToRegExp("queue:*").test("queue:default")).toBe(true);
    expect(globToRegExp("queue:*").test("xqueue:default")).toBe(false);
    expect(globToRegExp("a?c").test("abc")).toBe(true);
    expect(globToRegExp("a?c").test("abbc")).toBe(false);
    expect(globToRegExp("a.b[c]").test("a.b[c]")).toBe(true);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
    expect(globToRegExp("*").test("any\nthing")).toBe(true);
  });
});
