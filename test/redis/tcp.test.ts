// The conformance suite over TCP: `fromIoredis` on this file's own database.
import { fromIoredis } from "../../src/redis/tcp";
import { useTestRedis } from "../helpers/redis";
import { describeRedisClient } from "./conformance";

const t = await useTestRedis();

describeRedisClient("TCP (fromIoredis)", () => ({ client: fromIoredis(t.redis), raw: t.redis }));
