/**
 * The logger a handler gets as `ctx.logger`: the worker's logger with the job's `class`, `jid` and
 * `queue` on every line (Sidekiq's job context, `Sidekiq::Context`), so what a handler logs can
 * be told apart when jobs run side by side. Fields the handler passes come after these and win
 * on a clash. One small object per job: the merged fields are built only when a line is logged.
 */
import type { LogFields, Logger } from "./logger";

export class JobLogger implements Logger {
  constructor(
    private readonly base: Logger,
    private readonly jobClass: string,
    private readonly jid: string,
    private readonly queue: string,
  ) {}

  debug(msg: string, fields?: LogFields): void {
    this.base.debug(msg, this.#with(fields));
  }
  info(msg: string, fields?: LogFields): void {
    this.base.info(msg, this.#with(fields));
  }
  warn(msg: string, fields?: LogFields): void {
    this.base.warn(msg, this.#with(fields));
  }
  error(msg: string, fields?: LogFields): void {
    this.base.error(msg, this.#with(fields));
  }

  #with(fields: LogFields | undefined): LogFields {
    return { class: this.jobClass, jid: this.jid, queue: this.queue, ...fields };
  }
}
