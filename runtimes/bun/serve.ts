// Serves a fetch handler with Bun.serve (the dashboard and the bridge under Bun).
import type { Served, ServeHandler, ServeOptions } from "../../src/cli/runtime";

interface BunServer {
  port: number;
  hostname: string;
  stop(closeActive?: boolean): void | Promise<void>;
  requestIP(request: Request): { address: string } | null;
}
interface BunSlice {
  serve(options: {
    hostname: string;
    port: number;
    fetch(request: Request, server: BunServer): Promise<Response>;
  }): BunServer;
}

export async function serveBun(handler: ServeHandler, options: ServeOptions): Promise<Served> {
  const Bun = (globalThis as unknown as { Bun: BunSlice }).Bun;
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    fetch: (request, srv) =>
      handler(request, { remoteAddress: srv.requestIP(request)?.address ?? undefined }),
  });
  const host = server.hostname.includes(":") ? `[${server.hostname}]` : server.hostname;
  return {
    url: `http://${host}:${server.port}`,
    close: async () => {
      await server.stop(true);
    },
  };
}
