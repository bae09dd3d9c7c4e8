/**
 * The Standard Schema v1 interface (standardschema.dev), which valibot, zod and arktype all
 * implement. Declared here as types so we depend on no validator; plus one helper that runs a
 * schema and renders its issue paths as `args[0].email`.
 */
import type { ValidationIssue } from "./errors";

export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

export type InferInput<S> = S extends StandardSchemaV1<infer I, unknown> ? I : never;
export type InferOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : never;

/** Runs the schema on `value`; returns the output or every issue with a readable path. */
export async function runSchema<O>(
  schema: StandardSchemaV1<unknown, O>,
  value: unknown,
  rootPath = "args",
): Promise<{ ok: true; value: O } | { ok: false; issues: ValidationIssue[] }> {
  const result = await schema["~standard"].validate(value);
  if (!result.issues) return { ok: true, value: result.value };
  return {
    ok: false,
    issues: result.issues.map((issue) => ({
      path: renderPath(rootPath, issue.path),
      message: issue.message,
    })),
  };
}

function renderPath(root: string, path: StandardIssue["path"]): string {
  let out = root;
  for (const segment of path ?? []) {
    const key = typeof segment === "object" && segment !== null ? segment.key : segment;
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}
