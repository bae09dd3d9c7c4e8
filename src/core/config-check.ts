/**
 * Settings that come from outside the code (constructor options, config and token files, CLI
 * flags) are checked by valibot schemas, so each rule is written once and every failure names its
 * field: `Worker: concurrency: expected a positive integer, got -3`.
 *
 * The edge entry (src/index.ts) never imports this file, so valibot stays out of the enqueue
 * bundle (test/edge/bundle.test.ts).
 */
import * as v from "valibot";
import { ConfigError } from "./errors";

/** Returns the checked value; throws `ConfigError("<where>: <field>: <problem>")` for the first problem. */
export function checkConfig<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  where: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issuePath(issue);
  throw new ConfigError(`${where}: ${path ? `${path}: ` : ""}${issue.message}`);
}

/**
 * `tokens[0].scope.commands`. An unknown key is reported where it sits (its message names it), so
 * `{"concurency": 1}` reads `unknown setting "concurency"`, not `concurency: unknown setting…`.
 */
function issuePath(issue: v.BaseIssue<unknown>): string {
  const items = issue.path ?? [];
  const keys = (issue.expected === "never" ? items.slice(0, -1) : items).map((i) => i.key);
  return keys
    .map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`))
    .join("")
    .replace(/^\./, "");
}

/** An issue message `expected <what>, got <the value as given>`. */
export const expected =
  (what: string) =>
  (issue: v.BaseIssue<unknown>): string =>
    `expected ${what}, got ${issue.received}`;

/** A number schema with one message for every way to miss it (not a number, too small…). */
function numberWhere(what: string, ok: (n: number) => boolean) {
  return v.pipe(v.number(expected(what)), v.check(ok, expected(what)));
}

export const positiveInteger = numberWhere(
  "a positive integer",
  (n) => Number.isInteger(n) && n > 0,
);
export const nonNegativeInteger = numberWhere(
  "an integer, 0 or more",
  (n) => Number.isInteger(n) && n >= 0,
);
export const positiveNumber = numberWhere("a positive number", (n) => n > 0);
export const nonNegativeNumber = numberWhere("a number, 0 or more", (n) => n >= 0);

/** One of a few literal values: `expected "seconds" or "milliseconds", got "ms"`. */
export function oneOf<const T extends readonly (string | number)[]>(values: T) {
  const names = values.map((x) => JSON.stringify(x));
  const what = names.length > 1 ? `${names.slice(0, -1).join(", ")} or ${names.at(-1)}` : names[0]!;
  return v.picklist(values, expected(what));
}

/** A string that is not empty. */
export const nonEmptyString = v.pipe(
  v.string(expected("a non-empty string")),
  v.minLength(1, expected("a non-empty string")),
);

/** A list of non-empty strings. */
export const stringList = v.array(nonEmptyString, expected("an array of non-empty strings"));
