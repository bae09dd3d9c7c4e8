/** BullMQ's connection options from a redis:// URL (host, port, database). */
export function connectionOptions(url: string): {
  host: string;
  port: number;
  db: number;
  maxRetriesPerRequest: null;
} {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    db: Number(u.pathname.slice(1) || 0),
    // BullMQ requires this on worker connections (blocking commands must not time out).
    maxRetriesPerRequest: null,
  };
}
