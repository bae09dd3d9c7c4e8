/**
 * @module edgekiq/testing — test your enqueueing code without Redis: `FakeQueues` (Sidekiq's fake
 * mode: inspect and drain pushed jobs) and `inline` (Sidekiq's inline mode: run jobs as they are
 * pushed). Edge-safe.
 */
export {
  FakeQueues,
  inline,
  type TestHandler,
  type TestHandlers,
  type TestJobContext,
} from "./fake-queues";
