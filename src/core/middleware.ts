/**
 * Middleware chains (Sidekiq's `middleware/chain.rb`), Koa-style: each middleware gets the job
 * and a `next` to call the rest of the chain. Not calling `next` stops the push (client) or skips
 * the job (server); changing fields of the job changes what is pushed or run.
 */
import { MiddlewareError } from "./errors";

export type Middleware<T, C> = (
  job: T,
  context: C,
  next: () => Promise<void>,
) => Promise<void> | void;

/**
 * Runs `chain` around `core`. Resolves to true if `core` ran (no middleware stopped the job).
 * Calling `next` twice is a programming error and rejects.
 */
export async function runChain<T, C>(
  chain: readonly Middleware<T, C>[],
  job: T,
  context: C,
  core: () => Promise<void>,
): Promise<boolean> {
  let reached = false;
  const dispatch = async (i: number): Promise<void> => {
    if (i === chain.length) {
      reached = true;
      await core();
      return;
    }
    let called = false;
    await chain[i]!(job, context, () => {
      if (called) return Promise.reject(new MiddlewareError("middleware called next() twice"));
      called = true;
      return dispatch(i + 1);
    });
  };
  await dispatch(0);
  return reached;
}
