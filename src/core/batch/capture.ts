/**
 * Builds job payloads exactly as a `Client` would push them (its middleware, schema checks,
 * timestamps and key order), without pushing: a second client over a Redis door that only
 * records what would be written. A batch then pushes them itself, in its own atomic step.
 */

import type { RedisClient, RedisCommand, RedisReply } from "../../redis/types";
import { Client, type PushItem } from "../client";
import { ConfigError } from "../errors";

export interface CapturedJob {
  jid: string;
  queue: string;
  json: string;
}

export class PayloadBuilder {
  readonly #captured: string[] = [];
  readonly #client: Client;

  constructor(client: Client) {
    const captured = this.#captured;
    const record = async (commands: readonly RedisCommand[]): Promise<RedisReply[]> => {
      for (const c of commands) {
        if (c[0] === "zadd") {
          throw new ConfigError("a batch cannot hold scheduled jobs (`at`); push them without it");
        }
        if (c[0] === "lpush") for (const json of c.slice(2)) captured.push(String(json));
      }
      return commands.map(() => 1);
    };
    const door: RedisClient = {
      call: async () => null,
      multi: record,
      pipeline: record,
      evalScript: async () => null,
    };
    this.#client = new Client({
      redis: door,
      timestamps: client.timestamps,
      namespace: client.keys.prefix ? client.keys.prefix.slice(0, -1) : undefined,
      middleware: client.middleware,
    });
  }

  /** The payload of `item` as the client would push it (null if a middleware stopped it). */
  async build(item: PushItem): Promise<CapturedJob | null> {
    const jid = await this.#client.push(item);
    if (jid === null) return null;
    const json = this.#captured.pop()!;
    const queue = (JSON.parse(json) as { queue: string }).queue;
    return { jid, queue, json };
  }
}
