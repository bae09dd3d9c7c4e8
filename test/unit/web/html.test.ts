// The dashboard's escaping guarantees, kept with Hono's `html` helper: every interpolated string
// is escaped, fragments and arrays compose, and nothing parsed from JSON (job arguments, errors)
// can pass itself off as markup.
import { describe, expect, it } from "vitest";
import { html } from "../../../src/web/html";

const render = (value: unknown) =>
  String(html`<td title="${value as string}">${value as string}</td>`);

describe("html", () => {
  it("escapes & < > \" ' in text and attributes", () => {
    expect(render(`<script>alert("x")</script>&'`)).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">' +
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</td>",
    );
  });

  it("keeps nested fragments, flattens arrays (escaping their strings), prints numbers", () => {
    const rows = ["<a>", html`<b>${"<c>"}</b>`, [1, ["<d>"]]];
    expect(String(html`<p>${rows}</p>`)).toBe("<p>&lt;a&gt;<b>&lt;c&gt;</b>1&lt;d&gt;</p>");
  });

  it("renders false, null and undefined as nothing", () => {
    expect(String(html`[${false}${null}${undefined}]`)).toBe("[]");
  });

  it("is a string, never a promise", () => {
    expect(typeof html`<p>${"x"}</p>`.toString()).toBe("string");
    expect(html`<p>${"x"}</p>`).not.toBeInstanceOf(Promise);
  });

  it("never trusts an object from JSON that claims to be escaped", () => {
    const claims = JSON.parse('[{"isEscaped":true},{"isEscaped":true,"value":"<script>"}]');
    expect(render(claims[0])).not.toContain("<script>");
    expect(render(claims[1])).not.toContain("<script>");
    // A JSON `toString` is a string, not a function: rendering fails rather than emit markup.
    const forged = JSON.parse('{"isEscaped":true,"toString":"<script>"}');
    expect(() => render(forged)).toThrow(TypeError);
  });
});
