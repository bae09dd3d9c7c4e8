/**
 * Typed job definitions: a class name, its Sidekiq options and an optional Standard Schema for
 * its arguments. A definition holds no handler (the worker registers that), so edge code can
 * import it to enqueue with checked, typed arguments.
 */
import { ConfigError, JobValidationError } from "./errors";
import type { RetryOption } from "./job";
import {
  type InferInput,
  type InferOutput,
  runSchema,
  type StandardSchemaV1,
} from "./standard-schema";
import type { UniqueOptions } from "./unique";

/** Sidekiq options a definition may carry; they become payload fields under their wire names. */
export interface JobOptions {
  queue?: string;
  retry?: RetryOption;
  /** Store the error backtrace on failure: true = all lines, N = first N. */
  backtrace?: boolean | number;
  /** `false` keeps an exhausted job out of the dead set. */
  dead?: boolean;
  retry_queue?: string;
  tags?: string[];
  /** One job at a time per lock (core/unique.ts); needs `new Client({ unique: uniqueJobs })`. */
  unique?: UniqueOptions;
  /** Seconds after it is due that the job is dropped instead of run late. */
  expiresIn?: number;
  /** Limiters (`Limiter.concurrent(...)` etc. from edgekiq/worker) the worker runs the job within. */
  limits?: readonly { within<T>(fn: () => T | Promise<T>): Promise<T> }[];
  /** Any other Sidekiq option (`retry_for`, `log_level`, …) is copied into the payload as is. */
  [option: string]: unknown;
}

export interface DefineJobOptions<S extends StandardSchemaV1<any, any> | undefined>
  extends JobOptions {
  /** The Sidekiq class name, e.g. `"HardJob"` or `"Billing::ChargeJob"`. */
  name: string;
  /** A Standard Schema (valibot, zod, arktype…) for the whole args array, e.g. a tuple. */
  args?: S;
}

export interface JobDefinition<TInput extends unknown[] = unknown[], TOutput = TInput> {
  readonly kind: "edgekiq.job";
  readonly name: string;
  /** Sidekiq options, without `name` and `args`. */
  readonly options: Readonly<JobOptions>;
  readonly schema: StandardSchemaV1<TInput, TOutput> | undefined;
  /** Validates `args` against the schema (if any); throws `JobValidationError` listing every issue. */
  validate(args: unknown[]): Promise<TOutput>;
  /** Phantom fields for type inference only. */
  readonly $input?: TInput;
  readonly $output?: TOutput;
}

// `[S] extends [undefined]` first: without strictNullChecks (Next.js writes `strict: false`),
// `undefined extends StandardSchemaV1` holds, and a job without a schema would take `never`.
type ArgsInput<S> = [S] extends [undefined]
  ? unknown[]
  : S extends StandardSchemaV1<any, any>
    ? InferInput<S> extends unknown[]
      ? InferInput<S>
      : never
    : unknown[];
type ArgsOutput<S> = [S] extends [undefined]
  ? unknown[]
  : S extends StandardSchemaV1<any, any>
    ? InferOutput<S>
    : unknown[];

export function defineJob<S extends StandardSchemaV1<any, any> | undefined = undefined>(
  definition: DefineJobOptions<S>,
): JobDefinition<ArgsInput<S>, ArgsOutput<S>> {
  const { name, args: schema, ...options } = definition;
  if (typeof name !== "string" || name === "") {
    throw new ConfigError("defineJob: `name` must be the job's class name");
  }
  return {
    kind: "edgekiq.job",
    name,
    options: Object.freeze(options),
    schema: schema as StandardSchemaV1<ArgsInput<S>, ArgsOutput<S>> | undefined,
    async validate(args) {
      if (!schema) return args as ArgsOutput<S>;
      const result = await runSchema(schema, args);
      if (!result.ok) throw new JobValidationError(name, result.issues);
      return result.value as ArgsOutput<S>;
    },
  };
}

export function isJobDefinition(value: unknown): value is JobDefinition<any, any> {
  return (value as JobDefinition | null)?.kind === "edgekiq.job";
}

/** The argument tuple a definition accepts. */
export type JobArgs<D> = D extends JobDefinition<infer I, any> ? I : unknown[];
/** The arguments a handler receives (the schema's output). */
export type JobHandlerArgs<D> = D extends JobDefinition<any, infer O> ? O : unknown[];
