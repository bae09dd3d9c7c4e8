// The committed src/web/assets.gen.ts must be what scripts/gen-web-assets.ts makes from the
// sources now: run `npx tsx scripts/gen-web-assets.ts` after editing src/web/assets/.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateWebAssets, OUTPUT } from "../../scripts/gen-web-assets";
import { ASSETS } from "../../src/web/assets.gen";

describe("web assets", () => {
  it("assets.gen.ts is fresh", async () => {
    expect(readFileSync(OUTPUT, "utf8")).toBe(await generateWebAssets());
  });

  it("the bundle has no inline-HTML sinks for server data", () => {
    const js = ASSETS["app.js"].body;
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(ASSETS["app.css"].body).toContain("--brand");
  });
});
