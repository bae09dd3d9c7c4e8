/**
 * HTML for the dashboard: Hono's `html` tagged template, which escapes `&<>"'` in every
 * interpolated string. Job arguments, error messages, queue names and process labels are
 * attacker-controlled, so escaping is the default; markup passes through only as a fragment made
 * by `html` itself. Attribute values are always double-quoted in our templates, so escaping
 * those five characters is enough for text and attributes.
 *
 * Hono's helper is typed `(...values: unknown[]) => string | Promise<string>`; this module narrows
 * it to what keeps our guarantees, and the compiler holds every template to it:
 * - values are strings, numbers, fragments, arrays of them, or nothing (`false`, null,
 *   undefined). Never `true`, which Hono renders as nothing rather than "true";
 * - no promises, so the result is a string, never a promise;
 * - no other objects: Hono passes any object whose `isEscaped` is set through unescaped. A value
 *   parsed from JSON cannot abuse that (it has no callable `toString`), and test/unit/web checks
 *   so, but nothing else needs to be interpolated.
 */
import { html as honoHtml, type raw } from "hono/html";

/** Markup made by `html` (a string Hono marks as already escaped). */
export type SafeHtml = ReturnType<typeof raw>;

type Part = SafeHtml | string | number | false | null | undefined | readonly Part[];

/** `html\`<td>${value}</td>\``: values escaped, nested `html` fragments and arrays kept. */
export const html = honoHtml as (strings: TemplateStringsArray, ...values: Part[]) => SafeHtml;
