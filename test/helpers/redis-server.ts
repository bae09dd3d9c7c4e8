// Starts and stops redis-server processes of our own on free ports (tests that need a clean
// server, AOF or a restart). Only processes started here are ever stopped.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisServerHandle {
  port: number;
  url: string;
  dir: string;
  process: ChildProcess;
  stop(): Promise<void>;
  /** Stops and starts the same server again (same port and data dir). */
  restart(): Promise<void>;
}

export interface RedisServerOptions {
  port?: number;
  appendonly?: boolean;
  databases?: number;
  extraArgs?: string[];
}

export async function startRedisServer(
  options: RedisServerOptions = {},
): Promise<RedisServerHandle> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "edgekiq-redis-"));
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    options.appendonly ? "yes" : "no",
    "--databases",
    String(options.databases ?? 16),
    ...(options.extraArgs ?? []),
  ];
  const handle: RedisServerHandle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    process: undefined as unknown as ChildProcess,
    async stop() {
      await stopProcess(handle.process);
    },
    async restart() {
      await stopProcess(handle.process);
      handle.process = await launch(args, port);
    },
  };
  handle.process = await launch(args, port);
  const stop = handle.stop;
  handle.stop = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return handle;
}

async function launch(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server on ${port} did not start:\n${output}`)),
      10_000,
    );
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start redis-server (is it installed?): ${err.message}`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
    const check = () => {
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      } else setTimeout(check, 20);
    };
    check();
  });
  child.removeAllListeners("exit");
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  });
}
