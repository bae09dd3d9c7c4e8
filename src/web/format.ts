/**
 * Small display helpers: relative times, numbers, truncation, and the JSON of job arguments
 * (taken from the stored bytes, so a 20-digit id shows as written).
 */
import type { JobRecord } from "../api/job-record";
import { RawJsonObject, rawArrayItems } from "../core/raw-json";

export function formatNumber(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** "3 minutes ago" / "in 2 hours", from epoch ms. */
export function relativeTime(ms: number, nowMs: number = Date.now()): string {
  const diff = (ms - nowMs) / 1000;
  const abs = Math.abs(diff);
  const units: [number, string][] = [
    [86400 * 365, "year"],
    [86400 * 30, "month"],
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
    [1, "second"],
  ];
  if (abs < 1) return "just now";
  for (const [size, name] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const text = `${n} ${name}${n === 1 ? "" : "s"}`;
      return diff < 0 ? `${text} ago` : `in ${text}`;
    }
  }
  return "just now";
}

/** `2026-11-29 01:54:16 UTC`. */
export function utcTime(ms: number): string {
  if (!Number.isFinite(ms)) return "";
  return `${new Date(ms).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

export function truncate(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * The arguments a user wrote, as the stored JSON text: `args`, or ActiveJob's inner `arguments`.
 * Taken from the bytes rather than re-serialised, which also keeps any depth printable.
 */
export function argsText(job: JobRecord): string {
  if (job.displayArgs === job.args) return job.rawArgs;
  const wrapper = rawArrayItems(job.rawArgs)[0];
  return (wrapper && RawJsonObject.parse(wrapper).getRaw("arguments")) ?? "[]";
}

/** Latency in seconds as "12.3 s" / "4 min" / "2 h". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}
