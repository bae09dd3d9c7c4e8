// `edgekiq web` and `edgekiq bridge` from the built package (Node) answer only the host names they
// are given: loopback names for `web --open` by default, `--allowed-host` and the
// EDGEKIQ_*_ALLOWED_HOSTS variables otherwise; any other `Host` gets 421.
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { type CliProcess, startCli } from "../helpers/cli";
import { useTestRedis } from "../helpers/redis";
import { waitFor } from "../helpers/ruby";

const t = await useTestRedis();
const running: CliProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill("SIGKILL");
});

async function start(args: string[], env: Record<string, string> = {}): Promise<number> {
  const p = startCli("node", [...args, "--port", "0", "--redis", t.url], env);
  running.push(p);
  const m = await waitFor(
    () => /on http:\/\/[^\s/]+:(\d+)/.exec(p.output()),
    20_000,
    `the server to listen:\n${p.output()}`,
  );
  return Number(m?.[1]);
}

/** The status of a request to 127.0.0.1:`port` that names `host`. */
function status(port: number, host: string, method = "GET", path = "/stats"): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end(method === "POST" ? '["PING"]' : undefined);
  });
}

describe("host names served by the CLI", () => {
  it("web --open: loopback names only, or the --allowed-host names", async () => {
    const open = await start(["web", "--open"]);
    expect(await status(open, `localhost:${open}`)).toBe(200);
    expect(await status(open, `attacker.example:${open}`)).toBe(421);
    const named = await start(["web", "--open", "--allowed-host", "jobs.test"]);
    expect(await status(named, `jobs.test:${named}`)).toBe(200);
    expect(await status(named, `localhost:${named}`)).toBe(421);
  }, 40_000);

  it("bridge: EDGEKIQ_BRIDGE_ALLOWED_HOSTS", async () => {
    const port = await start(["bridge"], {
      EDGEKIQ_BRIDGE_ENQUEUE_TOKEN: "allowed-host-token-0123456789",
      EDGEKIQ_BRIDGE_ALLOWED_HOSTS: "bridge.test, other.test",
    });
    expect(await status(port, "bridge.test", "POST", "/")).toBe(401); // past the host check
    expect(await status(port, `localhost:${port}`, "POST", "/")).toBe(421);
  }, 40_000);
});
