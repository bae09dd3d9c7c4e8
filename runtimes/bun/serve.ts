// Serves a fetch handler with Bun.serve (the dashboard and the bridge under Bun).
import type { Served, ServeOptions } from "../../src/cli/runtime";

interface BunServer {
  port: number;
  hostname: string;
  stop(closeActive?: boolean): void | Promise<void>;
}
interface BunSlice {
  serve(options: {
    hostname: string;
    port: number;
    fetch(request: Request): Promise<Response>;
  }): BunServer;
}

export async function serveBun(
  handler: (request: Request) => Promise<Response>,
  options: ServeOptions,
): Promise<Served> {
  const Bun = (globalThis as unknown as { Bun: BunSlice }).Bun;
  const server = Bun.serve({ hostname: options.hostname, port: options.port, fetch: handler });
  const host = server.hostname.includes(":") ? `[${server.hostname}]` : server.hostname;
  return {
    url: `http://${host}:${server.port}`,
    close: async () => {
      await server.stop(true);
    },
  };
}
