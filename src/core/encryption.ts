/**
 * End-to-end encryption of job arguments (AES-256-GCM through Web Crypto, so the edge client can
 * seal and only the worker can open). Owns the key ring, the envelope format and the additional
 * authenticated data; the client and the worker call `seal` and `open` and know nothing else.
 *
 * - A job opts in with `encrypt: true | "last" | "all"` (its definition's option, copied into the
 *   payload as Sidekiq Enterprise does): `"last"` (= true) seals the last argument, `"all"` seals
 *   the whole argument list into one.
 * - The sealed value is one string, `edgekiq:v1:<kid>:<iv b64url>:<ciphertext+tag b64url>`, that
 *   replaces what it hides, so the payload stays a valid Sidekiq job that Redis, the bridge, the
 *   dashboard, retries and Ruby all carry without knowing.
 * - The AAD is `edgekiq:v1|<mode>|<kid>|<class>|<queue>|<jid>`: a ciphertext copied into another
 *   job, queue or mode fails to open, as does any changed byte.
 * - This module loads only through `keyRing(...)`: an app that encrypts nothing ships none of it.
 */
import { fromBase64, toBase64Url } from "./bytes";
import { ConfigError, EncryptionError } from "./errors";
import type { JobPayload } from "./job";

/** Which arguments a job seals. */
export type EncryptMode = "last" | "all";

/** A key: 32 bytes, as base64 (standard or URL-safe) or raw bytes. */
export type KeyMaterial = string | Uint8Array;

export interface KeyRingConfig {
  /** The key id new pushes use. */
  current: string;
  /** Every key id a worker may meet in Redis (the current one and those being rotated out). */
  keys: Record<string, KeyMaterial>;
}

export interface KeyRing {
  readonly current: string;
  /** Key ids only: the key ring never hands its keys back out. */
  readonly ids: readonly string[];
  /** Replaces the chosen arguments of `payload` (class, queue and jid final) with an envelope. */
  seal(payload: JobPayload): Promise<void>;
  /**
   * The plain arguments of a sealed payload; the payload itself is left as it is (retries keep the
   * ciphertext). `altQueue` is a second queue the AAD may name (a job moved by `retry_queue`).
   * Throws `EncryptionError` when it cannot, never with key material or plaintext in the message.
   */
  open(payload: JobPayload, altQueue?: string): Promise<unknown[]>;
}

/** Every sealed value starts with this; the dashboard and logs use it to mark a value encrypted. */
export const ENVELOPE_PREFIX = "edgekiq:v1:";

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** `encrypt` option value -> mode; undefined when the job is not encrypted. */
export function encryptMode(option: unknown): EncryptMode | undefined {
  if (option === true || option === "last") return "last";
  if (option === "all") return "all";
  return undefined;
}

/** True for a string that is an edgekiq envelope. */
export function isSealed(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(ENVELOPE_PREFIX);
}

/** Builds a key ring; throws `ConfigError` naming the bad key id (never its value). */
export function keyRing(config: KeyRingConfig): KeyRing {
  const { current, keys } = (config ?? {}) as Partial<KeyRingConfig>;
  if (!keys || typeof keys !== "object") {
    throw new ConfigError('encryption: expected { current: "<key id>", keys: { <id>: <key> } }');
  }
  const raw = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const [id, material] of Object.entries(keys)) {
    if (!KEY_ID.test(id)) {
      throw new ConfigError(
        `encryption: key id "${id.slice(0, 64)}" must be 1-64 letters, digits, '_', '-' or '.'`,
      );
    }
    const bytes = keyBytes(material);
    if (bytes?.length !== 32) {
      throw new ConfigError(
        `encryption: key "${id}" must be 32 bytes (AES-256), given as base64 or bytes`,
      );
    }
    raw.set(id, bytes);
  }
  if (typeof current !== "string" || !raw.has(current)) {
    throw new ConfigError(
      `encryption: current key id "${String(current)}" is not one of the keys (${[...raw.keys()].join(", ") || "none"})`,
    );
  }
  const imported = new Map<string, Promise<CryptoKey>>();
  const cryptoKey = (id: string): Promise<CryptoKey> | undefined => {
    const bytes = raw.get(id);
    if (!bytes) return undefined;
    let key = imported.get(id);
    if (!key) {
      key = crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
      imported.set(id, key);
    }
    return key;
  };

  return {
    current,
    ids: [...raw.keys()],
    async seal(payload) {
      const mode = encryptMode(payload.encrypt);
      const args = payload.args;
      if (!mode || args.length === 0) return;
      const plain = JSON.stringify(mode === "all" ? args : args[args.length - 1]);
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: aad(mode, current, payload, payload.queue) },
        (await cryptoKey(current))!,
        new TextEncoder().encode(plain),
      );
      const envelope = `${ENVELOPE_PREFIX}${current}:${toBase64Url(iv)}:${toBase64Url(new Uint8Array(sealed))}`;
      if (mode === "all") payload.args = [envelope];
      else payload.args = [...args.slice(0, -1), envelope];
    },
    async open(payload, altQueue) {
      const mode = encryptMode(payload.encrypt);
      const where = `Job "${payload.class}" (jid ${payload.jid})`;
      if (!mode) throw new EncryptionError(`${where}: its payload is not marked encrypted`);
      const args = payload.args;
      const envelope = mode === "all" ? args[0] : args[args.length - 1];
      if (args.length === 0 && mode === "last") return [];
      if ((mode === "all" && args.length !== 1) || !isSealed(envelope)) {
        throw new EncryptionError(
          `${where}: expected ${mode === "all" ? "its arguments" : "its last argument"} encrypted (an "${ENVELOPE_PREFIX}..." string), found plain data`,
        );
      }
      const parts = envelope.slice(ENVELOPE_PREFIX.length).split(":");
      const [kid, ivText, ctText] = parts;
      if (parts.length !== 3 || !kid || !ivText || !ctText) {
        throw new EncryptionError(`${where}: malformed encrypted argument`);
      }
      const key = cryptoKey(kid);
      if (!key) {
        throw new EncryptionError(
          `${where}: encrypted with key "${kid.slice(0, 64)}", which is not in this worker's key ring (${[...raw.keys()].join(", ")})`,
        );
      }
      const iv = base64UrlBytes(ivText);
      const ct = base64UrlBytes(ctText);
      let plain: ArrayBuffer | undefined;
      if (iv?.length === 12 && ct) {
        for (const queue of altQueue === undefined ? [payload.queue] : [payload.queue, altQueue]) {
          try {
            plain = await crypto.subtle.decrypt(
              { name: "AES-GCM", iv, additionalData: aad(mode, kid, payload, queue) },
              await key,
              ct,
            );
            break;
          } catch {
            // Wrong AAD or altered bytes: try the next queue, else report below.
          }
        }
      }
      if (!plain) {
        throw new EncryptionError(
          `${where}: could not decrypt with key "${kid}": the ciphertext was altered, or moved from another job (class, queue, jid and mode are bound to it)`,
        );
      }
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder().decode(plain));
      } catch {
        throw new EncryptionError(`${where}: decrypted data is not JSON`);
      }
      if (mode === "last") return [...args.slice(0, -1), value];
      if (!Array.isArray(value)) {
        throw new EncryptionError(`${where}: decrypted arguments are not an array`);
      }
      return value;
    },
  };
}

function aad(
  mode: EncryptMode,
  kid: string,
  payload: JobPayload,
  queue: string,
): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(
    `edgekiq:v1|${mode}|${kid}|${payload.class}|${queue}|${payload.jid}`,
  );
}

function keyBytes(material: KeyMaterial): Uint8Array<ArrayBuffer> | undefined {
  if (material instanceof Uint8Array) return new Uint8Array(material);
  if (typeof material !== "string") return undefined;
  return base64UrlBytes(material.trim());
}

/** Bytes of base64 in either alphabet, padded or not; undefined when it is not base64. */
function base64UrlBytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return undefined;
  try {
    return fromBase64(text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, ""));
  } catch {
    return undefined;
  }
}

/**
 * A key ring from text, as the CLI reads `EDGEKIQ_ENCRYPTION_KEYS` or its `_FILE`: either JSON
 * `{ "current": "k2", "keys": { "k2": "<base64>", "k1": "<base64>" } }` or `k2:<base64>,k1:<base64>`
 * (the first is current). `where` names the source in errors; the text never appears in them.
 */
export function parseKeyRing(text: string, where: string): KeyRing {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let config: KeyRingConfig;
    try {
      config = JSON.parse(trimmed) as KeyRingConfig;
    } catch {
      throw new ConfigError(`${where}: not valid JSON`);
    }
    return withSource(where, () => keyRing(config));
  }
  const keys: Record<string, string> = {};
  let current: string | undefined;
  for (const entry of trimmed.split(/[,\s]+/).filter(Boolean)) {
    const colon = entry.indexOf(":");
    if (colon <= 0) throw new ConfigError(`${where}: expected "<key id>:<base64 key>,..."`);
    const id = entry.slice(0, colon);
    current ??= id;
    keys[id] = entry.slice(colon + 1);
  }
  return withSource(where, () => keyRing({ current: current ?? "", keys }));
}

function withSource<T>(where: string, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${where}: ${err.message}`);
    throw err;
  }
}
