// The slice of the Deno namespace we use, declared here (as Hono does) so the rest of the
// project type-checks without Deno's types.
export interface DenoSlice {
  pid: number;
  args: string[];
  env: { toObject(): Record<string, string> };
  cwd(): string;
  hostname(): string;
  memoryUsage(): { rss: number };
  addSignalListener(signal: string, fn: () => void): void;
  removeSignalListener(signal: string, fn: () => void): void;
  readTextFile(path: string): Promise<string>;
  writeTextFile(path: string, data: string, options?: { append?: boolean }): Promise<void>;
  exit(code: number): never;
  stdout: { writeSync(data: Uint8Array): number };
  stderr: { writeSync(data: Uint8Array): number };
  serve(
    options: {
      hostname: string;
      port: number;
      onListen?: (addr: { hostname: string; port: number }) => void;
    },
    handler: (request: Request, info?: { remoteAddr?: { hostname: string } }) => Promise<Response>,
  ): { addr: { hostname: string; port: number }; shutdown(): Promise<void> };
}

export const Deno = (globalThis as unknown as { Deno: DenoSlice }).Deno;
