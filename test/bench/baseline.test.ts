// `--baseline <ref>` checks out the commit it names with real git into a temporary directory:
// the commit's sources, and its own bench/ glue when it has the child entries, else today's.
// Each case runs against a small repository of its own, so it depends on no particular history.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkoutBaseline, resolveBaseline } from "../../bench/lib/baseline";
import { BENCH_DIR } from "../../bench/lib/build";

const ENTRIES = ["systems/edgekiq-worker.ts", "systems/edgekiq-producer.ts"];
const dir = mkdtempSync(join(tmpdir(), "edgekiq-baseline-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let repos = 0;
/** A new git repository; `commit` writes files (path -> text) and commits them, returning the sha. */
function repository() {
  const repo = join(dir, `repo${++repos}`);
  mkdirSync(repo);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: repo,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  git("init", "-q");
  return {
    repo,
    commit(files: Record<string, string>): string {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(repo, path)), { recursive: true });
        writeFileSync(join(repo, path), text);
      }
      git("add", "-A");
      git("commit", "-q", "-m", "change");
      return git("rev-parse", "HEAD");
    },
  };
}

/** A directory of its own for each checkout, to see what is left in it. */
function parent(): string {
  return mkdtempSync(join(dir, "parent-"));
}

describe("resolveBaseline", () => {
  it("names the commit a ref points at", () => {
    const r = repository();
    const first = r.commit({ "src/index.ts": "export const v = 1;\n" });
    r.commit({ "src/index.ts": "export const v = 2;\n" });
    const base = resolveBaseline("HEAD~1", r.repo);
    expect(base).toEqual({ ref: "HEAD~1", commit: first, short: expect.any(String) });
    expect(first.startsWith(base.short)).toBe(true);
  });

  it("refuses a ref that names no commit, with git's reason", () => {
    const r = repository();
    r.commit({ "src/index.ts": "" });
    expect(() => resolveBaseline("no-such-branch", r.repo)).toThrow(
      /--baseline no-such-branch: not a commit of this repository \(fatal: /,
    );
  });
});

describe("checkoutBaseline", () => {
  it("takes the commit's own src and bench glue when it has the entries", () => {
    const r = repository();
    const files = {
      "src/index.ts": "export const v = 1;\n",
      "bench/systems/edgekiq-worker.ts": "// the commit's worker\n",
      "bench/systems/edgekiq-producer.ts": "// the commit's producer\n",
      "bench/lib/protocol.ts": "// the commit's protocol\n",
      "tsconfig.json": "{}\n",
    };
    const commit = r.commit(files);
    r.commit({ "src/index.ts": "export const v = 2;\n" });
    const c = checkoutBaseline(resolveBaseline(commit, r.repo), ENTRIES, r.repo, parent());
    try {
      expect(c.glue).toBe("ref");
      expect(c.protocolChanged).toBe(true);
      const root = dirname(c.benchDir);
      for (const [path, text] of Object.entries(files)) {
        expect(readFileSync(join(root, path), "utf8"), path).toBe(text);
      }
    } finally {
      c.remove();
    }
  });

  it("builds a commit without the entries with today's bench glue, and says so", () => {
    const r = repository();
    const commit = r.commit({
      "src/index.ts": "export const v = 1;\n",
      "bench/systems/edgekiq-worker.ts": "// only one of the entries\n",
    });
    const c = checkoutBaseline(resolveBaseline(commit, r.repo), ENTRIES, r.repo, parent());
    try {
      expect(c.glue).toBe("current");
      expect(c.protocolChanged).toBe(false);
      expect(readFileSync(join(dirname(c.benchDir), "src/index.ts"), "utf8")).toBe(
        "export const v = 1;\n",
      );
      for (const entry of [...ENTRIES, "lib/protocol.ts", "lib/recorder.ts"]) {
        expect(readFileSync(join(c.benchDir, entry), "utf8"), entry).toBe(
          readFileSync(join(BENCH_DIR, entry), "utf8"),
        );
      }
      // Raw results of earlier runs stay behind.
      expect(existsSync(join(c.benchDir, "results"))).toBe(false);
    } finally {
      c.remove();
    }
    expect(existsSync(dirname(c.benchDir))).toBe(false);
  });

  it("fails on a commit without src/ and leaves no directory behind", () => {
    const r = repository();
    const commit = r.commit({ "README.md": "no sources yet\n" });
    const where = parent();
    expect(() => checkoutBaseline(resolveBaseline(commit, r.repo), ENTRIES, r.repo, where)).toThrow(
      /cannot check out [0-9a-f]+ \([0-9a-f]+\): commit [0-9a-f]+ has no src\//,
    );
    expect(readdirSync(where)).toEqual([]);
  });
});
