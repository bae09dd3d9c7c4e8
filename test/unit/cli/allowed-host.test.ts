// `--allowed-host` (repeatable) and its environment fallback for `edgekiq web` and `edgekiq bridge`.
import { parseArgs } from "node:util";
import { describe, expect, it } from "vitest";
import { parseFlags } from "../../../src/cli/args";
import { ALLOWED_HOST_FLAG, allowedHosts } from "../../../src/cli/common";

const parse = (argv: string[]) =>
  parseFlags(parseArgs, argv, { "allowed-host": ALLOWED_HOST_FLAG }, "web").values;

describe("allowedHosts", () => {
  it("takes every --allowed-host, ahead of the environment", () => {
    const args = parse(["--allowed-host", "a.example", "--allowed-host=b.example"]);
    expect(allowedHosts(args, "c.example")).toEqual(["a.example", "b.example"]);
  });

  it("falls back to the comma-separated environment value, else leaves the default", () => {
    expect(allowedHosts(parse([]), " a.example, b.example ,,")).toEqual(["a.example", "b.example"]);
    expect(allowedHosts(parse([]), undefined)).toBeUndefined();
    expect(allowedHosts(parse([]), " , ")).toBeUndefined();
  });
});
