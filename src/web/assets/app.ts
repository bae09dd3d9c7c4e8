/**
 * The dashboard's only script, bundled by scripts/gen-web-assets.ts into assets.gen.ts and served
 * from the dashboard itself (no CDN, no inline script: the CSP allows only 'self').
 *
 * 1. Confirmation for forms marked `data-confirm`.
 * 2. "Select all" checkboxes on list pages.
 * 3. The real-time graph: polls `/stats` every 2-20 s (remembered in localStorage), draws the
 *    processed and failed counts per interval as SVG and refreshes the summary numbers.
 *    Everything from the server is set as text (`textContent`), never parsed as HTML.
 */

const SVG = "http://www.w3.org/2000/svg";
const POINTS = 60;
const INTERVAL_KEY = "edgekiqPollInterval";

interface StatsReply {
  sidekiq: Record<string, number>;
  server_utc_time: string;
}

function confirmForms(): void {
  document.querySelectorAll<HTMLFormElement>("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event: SubmitEvent) => {
      if (!window.confirm(form.dataset.confirm ?? "Are you sure?")) event.preventDefault();
    });
  });
}

function checkAll(): void {
  document.querySelectorAll<HTMLInputElement>("input.check-all").forEach((box) => {
    box.addEventListener("change", () => {
      box
        .closest("form")
        ?.querySelectorAll<HTMLInputElement>('input[name="key"]')
        .forEach((item) => {
          item.checked = box.checked;
        });
    });
  });
}

function svg<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string>,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, name) as SVGElementTagNameMap[K];
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function realtime(): void {
  const host = document.getElementById("realtime");
  const url = host?.dataset.statsUrl;
  if (!host || !url) return;
  const width = 1000;
  const height = 180;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height + 4}`,
    class: "chart-svg",
    role: "img",
  });
  const axis = svg("line", {
    x1: "0",
    y1: String(height),
    x2: String(width),
    y2: String(height),
    class: "axis",
  });
  const processedLine = svg("polyline", { class: "series processed", points: "" });
  const failedLine = svg("polyline", { class: "series failed", points: "" });
  const maxLabel = svg("text", { x: "4", y: "12", class: "tick" });
  chart.append(axis, processedLine, failedLine, maxLabel);
  host.append(chart);

  const processed: number[] = [];
  const failed: number[] = [];
  let last: Record<string, number> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Bumped when the interval changes, so a poll still in flight does not start a second loop.
  let generation = 0;
  let interval = Number(localStorage.getItem(INTERVAL_KEY)) || 5000;

  const draw = () => {
    const max = Math.max(1, ...processed, ...failed);
    const points = (values: number[]) =>
      values
        .map((v, i) => {
          const x = (width / (POINTS - 1)) * (POINTS - values.length + i);
          return `${x.toFixed(1)},${(height - (v / max) * (height - 16)).toFixed(1)}`;
        })
        .join(" ");
    processedLine.setAttribute("points", points(processed));
    failedLine.setAttribute("points", points(failed));
    maxLabel.textContent = `max ${max} per ${interval / 1000} s`;
  };

  const poll = async () => {
    const mine = generation;
    try {
      const response = await fetch(url, {
        headers: { accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const data = (await response.json()) as StatsReply;
        const now = data.sidekiq;
        if (last) {
          processed.push(Math.max(0, (now.processed ?? 0) - (last.processed ?? 0)));
          failed.push(Math.max(0, (now.failed ?? 0) - (last.failed ?? 0)));
          if (processed.length > POINTS) processed.shift();
          if (failed.length > POINTS) failed.shift();
          draw();
        }
        last = now;
        document.querySelectorAll<HTMLElement>("[data-stat]").forEach((el) => {
          const value = now[el.dataset.stat ?? ""];
          if (typeof value === "number") el.textContent = value.toLocaleString("en-US");
        });
        const clock = document.querySelector<HTMLElement>("[data-server-time]");
        if (clock) clock.textContent = data.server_utc_time;
        host.dataset.polls = String(Number(host.dataset.polls ?? 0) + 1);
      }
    } catch {
      // Offline or restarting: try again at the next tick.
    }
    if (mine === generation) timer = setTimeout(poll, interval);
  };

  const buttons = document.querySelectorAll<HTMLButtonElement>("button.poll-interval");
  const mark = () => {
    buttons.forEach((b) => {
      b.classList.toggle("active", Number(b.dataset.interval) === interval);
    });
  };
  buttons.forEach((b) => {
    b.addEventListener("click", () => {
      interval = Number(b.dataset.interval) || 5000;
      localStorage.setItem(INTERVAL_KEY, String(interval));
      mark();
      clearTimeout(timer);
      generation++;
      void poll();
    });
  });
  mark();
  draw();
  void poll();
}

document.addEventListener("DOMContentLoaded", () => {
  confirmForms();
  checkAll();
  realtime();
});
