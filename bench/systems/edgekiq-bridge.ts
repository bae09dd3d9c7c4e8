/**
 * The REST bridge for the benchmark's REST enqueue figures: `bridge()` from `src/bridge` served
 * with node:http on loopback, one enqueue-scoped token (BENCH_REST_TOKEN). Prints
 * `BRIDGE_READY <port>` once listening; stops on SIGTERM.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Redis } from "ioredis";
import { bridge } from "../../src/bridge/index";

const redis = new Redis(process.env.REDIS_URL!);
const app = bridge({
  redis,
  tokens: [{ name: "bench", token: process.env.BENCH_REST_TOKEN!, scope: "enqueue" }],
});

/** node:http -> Web Request -> the bridge -> node:http. */
async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  const method = req.method ?? "GET";
  const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks),
  });
  const response = await app.fetch(request);
  const body = Buffer.from(await response.arrayBuffer());
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    out[name] = value;
  });
  res.writeHead(response.status, out);
  res.end(body);
}

const server = createServer((req, res) => {
  serve(req, res).catch((err) => {
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: `bench bridge server: ${(err as Error).message}` }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(`BRIDGE_READY ${typeof address === "object" && address ? address.port : 0}`);
});

process.on("SIGTERM", () => {
  server.close();
  void app
    .close()
    .then(() => redis.quit())
    .finally(() => process.exit(0));
});
