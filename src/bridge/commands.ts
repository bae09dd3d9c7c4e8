/**
 * What the bridge knows about each Redis command, so a scope can judge a request before it runs:
 *
 * 1. where its keys are (`keysOf`): a token limited to key patterns is only as strong as this
 *    table, so a command whose keys cannot be found from its arguments (SORT ... BY/GET, GEORADIUS
 *    ... STORE, MEMORY USAGE) is simply absent and refused to such tokens;
 * 2. whether it only reads (`read` scope);
 * 3. which commands no token may run over HTTP (`refusal`): blocking commands would pin a pooled
 *    connection, connection-state commands would change it under other requests, server
 *    administration is out of a REST client's reach, as on Upstash, and commands that reach
 *    other databases (SWAPDB, MOVE, MIGRATE, FLUSHALL, COPY ... DB) would break the isolation
 *    the connection's database gives each token.
 */

/** Finds a command's keys from its arguments (name excluded); undefined when it cannot tell. */
type KeySpec = (args: readonly string[]) => readonly string[] | undefined;

interface CommandInfo {
  keys: KeySpec;
  read: boolean;
}

const none: KeySpec = () => [];
const first: KeySpec = (args) => args.slice(0, 1);
const firstTwo: KeySpec = (args) => args.slice(0, 2);
const all: KeySpec = (args) => args;
const allButFirst: KeySpec = (args) => args.slice(1);
const second: KeySpec = (args) => args.slice(1, 2);
/** `MSET k v k v`: every other argument. */
const pairs: KeySpec = (args) => args.filter((_, i) => i % 2 === 0);

/** `numkeys` at `at`, then that many keys; `withFirst` also counts the argument before it. */
function counted(at: number, withFirst = false): KeySpec {
  return (args) => {
    const text = args[at];
    const n = text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(n) || at + 1 + n > args.length) return undefined;
    const keys = args.slice(at + 1, at + 1 + n);
    return withFirst ? [...args.slice(0, 1), ...keys] : keys;
  };
}

/** `XREAD [COUNT n] [BLOCK ms] STREAMS k1 k2 id1 id2`: the first half after STREAMS. */
const streams: KeySpec = (args) => {
  const at = args.findIndex((a) => a.toLowerCase() === "streams");
  if (at < 0) return undefined;
  const rest = args.slice(at + 1);
  return rest.length % 2 === 0 ? rest.slice(0, rest.length / 2) : undefined;
};

const R = true;
const W = false;

/** Lower-case name -> info. Commands not listed are unknown: only `admin` may send them. */
const TABLE: Record<string, CommandInfo> = {};
function add(read: boolean, keys: KeySpec, names: string): void {
  for (const name of names.split(/\s+/).filter(Boolean)) TABLE[name] = { keys, read };
}

// Strings
add(R, first, "get strlen getrange substr getbit bitcount bitpos bitfield_ro");
add(W, first, "set setnx setex psetex getset getdel getex append incr decr incrby decrby");
add(W, first, "incrbyfloat setrange setbit bitfield");
add(R, all, "mget");
add(W, pairs, "mset msetnx");
add(R, firstTwo, "lcs");
add(W, allButFirst, "bitop");
// Generic keys
add(R, all, "exists touch");
add(R, first, "type ttl pttl expiretime pexpiretime dump");
add(W, first, "expire pexpire expireat pexpireat persist restore");
add(W, all, "del unlink");
add(W, firstTwo, "rename renamenx copy");
add(R, second, "object");
add(R, none, "randomkey dbsize ping echo time info lastsave");
// Hashes
add(R, first, "hget hmget hgetall hlen hkeys hvals hexists hstrlen hscan hrandfield");
add(W, first, "hset hsetnx hmset hdel hincrby hincrbyfloat");
// Lists
add(R, first, "llen lrange lindex lpos");
add(W, first, "lpush rpush lpushx rpushx lpop rpop lset linsert lrem ltrim");
add(W, firstTwo, "lmove rpoplpush");
add(W, counted(0), "lmpop");
// Sets
add(R, first, "smembers sismember smismember scard srandmember sscan");
add(W, first, "sadd srem spop");
add(W, firstTwo, "smove");
add(R, all, "sinter sunion sdiff");
add(W, all, "sinterstore sunionstore sdiffstore");
add(R, counted(0), "sintercard");
// Sorted sets
add(R, first, "zcard zcount zscore zmscore zrank zrevrank zrange zrevrange zrangebyscore");
add(R, first, "zrevrangebyscore zrangebylex zrevrangebylex zlexcount zrandmember zscan");
add(W, first, "zadd zincrby zrem zremrangebyrank zremrangebyscore zremrangebylex zpopmin zpopmax");
add(W, firstTwo, "zrangestore");
add(W, counted(1, true), "zunionstore zinterstore zdiffstore");
add(R, counted(0), "zunion zinter zdiff zintercard");
add(W, counted(0), "zmpop");
// HyperLogLog, geo, streams
add(R, all, "pfcount");
add(W, first, "pfadd");
add(W, all, "pfmerge");
add(R, first, "geopos geodist geohash geosearch");
add(W, first, "geoadd");
add(W, firstTwo, "geosearchstore");
add(R, first, "xlen xrange xrevrange xpending");
add(W, first, "xadd xdel xtrim xack xclaim xautoclaim");
add(R, second, "xinfo");
add(W, second, "xgroup");
add(R, streams, "xread");
add(W, streams, "xreadgroup");
// Scripts, functions, pub/sub, flushing: keys are declared, but what a script touches is not
// (scopes therefore allow only scripts they know by SHA-1).
add(W, counted(1), "eval evalsha fcall");
add(R, counted(1), "eval_ro evalsha_ro fcall_ro");
add(W, none, "script function publish flushdb flushall");
add(R, none, "pubsub scan keys");

export function commandInfo(name: string): CommandInfo | undefined {
  return Object.hasOwn(TABLE, name) ? TABLE[name] : undefined;
}

/** The keys of `[name, ...args]` (name lower-cased), or undefined when they cannot be told. */
export function keysOf(name: string, args: readonly string[]): readonly string[] | undefined {
  return commandInfo(name)?.keys(args);
}

const BLOCKING = new Set(
  "blpop brpop brpoplpush blmove blmpop bzpopmin bzpopmax bzmpop wait waitaof".split(" "),
);
const CONNECTION_STATE = new Set(
  [
    "multi exec discard watch unwatch select auth hello client quit reset readonly readwrite",
    "asking subscribe psubscribe ssubscribe unsubscribe punsubscribe sunsubscribe monitor",
  ]
    .join(" ")
    .split(" "),
);
const SERVER_ADMIN = new Set(
  [
    "config debug shutdown replicaof slaveof sync psync replconf module acl cluster failover",
    "save bgsave bgrewriteaof latency slowlog",
  ]
    .join(" ")
    .split(" "),
);
/**
 * Commands that reach past the database the bridge's connection is bound to (that database is
 * the isolation between tenants): SELECT is refused as connection state above.
 */
const CROSS_DATABASE = new Set(["swapdb", "move", "migrate"]);

/**
 * Why no token may run this command over the bridge, or undefined when it may.
 * `name` is lower-cased; `args` excludes it.
 */
export function refusal(name: string, args: readonly string[]): string | undefined {
  if (BLOCKING.has(name)) return `ERR '${name}' blocks and is not supported over REST`;
  if ((name === "xread" || name === "xreadgroup") && args.some((a) => a.toLowerCase() === "block"))
    return `ERR '${name}' with BLOCK is not supported over REST`;
  if (CONNECTION_STATE.has(name))
    return `ERR '${name}' changes connection state and is not supported over REST`;
  if (SERVER_ADMIN.has(name)) return `ERR '${name}' is not supported over REST`;
  if (CROSS_DATABASE.has(name))
    return `ERR '${name}' reaches other databases and is not supported over REST`;
  if (name === "flushall")
    return "ERR 'flushall' empties every database (use FLUSHDB) and is not supported over REST";
  // COPY ... DB n would reach another database than the one the token is bound to.
  if (name === "copy" && args.some((a) => a.toLowerCase() === "db"))
    return "ERR 'copy' to another database is not supported over REST";
  return undefined;
}
