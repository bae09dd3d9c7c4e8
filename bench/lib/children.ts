/**
 * Child processes of the harness (workers, producers, the bridge):
 * 1. each starts in a process group of its own, so stopping it also stops anything it spawned;
 * 2. every live child is tracked, and `killAll()` (run on exit, errors and signals) ends them all;
 * 3. `sampleRss()` reads VmRSS from /proc/<pid>/status every 100 ms, for the memory figure.
 * Only processes started here are ever signalled, always by their own group id.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the child has exited. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<number | string>;
}

const live = new Set<Child>();

export function startChild(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Child {
  const proc = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: kill(-pid) reaches its children too
  });
  let out = "";
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000); // keep the tail for error messages
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    proc.once("exit", (code, signal) => {
      done = true;
      live.delete(child);
      resolve(code ?? signal ?? "unknown");
    });
    proc.once("error", (err) => {
      done = true;
      live.delete(child);
      out += `\n${err.message}`;
      resolve(`spawn error: ${err.message}`);
    });
  });
  const child: Child = {
    name,
    process: proc,
    pid: proc.pid ?? -1,
    output: () => out,
    exited,
    hasExited: () => done,
    async stop(graceMs = 10_000) {
      if (done) return exited;
      signalGroup(proc, "SIGTERM");
      const timer = setTimeout(() => signalGroup(proc, "SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      // The leader is gone; make sure nothing it started outlives it.
      signalGroup(proc, "SIGKILL");
      return result;
    },
  };
  live.add(child);
  return child;
}

function signalGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (!proc.pid) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Ends every child still running (synchronous, so it also works from an 'exit' handler). */
export function killAll(): void {
  for (const child of live) signalGroup(child.process, "SIGKILL");
  live.clear();
}

/** Samples a process's resident set every `everyMs`; `stop()` returns the largest value in MB. */
export function sampleRss(pid: number, everyMs = 100): { stop(): number } {
  let maxKb = 0;
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
      if (kb > maxKb) maxKb = kb;
    } catch {
      // The process has exited between samples.
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return maxKb / 1024;
    },
  };
}
