// The docs test's command-line checker catches what the CLI would refuse, and finds edgekiq
// however a page starts it (and only then).
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/main";
import {
  checkEdgekiqArguments,
  edgekiqArguments,
  helpFlags,
  npmScript,
  shellCommands,
  withDirectories,
} from "./command-lines";

const help = Object.fromEntries(Object.entries(COMMANDS).map(([name, c]) => [name, c.help]));
const check = (line: string) => {
  const args = edgekiqArguments(shellCommands(line)[0]!);
  if (!args) throw new Error(`no edgekiq invocation in ${line}`);
  return checkEdgekiqArguments(args, help);
};

describe("edgekiqArguments", () => {
  it.each([
    ["npx edgekiq worker -r ./jobs.ts", ["worker", "-r", "./jobs.ts"]],
    ["bunx --bun edgekiq stats", ["stats"]],
    ["REDIS_URL=redis://x:6379/1 node_modules/.bin/edgekiq web --open", ["web", "--open"]],
    ["deno run -A ./node_modules/edgekiq/dist/cli.js worker", ["worker"]],
    ["npx deno run -A dist/cli.js worker -c 5", ["worker", "-c", "5"]],
    ["/usr/bin/node /srv/app/node_modules/.bin/edgekiq bridge", ["bridge"]],
    ["deno run -A npm:edgekiq worker", ["worker"]],
  ])("finds the CLI in `%s`", (line, args) => {
    expect(edgekiqArguments(shellCommands(line)[0]!)).toEqual(args);
  });

  it.each([
    "npm install edgekiq ioredis",
    "npx tsx examples/shared/enqueue.ts",
    "echo edgekiq worker",
  ])("finds none in `%s`", (line) => {
    expect(edgekiqArguments(shellCommands(line)[0]!)).toBeUndefined();
  });
});

describe("checkEdgekiqArguments against --help", () => {
  it("reads the flags of a command's help", () => {
    expect(helpFlags(help.worker!)).toContainEqual({
      long: "concurrency",
      short: "c",
      takesValue: true,
    });
    expect(helpFlags(help.web!)).toContainEqual({ long: "open", takesValue: false });
  });

  it("accepts what the CLI accepts", () => {
    expect(check("npx edgekiq worker -r ./jobs.ts -q a,3 -q b -c 10 --log-args …")).toBeUndefined();
    expect(check("edgekiq bridge --port=8079 --allowed-host a.example")).toBeUndefined();
  });

  it.each([
    ["edgekiq wrker", 'unknown command "wrker"'],
    ["edgekiq worker --concurency 5", "unknown option --concurency for `edgekiq worker`"],
    ["edgekiq worker -x", "unknown option -x for `edgekiq worker`"],
    ["edgekiq worker -r", "--require needs a value"],
    ["edgekiq worker -t -5", "--timeout needs a value"],
    ["edgekiq web --open=yes", "--open takes no value"],
    ["edgekiq stats extra", 'stray argument "extra"'],
    ["edgekiq periodic list --json", undefined], // a subcommand its help names
    ["edgekiq periodic drop", 'stray argument "drop"'],
    ["edgekiq <command> --nope", undefined], // a template, not a command line
  ])("judges `%s`", (line, problem) => {
    expect(check(line)).toBe(problem);
  });
});

describe("shellCommands", () => {
  it("splits commands, joins continuations, drops comments and heredoc bodies", () => {
    const text = [
      "npm ci && npm run build   # once",
      "cat > .env <<EOF",
      "edgekiq nonsense",
      "EOF",
      "curl -X POST http://x \\",
      "  -d '{\"a\": 1}' | jq .",
    ].join("\n");
    expect(shellCommands(text)).toEqual([
      ["npm", "ci"],
      ["npm", "run", "build"],
      ["cat", ">", ".env", "<<EOF"],
      ["curl", "-X", "POST", "http://x", "-d", '{"a": 1}'],
      ["jq", "."],
    ]);
  });

  it("knows the directory each command runs in, through cd and subshells", () => {
    const commands = shellCommands(
      "(cd ../.. && npm ci && npm run build)\nnpm install\ncd app; npm test",
    );
    expect(withDirectories(commands, "examples/x")).toEqual([
      { words: ["npm", "ci"], dir: "." },
      { words: ["npm", "run", "build"], dir: "." },
      { words: ["npm", "install"], dir: "examples/x" },
      { words: ["npm", "test"], dir: "examples/x/app" },
    ]);
  });

  it("names the npm script a line runs", () => {
    expect(npmScript(["npm", "run", "demo"])).toBe("demo");
    expect(npmScript(["npm", "test"])).toBe("test");
    expect(npmScript(["npm", "ci"])).toBeUndefined();
  });
});
