/**
 * Running jobs' progress, as `ctx.progress(value)` records it (`edgekiq:progress:<jid>`, any JSON
 * value, kept a day): one MGET for a page of jids, for the API and the Busy page.
 */
import { type ApiContext, type ApiOptions, replyString, toContext } from "./context";

/** The progress of each jid, aligned with `jids` (undefined where none was recorded). */
export async function jobProgress(
  options: ApiOptions | ApiContext,
  jids: readonly string[],
): Promise<unknown[]> {
  if (jids.length === 0) return [];
  const { redis, keys } = toContext(options);
  const reply = await redis.call([
    "mget",
    ...jids.map((j) => `${keys.prefix}edgekiq:progress:${j}`),
  ]);
  return (Array.isArray(reply) ? reply : []).map((r) => {
    const s = replyString(r);
    if (s === null) return undefined;
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return s;
    }
  });
}
