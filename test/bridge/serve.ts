// Serves a fetch handler (the bridge) on loopback with node:http, so real HTTP clients
// (@upstash/redis, workerd, edge-runtime) reach it over a real socket. Test-only glue.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

export interface Served {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ServeOptions {
  host?: string;
  /**
   * Called after the handler has answered; returning true destroys the socket instead of
   * replying, which a client sees as a network failure (a response lost in transit).
   */
  dropResponse?: () => boolean;
}

export async function serveFetch(
  handler: { fetch(request: Request): Promise<Response> },
  options: ServeOptions = {},
): Promise<Served> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    void respond(handler, req, res, options.dropResponse).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function respond(
  handler: { fetch(request: Request): Promise<Response> },
  req: IncomingMessage,
  res: ServerResponse,
  dropResponse?: () => boolean,
): Promise<void> {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(`http://${req.headers.host}${req.url}`, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
    duplex: "half",
  } as RequestInit);
  const response = await handler.fetch(request);
  if (dropResponse?.()) {
    req.socket.destroy();
    return;
  }
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    out[key] = value;
  });
  res.writeHead(response.status, out);
  res.end(Buffer.from(await response.arrayBuffer()));
}
