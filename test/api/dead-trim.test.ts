// One morgue rule on every path into `dead`: the worker's deaths (MULTI), DeadSet#kill, the API's
// kill script and the invalid-UTF-8 quarantine script all trim by the same bounds as Ruby's
// DeadSet#kill: scores up to now - 180 days inclusive, then by rank to the newest 9,999.
import { beforeEach, describe, expect, it } from "vitest";
import { DeadSet, RetrySet } from "../../src/api";
import { scoreText } from "../../src/core/clock";
import { DEAD_TIMEOUT_SECONDS, deadCommands, deadTrimArgs } from "../../src/core/dead-set";
import { Keys } from "../../src/core/keys";
import { quarantineUtf8 } from "../../src/redis/scripts/index.gen";
import { fromIoredis } from "../../src/redis/tcp";
import { useTestRedis } from "../helpers/redis";

const t = await useTestRedis();
const redis = fromIoredis(t.redis);
const keys = new Keys();
const NOW_MS = 1_795_917_175_458.855;
const JOB = '{"class":"DieJob","args":[],"jid":"0123456789abcdef01234567"}';

beforeEach(() => t.flush());

/** Each way a job enters `dead`, at NOW_MS. */
const paths: Record<string, () => Promise<unknown>> = {
  "worker death (MULTI)": () => redis.multi(deadCommands(keys, JOB, NOW_MS)),
  "DeadSet#kill": () => new DeadSet({ redis }).kill(JOB, NOW_MS),
  "RetrySet#killValues (script)": async () => {
    await t.redis.zadd("retry", "1.5", JOB);
    return new RetrySet({ redis }).killValues([JOB], NOW_MS);
  },
  "UTF-8 quarantine (script)": async () => {
    // An in-progress list holding a job whose bytes are not UTF-8; it goes to `dead` as is.
    const invalid = Buffer.concat([
      Buffer.from(JOB.slice(0, -2)),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    await t.redis.rpush("inprogress", invalid);
    return redis.evalScript(quarantineUtf8, ["inprogress", "dead"], deadTrimArgs(NOW_MS));
  },
};

describe("the dead-set trim", () => {
  for (const [name, kill] of Object.entries(paths)) {
    it(`${name}: removes what died 180 days ago or earlier, keeps what is younger`, async () => {
      const limit = NOW_MS / 1000 - DEAD_TIMEOUT_SECONDS;
      await t.redis.zadd("dead", scoreText(limit), "at-the-limit", scoreText(limit + 1), "younger");
      await kill();
      const left = await t.redis.zrange("dead", "0", "-1");
      expect(left).not.toContain("at-the-limit");
      expect(left).toContain("younger");
      expect(left).toHaveLength(2);
    });

    it(`${name}: keeps the newest 9,999`, async () => {
      const args: (string | number)[] = [];
      for (let i = 0; i < 10_000; i++) args.push(NOW_MS / 1000 - 10_000 + i, `filler-${i}`);
      await t.redis.zadd("dead", ...args);
      await kill();
      expect(await t.redis.zcard("dead")).toBe(9_999);
      expect(await t.redis.zscore("dead", "filler-0")).toBeNull();
      expect(await t.redis.zscore("dead", "filler-1")).toBeNull();
      expect(await t.redis.zscore("dead", "filler-2")).not.toBeNull();
    });
  }
});
