import * as v from "valibot";
import { describe, expect, expectTypeOf, it } from "vitest";
import { defineJob } from "../../../src/core/define-job";
import { JobValidationError } from "../../../src/core/errors";
import { runChain } from "../../../src/core/middleware";

describe("defineJob", () => {
  const SendEmail = defineJob({
    name: "SendEmail",
    queue: "mail",
    retry: 3,
    args: v.tuple([
      v.pipe(v.string(), v.email()),
      v.object({ subject: v.string(), count: v.number() }),
    ]),
  });

  it("keeps the name and Sidekiq options, not the schema", () => {
    expect(SendEmail.name).toBe("SendEmail");
    expect(SendEmail.options).toEqual({ queue: "mail", retry: 3 });
  });

  it("infers the argument tuple from the schema", () => {
    expectTypeOf(SendEmail.validate).parameter(0).toEqualTypeOf<unknown[]>();
    expectTypeOf(SendEmail.$input!).toEqualTypeOf<[string, { subject: string; count: number }]>();
  });

  it("lists every issue with its path", async () => {
    const err = await SendEmail.validate(["not-an-email", { subject: 1, count: "x" }]).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(JobValidationError);
    const paths = (err as JobValidationError).issues.map((i) => i.path);
    expect(paths).toEqual(["args[0]", "args[1].subject", "args[1].count"]);
    expect(err.message).toMatch(
      /^Invalid arguments for job "SendEmail": args\[0\]: .*; args\[1\]\.subject: /,
    );
  });

  it("returns the schema's output for valid args", async () => {
    await expect(SendEmail.validate(["a@b.co", { subject: "hi", count: 1 }])).resolves.toEqual([
      "a@b.co",
      { subject: "hi", count: 1 },
    ]);
  });

  it("refuses a definition without a name", () => {
    expect(() => defineJob({ name: "" })).toThrow(/name/);
  });
});

describe("runChain", () => {
  it("runs middleware in order around the core and reports whether the core ran", async () => {
    const seen: string[] = [];
    const ran = await runChain(
      [
        async (job: { n: number }, _c: null, next) => {
          seen.push("a>");
          job.n += 1;
          await next();
          seen.push("<a");
        },
        async (_job, _c, next) => {
          seen.push("b");
          await next();
        },
      ],
      { n: 0 },
      null,
      async () => {
        seen.push("core");
      },
    );
    expect(ran).toBe(true);
    expect(seen).toEqual(["a>", "b", "core", "<a"]);
  });

  it("stops when a middleware does not call next", async () => {
    let core = false;
    const ran = await runChain([() => undefined], {}, null, async () => {
      core = true;
    });
    expect(ran).toBe(false);
    expect(core).toBe(false);
  });
});
