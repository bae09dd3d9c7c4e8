// detectPlatform() under Node (this process): the facts the CLI's nodePlatform gives, found
// through globals only. The same on Bun and Deno, and the graceful stop on SIGTERM, is checked
// with real binaries in test/runtimes/embedded-worker.test.ts.
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { nodePlatform } from "../../../runtimes/node/platform";
import { detectPlatform } from "../../../src/worker/runtime-platform";

describe("detectPlatform on Node", () => {
  it("has this process's hostname, pid and RSS, like nodePlatform", () => {
    const platform = detectPlatform();
    expect(platform.hostname()).toBe(process.env.DYNO || hostname());
    expect(platform.hostname()).toBe(nodePlatform.hostname());
    expect(platform.pid).toBe(process.pid);
    expect(platform.rssKb()).toBeGreaterThan(1000);
  });

  it("subscribes to the OS signal and unsubscribes", () => {
    const before = process.listenerCount("SIGTTIN");
    const off = detectPlatform().onSignal("TTIN", () => undefined);
    expect(process.listenerCount("SIGTTIN")).toBe(before + 1);
    off();
    expect(process.listenerCount("SIGTTIN")).toBe(before);
  });
});
