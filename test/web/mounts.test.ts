// The dashboard mounts anywhere Request/Response is spoken: inside a Hono app (`app.mount`, which
// strips the prefix) and under Bun.serve in a real Bun process.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromIoredis } from "../../src/redis/tcp";
import { dashboard } from "../../src/web";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
beforeAll(async () => {
  await t.redis.set("stat:processed", "77");
});

describe("mounting", () => {
  it("works under Hono's app.mount with the base path", async () => {
    const web = dashboard({ redis: fromIoredis(t.redis), auth: "open", basePath: "/ops/jobs" });
    const app = new Hono();
    app.get("/", (c) => c.text("host app"));
    app.mount("/ops/jobs", web.fetch);
    const page = await app.request("http://localhost/ops/jobs/queues");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('href="/ops/jobs/retries"');
    const stats = await (await app.request("http://localhost/ops/jobs/stats")).json();
    expect(stats.sidekiq.processed).toBe(77);
    expect(await (await app.request("http://localhost/")).text()).toBe("host app");
  });

  describe("Bun.serve", () => {
    const children: ReturnType<typeof spawn>[] = [];
    afterAll(() => {
      for (const c of children) c.kill("SIGKILL");
    });

    it("serves the dashboard from a real Bun process", async () => {
      const bun = fileURLToPath(new URL("../../node_modules/.bin/bun", import.meta.url));
      const dir = mkdtempSync(join(tmpdir(), "edgekiq-bun-"));
      const script = join(dir, "serve.ts");
      const src = (p: string) => JSON.stringify(fileURLToPath(new URL(p, import.meta.url)));
      writeFileSync(
        script,
        `import { Redis } from ${src("../../node_modules/ioredis/built/index.js")};
         import { dashboard } from ${src("../../src/web/index.ts")};
         const web = dashboard({ redis: new Redis(${JSON.stringify(t.url)}), auth: { username: "u", password: "p" } });
         const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: web.fetch });
         console.log("LISTENING " + server.port);`,
      );
      const child = spawn(bun, [script], { stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      let out = "";
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`bun did not start:\n${out}`)), 20_000);
        const onData = (d: Buffer) => {
          out += d;
          const m = out.match(/LISTENING (\d+)/);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", onData);
        child.on("exit", (code) => reject(new Error(`bun exited ${code}:\n${out}`)));
      });
      const url = `http://127.0.0.1:${port}`;
      expect((await fetch(`${url}/`)).status).toBe(401);
      const auth = { authorization: `Basic ${btoa("u:p")}` };
      const res = await fetch(`${url}/`, { headers: auth });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(await res.text()).toContain('data-stat="processed">77<');
    });
  });
});
