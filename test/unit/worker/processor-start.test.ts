// From fetch reply to handler without a turn of the event loop in between (issue 12, warm
// latency): a job that cannot stand for bytes that are not UTF-8 (no U+FFFD in its string) starts
// its handler inside `run()`, before anything else queued (the manager's next fetch) can run; only
// a string holding U+FFFD waits for the quarantine check. The processor is the real one; its Redis
// side is stand-ins for the narrow interfaces, the ledger is the real one.
import { describe, expect, it } from "vitest";
import { Keys } from "../../../src/core/keys";
import type { RedisCommand } from "../../../src/redis/types";
import { Ledger } from "../../../src/worker/ledger";
import type { Logger } from "../../../src/worker/logger";
import { Processor } from "../../../src/worker/processor";
import { Registry } from "../../../src/worker/registry";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function setup() {
  const ledger = new Ledger(["default"], 2);
  const events: string[] = [];
  const registry = new Registry();
  registry.add("Hard", (args: unknown[]) => {
    events.push(`handler ${JSON.stringify(args)}`);
  });
  const acks: number[] = [];
  const processor = new Processor({
    queues: ["default"],
    ledger,
    fetch: {
      ack: (entry) => acks.push(entry),
      ackCommand: (entry): ["lrem", string, number, string] => [
        "lrem",
        "inprogress",
        -1,
        ledger.jsonOf(entry),
      ],
      async quarantineIfInvalid(_queue, json) {
        events.push(`quarantine check ${json.includes("\uFFFD")}`);
        return false;
      },
    },
    writes: { add: (_entry: number, _commands: readonly RedisCommand[]) => undefined },
    steps: { add: () => undefined },
    jobSteps: { progress: async () => undefined, childResults: async () => [] },
    registry,
    middleware: [],
    logger: quiet,
    logArgs: false,
    timeoutSeconds: undefined,
    retryConfig: {
      keys: new Keys(),
      maxRetries: 25,
      timestamps: "seconds",
      sidekiqVersion: 7,
      deathHandlers: [],
      onHookError: () => undefined,
    },
    stats: { jobDone: () => undefined },
    report: () => undefined,
  });
  return { ledger, events, processor, acks };
}

const job = (arg: string) => JSON.stringify({ class: "Hard", args: [arg], jid: "j1", queue: "q" });

describe("processor start", () => {
  it("calls the handler inside run(), with no await before it, for a string without U+FFFD", async () => {
    const { ledger, events, processor, acks } = setup();
    const entry = ledger.hold(0, job("é 😀"));
    const done = processor.run(entry);
    // Nothing has had a turn yet: a handler reached only after an await would not have run.
    expect(events).toEqual(['handler ["é 😀"]']);
    await done;
    expect(acks).toEqual([entry]);
  });

  it("asks the quarantine check first for a string holding U+FFFD (it may stand for bad bytes)", async () => {
    const { ledger, events, processor, acks } = setup();
    const entry = ledger.hold(0, job("bad \uFFFD"));
    const done = processor.run(entry);
    expect(events).toEqual(["quarantine check true"]);
    await done;
    expect(events).toEqual(["quarantine check true", 'handler ["bad \uFFFD"]']);
    expect(acks).toEqual([entry]);
  });
});
