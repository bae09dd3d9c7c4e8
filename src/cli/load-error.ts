/**
 * What `edgekiq worker` says when its jobs file cannot be loaded (#14 item 6): one line that keeps
 * where a syntax error is, `file:line:column`, in whichever form the runtime's loader reported it,
 * and the stack of an exception the file threw while loading, for the debug log. Each loader
 * puts the place somewhere else:
 * - tsx (TypeScript on older Node; esbuild): a second message line `file:3:10: ERROR: message`,
 *   its column counted from 0;
 * - Bun: an AggregateError whose `errors[i].position` holds `file`, `line` and `column`;
 * - Deno, and Node's loader (runtimes/node/load-module.ts): a last message line `at file:3:11`.
 */
import { backtraceLines } from "../worker/job-retry";

export interface LoadFailure {
  /** One line: `syntax error at /app/jobs.ts:3:11: Unexpected token '='`, or the error's message. */
  summary: string;
  /** The stack frames of what was thrown (empty for a syntax error, which has no useful stack). */
  backtrace: string[];
}

const ESBUILD = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m;
const AT_PLACE = /\n\s*at (\S+:\d+(?::\d+)?)\s*$/;

export function describeLoadError(err: unknown): LoadFailure {
  const error = err instanceof Error ? err : new Error(String(err));
  const message = error.message ?? "";
  const position = (error as { errors?: { message?: string; position?: BunPosition }[] })
    .errors?.[0];
  if (position?.position?.file) {
    const { file, line, column } = position.position;
    return syntax(`${file}:${line}:${column}`, position.message ?? message);
  }
  const esbuild = ESBUILD.exec(message);
  // esbuild counts columns from 0; every other loader (and every editor) from 1.
  if (esbuild) return syntax(`${esbuild[1]}:${esbuild[2]}:${Number(esbuild[3]) + 1}`, esbuild[4]!);
  const at = AT_PLACE.exec(message);
  if (at && /^(TypeError: )?SyntaxError: /.test(message)) {
    const first = message.split("\n")[0]!.replace(/^(TypeError: )?SyntaxError: /, "");
    return syntax(fromFileUrl(at[1]!), first);
  }
  return {
    summary: message.split("\n")[0] || error.name,
    backtrace: backtraceLines(error).map(readableFrame),
  };
}

interface BunPosition {
  file?: string;
  line?: number;
  column?: number;
}

function syntax(place: string, message: string): LoadFailure {
  return { summary: `syntax error at ${place}: ${message}`, backtrace: [] };
}

function fromFileUrl(place: string): string {
  if (!place.startsWith("file://")) return place;
  try {
    const [, path, position] = /^(file:\/\/\S+?)((?::\d+)+)$/.exec(place) ?? [];
    return path ? `${decodeURIComponent(new URL(path).pathname)}${position}` : place;
  } catch {
    return place;
  }
}

/**
 * tsx runs a CommonJS-compiled .ts file from a `data:` URL, the whole program inlined in every
 * frame: keep the file it names and drop the positions, which are in the compiled text.
 */
function readableFrame(frame: string): string {
  return frame.replace(/data:text\/javascript,[^?\s]*\?filePath=([^:)\s?]+)[^)\s]*/g, (_, path) =>
    decodeURIComponent(path).replace(/\?namespace=.*$/, ""),
  );
}
