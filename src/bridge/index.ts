/**
 * @module edgekiq/bridge — the self-hostable, Upstash-compatible REST bridge: `bridge({ redis,
 * tokens })` is a fetch handler for Node, Bun and Deno servers; `loadTokens` reads the token file
 * and environment. Web APIs only; the caller brings the ioredis instance.
 */
export { ConfigError } from "../core/errors";
export {
  type Bridge,
  type BridgeOptions,
  type BridgeRequestEvent,
  bridge,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_MAX_ARGUMENTS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_COMMANDS,
  DEFAULT_MAX_NEW_QUEUES,
} from "./bridge";
export { keysOf, refusal } from "./commands";
export type { BridgeConnection, BridgeConnectionTemplate, BridgeRedis } from "./connections";
export { globToRegExp } from "./scopes";
export {
  type BridgeToken,
  checkToken,
  type ExplicitScope,
  type LoadTokensInput,
  loadTokens,
  MIN_TOKEN_LENGTH,
  sha256Hex,
  type TokenScope,
} from "./tokens";
