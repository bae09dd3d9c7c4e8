// The Node serve helper (`serve` from edgekiq/node, behind `edgekiq web` and `edgekiq bridge` on
// Node), reached over a raw socket so the request can carry what no fetch client would send: a
// Host header that is not a valid URL authority gets a 400 JSON error that echoes nothing, and a
// handler that throws gets a 500 JSON error without its message.
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { serveNode } from "../../runtimes/node/serve";
import type { Served } from "../../src/cli/runtime";

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** Sends one raw HTTP/1.1 request and returns the whole raw response. */
function rawRequest(url: string, head: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(head));
    let out = "";
    socket.on("data", (d) => (out += d));
    socket.on("error", reject);
    socket.on("close", () => resolve(out));
  });
}

function parse(raw: string): { status: number; headers: string; body: string } {
  const [head = "", body = ""] = raw.split("\r\n\r\n");
  return { status: Number(head.split(" ")[1]), headers: head.toLowerCase(), body };
}

describe("serve (node)", () => {
  it("answers an unparseable Host with 400 JSON and echoes none of it", async () => {
    let called = false;
    served = await serveNode(
      async () => {
        called = true;
        return new Response("ok");
      },
      { hostname: "127.0.0.1", port: 0 },
    );
    for (const host of ["bad host<script>", "[::1", "a:b:c:notaport"]) {
      const a = parse(
        await rawRequest(
          served.url,
          `GET /x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        ),
      );
      expect({ host, status: a.status }).toEqual({ host, status: 400 });
      expect(a.headers).toContain("content-type: application/json");
      expect(JSON.parse(a.body)).toEqual({ error: "bad request" });
      expect(a.body).not.toContain("script");
    }
    expect(called).toBe(false);
  });

  it("answers a throwing handler with a 500 JSON error that does not echo the error", async () => {
    served = await serveNode(
      async () => {
        throw new Error("secret detail from http://internal.example");
      },
      { hostname: "127.0.0.1", port: 0 },
    );
    const a = parse(
      await rawRequest(
        served.url,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
      ),
    );
    expect(a.status).toBe(500);
    expect(a.headers).toContain("content-type: application/json");
    expect(JSON.parse(a.body)).toEqual({ error: "internal error" });
  });

  it("still serves ordinary requests, bodies included", async () => {
    served = await serveNode(
      async (request) =>
        Response.json({ url: request.url, body: await request.text() }, { status: 201 }),
      { hostname: "127.0.0.1", port: 0 },
    );
    const res = await fetch(`${served.url}/p?q=1`, { method: "POST", body: "hello" });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ url: `${served.url}/p?q=1`, body: "hello" });
  });
});
