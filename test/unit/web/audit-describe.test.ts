// How the dashboard's audit trail names an action and its target from the route and the form,
// including routes it was not written for (a queue's pause), so later pages are audited too.
import { expect, describe as group, it } from "vitest";
import { outcomeOf } from "../../../src/core/audit";
import { describe } from "../../../src/web/audit";

group("audit action names", () => {
  it.each([
    ["/retries/123.5-abc", { action: "retry" }, "retries.retry", "retries/123.5-abc"],
    ["/retries", { action: "kill", key: ["1-a", "2-b"] }, "retries.kill", "retries/1-a,2-b"],
    ["/scheduled/9-x", { action: "add_to_queue" }, "scheduled.enqueue_now", "scheduled/9-x"],
    ["/morgue/all/delete", {}, "morgue.delete_all", "morgue/all"],
    ["/busy", { action: "stop", identity: "host:1:abc" }, "process.stop", "host:1:abc"],
    ["/busy", { action: "quiet" }, "process.quiet", "all processes"],
    ["/queues/mail%20ers", { action: "clear" }, "queue.clear", "mail ers"],
    ["/queues/default/delete", { jid: "j1", index: "3" }, "queue.delete_job", "default/j1"],
    ["/queues/default/pause", {}, "queue.pause", "default"],
    ["/batches/b1", { action: "cancel" }, "batches.cancel", "/batches/b1"],
  ] as const)("%s %j -> %s on %s", (path, form, action, target) => {
    expect(describe(path, form as Record<string, unknown>)).toEqual({ action, target });
  });

  it("ignores form values that are not text (uploaded files)", () => {
    const file = new File(["x"], "x.txt");
    expect(describe("/busy", { action: file, identity: file })).toEqual({
      action: "process.post",
      target: "all processes",
    });
  });

  it("classes statuses as ok, refused or failed", () => {
    expect([200, 303, 401, 403, 421, 429, 400, 500].map(outcomeOf)).toEqual([
      "ok",
      "ok",
      "refused",
      "refused",
      "refused",
      "refused",
      "failed",
      "failed",
    ]);
  });
});
