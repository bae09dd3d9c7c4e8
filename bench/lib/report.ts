/**
 * Results: the raw samples of a run, their medians (with min–max) per figure and system, the
 * ratios of edgekiq to every other column (a `--baseline` edgekiq first, then the peers), and the
 * Markdown table printed at the end (and pasted into the docs).
 */
import { isEdgekiq, type SystemId } from "../systems/types";
import type { BenchOptions, SystemName } from "./args";
import type { BaselineCheckout } from "./baseline";
import type { Machine } from "./machine";
import { type Summary, summarize } from "./stats";

export interface Sample {
  round: number;
  system: SystemId;
  figure: string;
  value: number;
}

export interface Failure {
  round: number;
  system: SystemId;
  figure: string;
  error: string;
}

export interface Figure {
  key: string;
  label: string;
  unit: "jobs/s" | "ms" | "MB" | "µs/job";
  /** Rates: higher is better; latency and memory: lower is better. */
  higherIsBetter: boolean;
}

export interface Results {
  startedAt: string;
  finishedAt?: string;
  command: string;
  machine: Machine;
  options: BenchOptions;
  systems: { name: SystemId; label: string; unavailable: Record<string, string> }[];
  /**
   * With `--baseline`: the commit the `system` column was built from, and how (no `glue` if it
   * could not be checked out: the reason is in its `unavailable`).
   */
  baseline?: Pick<BaselineCheckout, "ref" | "commit"> &
    Partial<Pick<BaselineCheckout, "glue" | "protocolChanged">> & { system: SystemId };
  figures: Figure[];
  samples: Sample[];
  failures: Failure[];
  summary: Record<string, Partial<Record<SystemId, Summary>>>;
}

const LABELS: Record<SystemName, string> = {
  edgekiq: "edgekiq",
  bullmq: "BullMQ",
  sidekiq: "Sidekiq",
};

/** The column heading: the peers' proper names; a baseline is named by its id. */
function heading(id: SystemId): string {
  return LABELS[id as SystemName] ?? id;
}

/** The figures a run with these options produces, in table order. */
export function figuresFor(opts: BenchOptions): Figure[] {
  const figures: Figure[] = [];
  const has = (p: string) => opts.phases.includes(p as never);
  if (has("drain")) {
    for (const c of opts.concurrencies) {
      figures.push({
        key: `drain_c${c}`,
        label: `drain c=${c}`,
        unit: "jobs/s",
        higherIsBetter: true,
      });
    }
  }
  if (has("flow")) {
    const c = opts.concurrencies[0];
    figures.push(
      {
        key: `drain_unique_c${c}`,
        label: `drain, unique lock per job c=${c}`,
        unit: "jobs/s",
        higherIsBetter: true,
      },
      {
        key: `drain_limiter_c${c}`,
        label: `drain, concurrent limiter c=${c}`,
        unit: "jobs/s",
        higherIsBetter: true,
      },
    );
  }
  if (has("enqueue")) {
    figures.push(
      {
        key: "enqueue_one_tcp",
        label: "enqueue one at a time (TCP)",
        unit: "jobs/s",
        higherIsBetter: true,
      },
      {
        key: "enqueue_bulk_tcp",
        label: "bulk enqueue (TCP)",
        unit: "jobs/s",
        higherIsBetter: true,
      },
      {
        key: "enqueue_one_rest",
        label: "enqueue one at a time (REST)",
        unit: "jobs/s",
        higherIsBetter: true,
      },
      {
        key: "enqueue_bulk_rest",
        label: "bulk enqueue (REST)",
        unit: "jobs/s",
        higherIsBetter: true,
      },
    );
  }
  if (has("latency")) {
    figures.push(
      {
        key: "latency_p50",
        label: "latency p50, new processes",
        unit: "ms",
        higherIsBetter: false,
      },
      {
        key: "latency_p99",
        label: "latency p99, new processes",
        unit: "ms",
        higherIsBetter: false,
      },
      {
        key: "latency_warm_p50",
        label: "latency p50, after warm-up",
        unit: "ms",
        higherIsBetter: false,
      },
      {
        key: "latency_warm_p99",
        label: "latency p99, after warm-up",
        unit: "ms",
        higherIsBetter: false,
      },
    );
  }
  if (has("drain")) {
    for (const c of opts.concurrencies) {
      figures.push({
        key: `rss_c${c}`,
        label: `RSS while draining c=${c}`,
        unit: "MB",
        higherIsBetter: false,
      });
    }
    // Where the time goes: the two processes that share the cores during a drain.
    for (const c of opts.concurrencies) {
      figures.push(
        {
          key: `worker_cpu_c${c}`,
          label: `worker CPU per job c=${c}`,
          unit: "µs/job",
          higherIsBetter: false,
        },
        {
          key: `redis_cpu_c${c}`,
          label: `Redis CPU per job c=${c}`,
          unit: "µs/job",
          higherIsBetter: false,
        },
      );
    }
    // Batches (edgekiq only): the same drain with every job in one batch; compare with the rows
    // above for the overhead per job.
    const c = opts.concurrencies[0]!;
    figures.push(
      {
        key: `batch_drain_c${c}`,
        label: `drain c=${c}, jobs in a batch`,
        unit: "jobs/s",
        higherIsBetter: true,
      },
      {
        key: `batch_worker_cpu_c${c}`,
        label: `worker CPU per batch job c=${c}`,
        unit: "µs/job",
        higherIsBetter: false,
      },
      {
        key: `batch_redis_cpu_c${c}`,
        label: `Redis CPU per batch job c=${c}`,
        unit: "µs/job",
        higherIsBetter: false,
      },
    );
  }
  return figures;
}

export function summarizeSamples(results: Results): void {
  results.summary = {};
  for (const figure of results.figures) {
    const row: Partial<Record<SystemId, Summary>> = {};
    for (const { name } of results.systems) {
      const values = results.samples
        .filter((s) => s.figure === figure.key && s.system === name)
        .map((s) => s.value);
      const summary = summarize(values);
      if (summary) row[name] = summary;
    }
    results.summary[figure.key] = row;
  }
}

/** The Markdown table of medians (min–max) and edgekiq/other ratios, with notes under it. */
export function renderTable(results: Results): string {
  const systems = results.systems.map((s) => s.name);
  const others = systems.filter((s) => s !== "edgekiq");
  const withRatios = systems.includes("edgekiq") ? others : [];
  const header = [
    "figure",
    ...systems.map(heading),
    ...withRatios.map((p) => `edgekiq/${heading(p)}`),
  ];
  const lines = [row(header), row(header.map(() => "---"))];
  const notes = new Set<string>();

  for (const figure of results.figures) {
    const summaries = results.summary[figure.key] ?? {};
    const cells = [`${figure.label} (${figure.unit})`];
    for (const system of systems) {
      const s = summaries[system];
      if (s) {
        const spread = s.n > 1 ? ` (${fmt(s.min, figure)}–${fmt(s.max, figure)})` : "";
        cells.push(`${fmt(s.median, figure)}${spread}`);
      } else cells.push(missingCell(results, system, figure, notes));
    }
    for (const peer of withRatios) {
      const mine = summaries.edgekiq?.median;
      const theirs = summaries[peer]?.median;
      cells.push(mine !== undefined && theirs ? `${(mine / theirs).toFixed(2)}×` : "–");
    }
    lines.push(row(cells));
  }

  const out = [lines.join("\n"), ""];
  out.push(
    "Cells: median of the rounds (min–max). Ratios: edgekiq ÷ the system after the slash, so " +
      "above 1 is better for rates and below 1 is better for latency, RSS and CPU.",
  );
  for (const s of results.systems) out.push(`- ${heading(s.name)}: ${s.label}`);
  for (const note of notes) out.push(`- ${note}`);
  return out.join("\n");
}

function missingCell(
  results: Results,
  system: SystemId,
  figure: Figure,
  notes: Set<string>,
): string {
  const entry = results.systems.find((s) => s.name === system);
  const part = figure.key.startsWith("enqueue")
    ? figure.key.endsWith("rest")
      ? "rest"
      : "producer"
    : "worker";
  const reason = entry?.unavailable[part] ?? entry?.unavailable.producer;
  if (reason) {
    if (part === "rest" && !isEdgekiq(system)) return "–";
    notes.add(`${heading(system)} ${part} unavailable: ${reason}`);
    return "unavailable";
  }
  const failure = results.failures.find((f) => f.system === system && f.figure === figure.key);
  if (failure) {
    notes.add(`${heading(system)} ${figure.label} failed: ${failure.error.split("\n")[0]}`);
    return "failed";
  }
  return "–";
}

function fmt(value: number, figure: Figure): string {
  if (figure.unit === "ms") return value.toFixed(2);
  if (figure.unit === "MB") return value.toFixed(0);
  if (figure.unit === "µs/job") return value.toFixed(1);
  return Math.round(value).toLocaleString("en-US");
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}
