// Where a JavaScript syntax error is, on Node. Node's ESM loader rejects `import()` of a file with
// a syntax error with a SyntaxError whose message and stack name no file, line or column (Node
// prints them only for an uncaught error). `node --check` parses the file without running any of
// it and prints `file:line`, the line and a caret, which give the column. Used only after an
// import has failed with a SyntaxError, so a healthy start never pays for the extra process.
import { spawnSync } from "node:child_process";

/** `file:line:column` of the syntax error in `file`, or undefined if Node finds none there. */
export function syntaxErrorAt(file: string, flags: readonly string[] = []): string | undefined {
  const result = spawnSync(process.execPath, [...flags, "--check", file], {
    encoding: "utf8",
    timeout: 10_000,
  });
  if (result.status === 0 || typeof result.stderr !== "string") return undefined;
  const lines = result.stderr.split("\n");
  const head = /^(.+):(\d+)$/.exec(lines[0] ?? "");
  if (!head) return undefined;
  const caret = (lines[2] ?? "").indexOf("^");
  return `${head[1]}:${head[2]}${caret >= 0 ? `:${caret + 1}` : ""}`;
}
