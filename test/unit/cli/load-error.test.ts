// The CLI's one line for a jobs file that cannot load (#14 item 6): each loader reports a syntax
// error's place in its own form, and each keeps `file:line:column` (columns from 1); any other
// error keeps its message's first line, and its frames for the debug log. The error shapes are
// those the real loaders produced (tsx/esbuild, Bun, Deno, and our Node loader after --check);
// test/runtimes/cli-job-logs.test.ts checks them end to end.
import { describe, expect, it } from "vitest";
import { describeLoadError } from "../../../src/cli/load-error";

describe("describeLoadError", () => {
  it("reads tsx's esbuild message, whose column counts from 0", () => {
    const err = new Error(
      'Transform failed with 1 error:\n/app/jobs.ts:3:10: ERROR: Expected identifier but found "="',
    );
    expect(describeLoadError(err)).toEqual({
      summary: 'syntax error at /app/jobs.ts:3:11: Expected identifier but found "="',
      backtrace: [],
    });
  });

  it("reads Bun's build messages", () => {
    const err = new AggregateError(
      [{ message: "Unexpected =", position: { file: "/app/jobs.ts", line: 3, column: 11 } }],
      '3 errors building "/app/jobs.ts"',
    );
    expect(describeLoadError(err).summary).toBe("syntax error at /app/jobs.ts:3:11: Unexpected =");
  });

  it("reads Deno's message and our Node loader's, a file URL decoded", () => {
    const deno = new TypeError(
      "SyntaxError: Unexpected token `=`\n  |\n3 |     const = 5;\n  |           ~\n    at file:///my%20app/jobs.ts:3:11",
    );
    expect(describeLoadError(deno).summary).toBe(
      "syntax error at /my app/jobs.ts:3:11: Unexpected token `=`",
    );
    const node = new Error("SyntaxError: Unexpected token '='\n    at /app/jobs.mjs:3:11");
    expect(describeLoadError(node).summary).toBe(
      "syntax error at /app/jobs.mjs:3:11: Unexpected token '='",
    );
  });

  it("keeps another error's first line and its frames, tsx's data: URLs shortened to the file", () => {
    const err = new Error("no config\nmore detail");
    err.stack =
      "Error: no config\n" +
      "    at boom (data:text/javascript,var%20x%3D1%3B?filePath=%2Fapp%2Fjobs.ts%3Fnamespace%3Dabc:2:885)\n" +
      "    at file:///app/jobs.ts:4:1";
    expect(describeLoadError(err)).toEqual({
      summary: "no config",
      backtrace: ["at boom (/app/jobs.ts)", "at file:///app/jobs.ts:4:1"],
    });
    expect(describeLoadError("a string").summary).toBe("a string");
  });
});
