// Serves a fetch handler (Request -> Response) with node:http: used by `edgekiq web` and
// `edgekiq bridge` on Node. Bun and Deno use their own servers.
//
// Errors before or around the handler are answered here with a JSON `{error}` that never echoes
// the request or the exception: a Host/URL that does not parse is the client's fault (400), and
// anything else is a 500 whose details stay out of the response (they may hold internal URLs).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Served, ServeHandler, ServeOptions } from "../../src/cli/runtime";

export async function serveNode(handler: ServeHandler, options: ServeOptions): Promise<Served> {
  const server = createServer((req, res) => {
    handle(handler, req, res, options).catch(() => fail(res, 500, "internal error"));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  handler: ServeHandler,
  req: IncomingMessage,
  res: ServerResponse,
  options: ServeOptions,
): Promise<void> {
  const url = requestUrl(req, options);
  if (!url) {
    fail(res, 400, "bad request");
    return;
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else if (v !== undefined) headers.set(k, v);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? (req as unknown as ReadableStream) : undefined,
    // @ts-expect-error: Node's fetch needs duplex for a streamed request body.
    duplex: hasBody ? "half" : undefined,
  });
  const response = await handler(request, { remoteAddress: req.socket.remoteAddress });
  res.statusCode = response.status;
  response.headers.forEach((value, key) => {
    res.setHeader(key, value);
  });
  if (!response.body) {
    res.end();
    return;
  }
  const body = Buffer.from(await response.arrayBuffer());
  res.end(body);
}

/** The request's absolute URL, or undefined when its Host or target does not parse. */
function requestUrl(req: IncomingMessage, options: ServeOptions): string | undefined {
  const url = `http://${req.headers.host ?? `${options.hostname}:${options.port}`}${req.url ?? "/"}`;
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
}

function fail(res: ServerResponse, status: number, error: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}
