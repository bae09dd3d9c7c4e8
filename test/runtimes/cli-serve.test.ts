// `edgekiq web` and `edgekiq bridge` from the built package under Node, Bun and Deno: they refuse
// to serve without authentication, serve with it, and stop with exit 0 on TERM.
import { Redis as UpstashRedis } from "@upstash/redis";
import { afterEach, describe, expect, it } from "vitest";
import { Client } from "../../src/core/client";
import { fromUpstash } from "../../src/redis/rest";
import { type CliProcess, type RuntimeName, runCli, startCli } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";
import { waitFor } from "../helpers/ruby";

const t = await useTestRedis();
const running: CliProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill("SIGKILL");
});

async function served(p: CliProcess, what: string): Promise<string> {
  const line = await waitFor(
    () => /on (http:\/\/[^\s/]+)/.exec(p.output()),
    20_000,
    `${what} to listen:\n${p.output()}`,
  );
  return line?.[1] ?? "";
}

describe("edgekiq web", () => {
  it("refuses to serve without credentials, and --open off loopback", async () => {
    const none = await runCli("node", ["web", "--redis", t.url]);
    expect(none.code).toBe(2);
    expect(none.output.trim()).toBe(
      "edgekiq web: set EDGEKIQ_WEB_USERNAME and EDGEKIQ_WEB_PASSWORD for basic auth, or pass --open on a loopback address",
    );
    const open = await runCli("node", ["web", "--open", "--host", "0.0.0.0", "--redis", t.url]);
    expect(open.code).toBe(2);
    expect(open.output).toMatch(/allowed on loopback only, not on 0\.0\.0\.0/);
  });

  it.each(["node", "bun", "deno"] as RuntimeName[])(
    "serves the dashboard with basic auth on %s",
    async (runtime) => {
      await new Client({ redis: t.redis }).push({
        class: "WebCliJob",
        args: [],
        queue: `web-${runtime}`,
      });
      const p = startCli(runtime, ["web", "--port", "0", "--redis", t.url], {
        EDGEKIQ_WEB_USERNAME: "ops",
        EDGEKIQ_WEB_PASSWORD: "s3cret",
      });
      running.push(p);
      const base = await served(p, "web");
      expect((await fetch(`${base}/`)).status).toBe(401);
      const ok = await fetch(`${base}/queues`, {
        headers: { authorization: `Basic ${btoa("ops:s3cret")}` },
      });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain(`web-${runtime}`);
      p.child.kill("SIGTERM");
      expect(await p.exited).toBe(0);
    },
    40_000,
  );
});

describe("edgekiq bridge", () => {
  it("refuses to start without tokens", async () => {
    const r = await runCli("node", ["bridge", "--redis", t.url]);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/no tokens: pass --tokens FILE or set EDGEKIQ_BRIDGE_ENQUEUE_TOKEN/);
  });

  it.each(["node", "bun", "deno"] as RuntimeName[])(
    "takes pushes from @upstash/redis with an enqueue token on %s",
    async (runtime) => {
      const token = `tok-${runtime}-0123456789`;
      const p = startCli(runtime, ["bridge", "--port", "0", "--redis", t.url], {
        EDGEKIQ_BRIDGE_ENQUEUE_TOKEN: token,
      });
      running.push(p);
      const url = await served(p, "bridge");
      const upstash = new UpstashRedis({
        url,
        token,
        automaticDeserialization: false,
        enableTelemetry: false,
      });
      const client = new Client({ redis: fromUpstash(upstash) });
      const jid = await client.push({
        class: "EdgeJob",
        args: [runtime],
        queue: `bridge-${runtime}`,
      });
      const [raw] = await t.redis.lrange(`queue:bridge-${runtime}`, 0, -1);
      expect(JSON.parse(raw!)).toMatchObject({ class: "EdgeJob", args: [runtime], jid });
      const wrong = new UpstashRedis({
        url,
        token: "wrong",
        automaticDeserialization: false,
        enableTelemetry: false,
      });
      await expect(wrong.get("x")).rejects.toThrow(/WRONGPASS|401|auth/i);
      await expect(upstash.get("queues")).rejects.toThrow(); // enqueue tokens cannot read
      p.child.kill("SIGTERM");
      expect(await p.exited).toBe(0);
    },
    40_000,
  );
});
