// The CLI's error contract: an EdgekiqError is one line on stderr without a stack, exit 2 for a
// configuration error and 1 for the others; anything else is a bug and keeps its stack.
import { afterEach, describe, expect, it } from "vitest";
import { COMMANDS, main } from "../../../src/cli/main";
import type { CliRuntime } from "../../../src/cli/runtime";
import { ConfigError, RedisReplyError } from "../../../src/core/errors";

const output: string[] = [];
const rt = {
  name: "test",
  env: {},
  cwd: "/",
  stdout: (text: string) => output.push(text),
  stderr: (text: string) => output.push(text),
} as unknown as CliRuntime;

function failing(err: unknown) {
  COMMANDS.fail = { summary: "", help: "", run: () => Promise.reject(err) };
}

afterEach(() => {
  delete COMMANDS.fail;
  output.length = 0;
});

describe("edgekiq CLI errors", () => {
  it("a configuration error: one line, exit 2", async () => {
    failing(new ConfigError('bad queue weight in "a,b"'));
    expect(await main(["fail"], rt)).toBe(2);
    expect(output).toEqual(['edgekiq fail: bad queue weight in "a,b"']);
  });

  it("any other EdgekiqError: one line, exit 1", async () => {
    failing(new RedisReplyError("NOAUTH Authentication required.", "ping"));
    expect(await main(["fail"], rt)).toBe(1);
    expect(output).toEqual(["edgekiq fail: NOAUTH Authentication required."]);
  });

  it("an unexpected error is not turned into a line: it keeps its stack", async () => {
    const bug = new TypeError("cannot read properties of undefined");
    failing(bug);
    await expect(main(["fail"], rt)).rejects.toBe(bug);
    expect(output).toEqual([]);
  });
});
