/**
 * The dashboard's form posts, checked by valibot schemas built from core/config-check's rules,
 * so a bad field is a 400 that names it before anything reaches Redis (an `index` of 1e21 used to
 * go to LINDEX as `1e+21` and answer 500). Hono hands a field posted twice as an array; a field
 * that must be given once refuses that.
 */
import type { Context } from "hono";
import * as v from "valibot";
import { checkConfig, expected, oneOf } from "../core/config-check";
import { ConfigError } from "../core/errors";

/** A field given once, as text. */
const text = v.string(expected("one text value"));
/** A list position as posted: decimal digits only, within what LINDEX takes exactly. */
const position = v.pipe(
  text,
  v.regex(/^\d{1,15}$/, expected("a list position (a whole number, 0 or more)")),
  v.transform(Number),
);

export const busyForm = v.object({ action: oneOf(["quiet", "stop"]), identity: v.optional(text) });
export const clearQueueForm = v.object({ action: oneOf(["clear"]) });
export const queueJobDeleteForm = v.object({
  jid: v.optional(text, ""),
  index: v.optional(position),
});

/** A set page's form: one of its actions, and the keys of the chosen rows (any number of them). */
export function setForm<const A extends readonly string[]>(actions: A) {
  return v.object({
    action: oneOf(actions),
    key: v.optional(
      v.union([
        v.pipe(
          text,
          v.transform((k) => [k]),
        ),
        v.array(text),
      ]),
      [],
    ),
  });
}

/** The checked form, or a 400 response naming the field that is wrong. */
export async function readForm<S extends v.GenericSchema>(
  c: Context,
  schema: S,
): Promise<{ form: v.InferOutput<S> } | { refused: Response }> {
  const body = await c.req.parseBody({ all: true });
  try {
    return { form: checkConfig(schema, { ...body }, "form") };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { refused: c.text(`Bad request: ${err.message}\n`, 400) };
  }
}
