// Secrets reach the CLI from a variable or from the file its _FILE names; the messages name the
// variable or the file, never the value.
import { mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliRuntime } from "../../../src/cli/runtime";
import { readSecret, withFileSecrets } from "../../../src/cli/secrets";
import { ConfigError } from "../../../src/core/errors";

const dir = mkdtempSync(join(tmpdir(), "edgekiq-secrets-"));

function runtime(env: Record<string, string>): CliRuntime {
  return {
    name: "test",
    env,
    readTextFile: (path: string) => readFile(path, "utf8"),
    stdout: () => undefined,
  } as unknown as CliRuntime;
}

describe("CLI secrets", () => {
  it("reads NAME, else the file NAME_FILE names, without its trailing newline", async () => {
    const file = join(dir, "password");
    writeFileSync(file, "s3cret-from-file\n");
    expect(await readSecret(runtime({ X: "direct" }), "X")).toBe("direct");
    expect(await readSecret(runtime({ X_FILE: file }), "X")).toBe("s3cret-from-file");
    expect(await readSecret(runtime({}), "X")).toBeUndefined();
  });

  it("refuses both, a missing file and an empty file, naming the variable only", async () => {
    const empty = join(dir, "empty");
    writeFileSync(empty, "\n");
    const attempts = [
      readSecret(runtime({ X: "the-secret-value", X_FILE: empty }), "X"),
      readSecret(runtime({ X_FILE: join(dir, "absent") }), "X"),
      readSecret(runtime({ X_FILE: empty }), "X"),
    ];
    const messages: string[] = [];
    for (const attempt of attempts) {
      await attempt.then(
        () => expect.unreachable(),
        (err) => {
          expect(err).toBeInstanceOf(ConfigError);
          messages.push((err as Error).message);
        },
      );
    }
    expect(messages[0]).toBe("set X or X_FILE, not both");
    expect(messages[1]).toMatch(/^X_FILE: cannot read .*absent \(ENOENT\)$/);
    expect(messages[2]).toMatch(/is empty$/);
    expect(messages.join("\n")).not.toContain("the-secret-value");
  });

  it("withFileSecrets fills every secret variable from its _FILE; the runtime is otherwise the same", async () => {
    const keys = join(dir, "keys");
    writeFileSync(keys, "k1:AAAA\n");
    const url = join(dir, "url");
    writeFileSync(url, "redis://:pw@127.0.0.1:1/0");
    const rt = runtime({ EDGEKIQ_ENCRYPTION_KEYS_FILE: keys, REDIS_URL_FILE: url, OTHER: "o" });
    const resolved = await withFileSecrets(rt);
    expect(resolved.env.EDGEKIQ_ENCRYPTION_KEYS).toBe("k1:AAAA");
    expect(resolved.env.REDIS_URL).toBe("redis://:pw@127.0.0.1:1/0");
    expect(resolved.env.OTHER).toBe("o");
    expect(resolved.name).toBe("test");
    expect(await resolved.readTextFile(url)).toContain("redis://");
    const plain = runtime({ REDIS_URL: "redis://x" });
    expect(await withFileSecrets(plain)).toBe(plain);
  });
});
