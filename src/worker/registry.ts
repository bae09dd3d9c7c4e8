/**
 * The handler registry: job class name -> handler, its job definition (typed, schema-checked
 * args) and its options. Sidekiq finds a job's class with `Object.const_get`; JavaScript has no
 * global constant table, so handlers are registered by name, checked here once.
 */
import type { JobDefinition } from "../core/define-job";
import { isJobDefinition } from "../core/define-job";
import { ConfigError } from "../core/errors";
import type { JobHandler, RegisterOptions, Registration } from "./types";

export class Registry {
  readonly #byClass = new Map<string, Registration>();

  /** Adds (or replaces) the handler for a job definition or a class name. */
  add(
    job: string | JobDefinition<any, any>,
    handler: JobHandler<any>,
    options: RegisterOptions = {},
  ): void {
    const definition = isJobDefinition(job) ? job : undefined;
    const className = definition ? definition.name : job;
    if (typeof className !== "string" || className === "") {
      throw new ConfigError("register: pass a job definition or a non-empty class name");
    }
    if (typeof handler !== "function") {
      throw new ConfigError(`register("${className}"): the handler must be a function`);
    }
    if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) {
      throw new ConfigError(`register("${className}"): timeoutSeconds must be a positive number`);
    }
    this.#byClass.set(className, { className, definition, handler, options });
  }

  get(className: string): Registration | undefined {
    return this.#byClass.get(className);
  }

  get classNames(): string[] {
    return [...this.#byClass.keys()];
  }
}
