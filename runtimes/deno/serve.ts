// Serves a fetch handler with Deno.serve (the dashboard and the bridge under Deno).
import type { Served, ServeHandler, ServeOptions } from "../../src/cli/runtime";
import { Deno } from "./deno";

export async function serveDeno(handler: ServeHandler, options: ServeOptions): Promise<Served> {
  const server = Deno.serve(
    { hostname: options.hostname, port: options.port, onListen: () => undefined },
    (request, info) => handler(request, { remoteAddress: info?.remoteAddr?.hostname }),
  );
  const { hostname, port } = server.addr;
  return {
    url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`,
    close: () => server.shutdown(),
  };
}
