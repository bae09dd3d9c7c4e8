// The users `edgekiq acl` prints, on a real redis-server started with them in its aclfile: the
// worker runs jobs (immediate, scheduled for another queue, retried, dead, idempotent pushes)
// under its user, the read-only dashboard renders every page, the admin dashboard user acts on
// the sets, the enqueue user pushes; and each forbidden command or key fails with NOPERM. The
// printed rules hold password hashes only; the ACL SETUSER lines are accepted as they are.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { DeadSet, RetrySet, Stats } from "../../src/api";
import { aclCommand } from "../../src/cli/acl-command";
import type { CliRuntime } from "../../src/cli/runtime";
import { Client } from "../../src/core/client";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import type { Logger } from "../../src/worker/logger";
import { startRedisServer } from "../helpers/redis-server";
import { testWorker, waitFor } from "../integration/worker-helpers";

const PASSWORDS = {
  EDGEKIQ_ACL_WORKER_PASSWORD: "worker-pass-f00d",
  EDGEKIQ_ACL_DASHBOARD_PASSWORD: "dash-pass-beef",
  EDGEKIQ_ACL_ADMIN_PASSWORD: "admin-pass-cafe",
  EDGEKIQ_ACL_ENQUEUE_PASSWORD: "enqueue-pass-b0a7",
};

async function runAcl(argv: string[]): Promise<string> {
  const out: string[] = [];
  const rt = {
    name: "test",
    env: PASSWORDS,
    parseArgs: (await import("node:util")).parseArgs,
    stdout: (text: string) => out.push(text),
    stderr: (text: string) => out.push(text),
  } as unknown as CliRuntime;
  expect(await aclCommand(argv, rt)).toBe(0);
  return out.join("\n");
}

const printed = await runAcl(["--queues", "mailers,critical"]);
const aclfileLines = printed.split("\n").filter((l) => l.startsWith("user "));
const setuserLines = printed.split("\n").filter((l) => l.startsWith("ACL SETUSER "));

const dir = mkdtempSync(join(tmpdir(), "edgekiq-acl-"));
const aclfile = join(dir, "users.acl");
writeFileSync(aclfile, `user default on nopass ~* &* +@all\n${aclfileLines.join("\n")}\n`);
const server = await startRedisServer({ extraArgs: ["--aclfile", aclfile] });
const connections: Redis[] = [];
function as(user: string, password: string): Redis {
  const url = `redis://edgekiq-${user}:${password}@127.0.0.1:${server.port}/0`;
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  connections.push(r);
  return r;
}
const root = new Redis(`${server.url}/0`);
connections.push(root);
afterAll(async () => {
  for (const r of connections) r.disconnect();
  await server.stop();
});

const worker = as("worker", PASSWORDS.EDGEKIQ_ACL_WORKER_PASSWORD);
const dash = as("dashboard", PASSWORDS.EDGEKIQ_ACL_DASHBOARD_PASSWORD);
const admin = as("admin", PASSWORDS.EDGEKIQ_ACL_ADMIN_PASSWORD);
const enqueue = as("enqueue", PASSWORDS.EDGEKIQ_ACL_ENQUEUE_PASSWORD);

async function noperm(redis: Redis, command: string[]): Promise<string> {
  try {
    await redis.call(command[0]!, ...command.slice(1));
  } catch (err) {
    return (err as Error).message;
  }
  return "allowed";
}

describe("edgekiq acl output", () => {
  it("prints four users, with hashes and never the passwords", () => {
    expect(aclfileLines.map((l) => l.split(" ")[1])).toEqual([
      "edgekiq-worker",
      "edgekiq-dashboard",
      "edgekiq-admin",
      "edgekiq-enqueue",
    ]);
    expect(setuserLines).toHaveLength(4);
    for (const secret of Object.values(PASSWORDS)) expect(printed).not.toContain(secret);
    expect(printed).toMatch(/#[0-9a-f]{64}/);
  });

  it("the ACL SETUSER lines are accepted by Redis as printed", async () => {
    for (const line of setuserLines) {
      // redis-cli's quoting: "..." holds spaces.
      const args = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
      expect(await root.call(args[0]!, ...args.slice(1))).toBe("OK");
    }
  });
});

describe("under their ACL users", () => {
  it("the enqueue user pushes (plain, scheduled, idempotent) and can do nothing else", async () => {
    const client = new Client({ redis: enqueue });
    const idempotent = new Client({ redis: fromIoredis(enqueue), idempotent: true });
    await client.push({ class: "Mail", args: [1], queue: "mailers" });
    await client.pushBulk({ class: "Mail", args: [[2], [3]], queue: "critical" });
    await idempotent.push({ class: "Mail", args: [4], queue: "mailers" });
    await client.push({ class: "Mail", args: [5], queue: "mailers", at: Date.now() / 1000 + 3600 });
    expect(await root.llen("queue:mailers")).toBe(2);
    expect(await root.llen("queue:critical")).toBe(2);
    expect(await root.zcard("schedule")).toBe(1);
    await root.set("unrelated", "x");
    for (const command of [
      ["lrange", "queue:mailers", "0", "-1"],
      ["lpush", "queue:default", "{}"],
      ["del", "queue:mailers"],
      ["set", "queues", "x"],
      ["zrange", "schedule", "0", "-1"],
      ["get", "unrelated"],
      ["keys", "*"],
      ["flushdb"],
      ["config", "get", "*"],
      ["eval", "return redis.call('del', KEYS[1])", "1", "queue:mailers"],
      ["eval", "return redis.call('lrange', KEYS[1], 0, -1)", "1", "queue:mailers"],
    ]) {
      expect(await noperm(enqueue, command), command.join(" ")).toMatch(
        /^NOPERM|^ERR The user executing the script can.t run this command/,
      );
    }
    await root.flushdb();
  });

  it("the worker user runs jobs: its queues, the scheduler into another queue, retries, dead", async () => {
    const lines: string[] = [];
    const at = (msg: string, fields: Record<string, unknown> = {}) =>
      lines.push(`${msg} ${JSON.stringify(fields)}`);
    const logger: Logger = { debug: () => undefined, info: () => undefined, warn: at, error: at };
    const root7 = new Client({ redis: root });
    const ran: unknown[] = [];
    const w = testWorker(worker, { queues: ["mailers", "critical"], logger, maxRetries: 1 });
    const errors: unknown[] = [];
    w.on("error", (e) => errors.push(e));
    w.register("Mail", (args) => {
      ran.push(args[0]);
    });
    w.register("Fails", () => {
      throw new Error("always");
    });
    await w.start();
    await root7.push({ class: "Mail", args: ["now"], queue: "mailers" });
    await root7.push({ class: "Mail", args: ["critical"], queue: "critical" });
    // Due at once, for a queue this worker does not work: the scheduler moves it there.
    await root7.push({
      class: "Mail",
      args: ["elsewhere"],
      queue: "other",
      at: Date.now() / 1000 + 0.3,
    });
    await root7.push({ class: "Fails", args: [], queue: "mailers", retry: 0 });
    await root7.push({ class: "Fails", args: [], queue: "mailers", retry: 1 });
    await waitFor(() => ran.length === 2, { what: "two jobs" }).catch((err) => {
      throw new Error(`${err.message}: ${lines.join("\n")} ${errors.map(String).join("\n")}`);
    });
    await waitFor(async () => (await root.llen("queue:other")) === 1, { what: "scheduler move" });
    await waitFor(
      async () => (await root.zcard("dead")) === 1 && (await root.zcard("retry")) === 1,
    );
    await waitFor(async () => (await root.scard("processes")) === 1, { what: "heartbeat" });
    expect(ran.sort()).toEqual(["critical", "now"]);
    await w.stop();
    expect(await root.scard("processes")).toBe(0);
    expect(lines.filter((l) => l.includes("NOPERM"))).toEqual([]);
    // The only errors reported are the two job failures, none a refused command.
    expect(errors.map((e) => (e as { error: Error }).error.message)).toEqual(["always", "always"]);
    await root.set("unrelated", "x");
    for (const command of [
      ["lrange", "queue:other", "0", "-1"],
      ["del", "queue:other"],
      ["lmove", "queue:other", "queue:mailers", "right", "left"],
      ["get", "unrelated"],
      ["keys", "*"],
      ["scan", "0"],
      ["flushdb"],
      ["config", "get", "*"],
      ["acl", "list"],
    ]) {
      expect(await noperm(worker, command), command.join(" ")).toMatch(/^NOPERM/);
    }
  });

  it("the read-only dashboard renders every page, and cannot write", async () => {
    const app = dashboard({ redis: fromIoredis(dash), auth: "open" });
    for (const path of [
      "/",
      "/queues",
      "/queues/other",
      "/retries",
      "/morgue",
      "/scheduled",
      "/busy",
      "/metrics",
      "/stats",
      "/periodic",
      "/batches",
      "/flow",
    ]) {
      const res = await app.fetch(new Request(`http://127.0.0.1${path}`));
      const text = await res.text();
      expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(200);
      expect(text, path).not.toContain("NOPERM");
    }
    expect((await new Stats({ redis: dash }).fetch()).dead).toBe(1);
    for (const command of [
      ["lpush", "queue:other", "x"],
      ["del", "dead"],
      ["zadd", "retry", "1", "x"],
      ["get", "unrelated"],
      ["keys", "*"],
      ["flushdb"],
    ]) {
      expect(await noperm(dash, command), command.join(" ")).toMatch(/^NOPERM/);
    }
  });

  it("the admin dashboard user retries and clears sets, and still cannot flush or read other keys", async () => {
    expect(await new RetrySet({ redis: admin }).retryAll()).toBe(1);
    await new DeadSet({ redis: admin }).clear();
    expect(await root.zcard("dead")).toBe(0);
    expect(await root.zcard("retry")).toBe(0);
    for (const command of [
      ["get", "unrelated"],
      ["keys", "*"],
      ["flushdb"],
      ["config", "set", "save", ""],
    ]) {
      expect(await noperm(admin, command), command.join(" ")).toMatch(/^NOPERM/);
    }
  });
});
