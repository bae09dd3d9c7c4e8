/**
 * Time, in the units Sidekiq stores (wire spec §2.3). `realMs()` is wall-clock epoch ms for
 * anything persisted; `monoMs()` is monotonic for durations. Float seconds always carry a
 * fractional part when written, because an 8.x reader takes an integer for milliseconds.
 */

export type TimestampUnit = "seconds" | "milliseconds";

export function realMs(): number {
  return Date.now();
}

export function monoMs(): number {
  return performance.now();
}

/** Epoch ms to what a job's `created_at`/`enqueued_at`/`failed_at` holds in the chosen unit. */
export function toTimestamp(ms: number, unit: TimestampUnit): number {
  return unit === "milliseconds" ? Math.round(ms) : ms / 1000;
}

/**
 * Whether an epoch timestamp is in milliseconds (Sidekiq 8) rather than seconds (6.x, 7.x, every
 * ZSET score). Sidekiq 8 tells them apart by JSON type (Integer = ms); we go by magnitude, which
 * also handles a seconds value that lost its `.0`: 1e11 is 1973 in ms and the year 5138 in
 * seconds, so no real timestamp is near it. Every reader and writer of either unit asks this.
 */
export function isEpochMs(value: number): boolean {
  return value >= 1e11;
}

/** Reads a job timestamp in either unit as epoch ms; undefined if it is not a finite number. */
export function timestampToMs(value: unknown): number | undefined {
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  return isEpochMs(value) ? value : value * 1000;
}

/** A ZSET score (float epoch seconds) as Ruby's `Float#to_s` would print it. */
export function scoreText(seconds: number): string {
  return formatFloat(seconds);
}

/** A float as Ruby prints it for the magnitudes we store: always with a fractional part. */
export function formatFloat(value: number): string {
  const text = String(value);
  return Number.isInteger(value) && !/[e.]/.test(text) ? `${text}.0` : text;
}
