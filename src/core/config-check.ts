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
  const { issue, path } = furthest(result.issues[0], []);
  // An object schema reports a required key that is absent as its own issue, at the key.
  const missing =
    issue.kind === "schema" && /object$/.test(issue.type) && issue.input === undefined;
  if (missing && path) throw new ConfigError(`${where}: ${path} is missing`);
  throw new ConfigError(`${where}: ${path ? `${path}: ` : ""}${issue.message}`);
}

type Key = v.IssuePathItem["key"];

/**
 * The issue to report and its path (`tokens[0].scope.commands`). A union that fails reports each
 * option's issues, with paths that start at the union; the one that got furthest into the value
 * is the shape the writer meant (`"redis": { "sentinels": [{ "port": "x" }] }` is a bad port, not
 * "neither a URL nor an object").
 */
function furthest(
  issue: v.BaseIssue<unknown>,
  above: Key[],
): { issue: v.BaseIssue<unknown>; path: string } {
  const keys = [...above, ...(issue.path ?? []).map((i) => i.key)];
  const depth = (i: v.BaseIssue<unknown>) => i.path?.length ?? 0;
  const deepest = issue.issues?.reduce((a, b) => (depth(b) > depth(a) ? b : a));
  if (deepest && depth(deepest) > 0) return furthest(deepest, keys);
  // An unknown key is reported where it sits (its message names it): `unknown setting "x"`.
  if (issue.expected === "never") keys.pop();
  const path = keys
    .map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`))
    .join("")
    .replace(/^\./, "");
  return { issue, path };
}

/** An issue message `expected <what>, got <the value as given>`. */
export const expected =
  (what: string) =>
  (issue: v.BaseIssue<unknown>): string =>
    `expected ${what}, got ${issue.received}`;

/**
 * The message for a `v.strictObject`: it covers both a value that is not an object and a key the
 * object may not have (`unknown setting "concurency"`).
 */
export const objectMessage =
  (what: string, key = "key") =>
  (issue: v.BaseIssue<unknown>): string =>
    issue.expected === "never" ? `unknown ${key} ${issue.received}` : expected(what)(issue);

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

/**
 * A JSON object (not an array, which valibot's object schemas accept) checked by `schema`, e.g. a
 * `v.strictObject` whose unknown keys are refused.
 */
export function jsonObject<S extends v.GenericSchema<Record<string, unknown>, unknown>>(schema: S) {
  return v.pipe(
    v.unknown(),
    v.check(
      (x) => typeof x === "object" && x !== null && !Array.isArray(x),
      expected("a JSON object"),
    ),
    schema,
  );
}

export const stringValue = v.string(expected("a string"));
export const booleanValue = v.boolean(expected("true or false"));

/** A string that is not empty. */
export const nonEmptyString = v.pipe(
  v.string(expected("a non-empty string")),
  // A check, not v.minLength, whose "got" would be the length.
  v.check((x) => x !== "", expected("a non-empty string")),
);

/** A list of non-empty strings. */
export const stringList = v.array(nonEmptyString, expected("an array of non-empty strings"));
