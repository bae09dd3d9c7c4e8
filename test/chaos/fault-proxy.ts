// A TCP proxy on loopback between a worker and Redis that injects faults: a delay on every chunk
// in both directions (order kept per direction), and `dropAll()`, which resets every open
// connection mid-stream, the way a network blip or a failover does.
import { createServer, type Server, Socket } from "node:net";

export interface FaultProxy {
  port: number;
  url(db: number): string;
  /** Delay added to each chunk, each way (ms); jitter adds 0..jitterMs at random. */
  setDelay(ms: number, jitterMs?: number): void;
  /** Destroys every open connection (clients see a reset and reconnect). */
  dropAll(): number;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let delayMs = 0;
  let jitterMs = 0;
  let accepted = 0;
  const open = new Set<Socket>();

  /**
   * Forwards from `from` to `to`, each chunk `delay` after it arrived, strictly in order: one
   * queue per direction drained by one timer (separate timers could fire out of order and
   * corrupt the RESP stream, which is a different fault from a slow one).
   */
  function pipe(from: Socket, to: Socket): void {
    const queue: { due: number; chunk: Buffer }[] = [];
    let scheduled = false;
    const drain = () => {
      scheduled = false;
      const now = Date.now();
      while (queue.length > 0 && queue[0]!.due <= now) {
        const { chunk } = queue.shift()!;
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) {
        scheduled = true;
        setTimeout(drain, queue[0]!.due - now);
      }
    };
    from.on("data", (chunk: Buffer) => {
      const delay = delayMs + (jitterMs > 0 ? Math.random() * jitterMs : 0);
      if (delay <= 0 && queue.length === 0) {
        to.write(chunk);
        return;
      }
      const last = queue.length > 0 ? queue[queue.length - 1]!.due : 0;
      queue.push({ due: Math.max(Date.now() + delay, last), chunk });
      if (!scheduled) {
        scheduled = true;
        setTimeout(drain, Math.max(0, queue[0]!.due - Date.now()));
      }
    });
  }

  const server: Server = createServer((client) => {
    accepted++;
    const upstream = new Socket();
    open.add(client);
    open.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
    upstream.connect(target.port, target.host, () => {
      pipe(client, upstream);
      pipe(upstream, client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (db) => `redis://127.0.0.1:${port}/${db}`,
    setDelay(ms, jitter = 0) {
      delayMs = ms;
      jitterMs = jitter;
    },
    dropAll() {
      const n = open.size / 2;
      for (const s of open) s.resetAndDestroy();
      open.clear();
      return n;
    },
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
