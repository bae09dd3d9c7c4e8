/**
 * The one place internal errors and job failures go (Sidekiq's `handle_exception`, component.rb):
 * every actor catches at its boundary and reports here.
 *
 * 1. The configured `errorHandlers` run, each guarded: one that throws is logged, the others run.
 * 2. With no handler configured the error is logged here, unless the reporter already logged it
 *    in its own words (a job's `fail` line, a bad payload, the first fetch error of an outage):
 *    each failure is logged once.
 * 3. Then the worker's `error` event is emitted.
 */
import { coerceError } from "../core/errors";
import type { Logger } from "./logger";
import type { ErrorContext, ErrorHandler } from "./types";

/** Reports an error; `logged` says the reporter has already written its log line. */
export type Report = (error: unknown, context: ErrorContext, logged?: boolean) => void;

export function exceptionHandler(
  handlers: readonly ErrorHandler[],
  logger: Logger,
  emit: (event: { error: Error; context: ErrorContext }) => void,
): Report {
  return (error, context, logged = false) => {
    const err = coerceError(error);
    if (handlers.length === 0 && !logged) {
      logger.error(context.context, { error_class: err.name, error_message: err.message });
    }
    for (const h of handlers) {
      try {
        h(err, context);
      } catch (inner) {
        logger.error("Error handler raised", { error_message: coerceError(inner).message });
      }
    }
    emit({ error: err, context });
  };
}
