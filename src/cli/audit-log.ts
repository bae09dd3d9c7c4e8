/**
 * `--audit-log FILE|-` for `edgekiq web` and `edgekiq bridge`: the audit trail as JSON lines, one
 * event per line (see core/audit.ts), appended to FILE or written to stdout (`-`), the shape log
 * shippers (Vector, Fluent Bit, Filebeat) tail into a SIEM. Appends are kept in order, and a
 * failed write is reported on stderr once per outage, never failing the request it records.
 */
import type { AuditEvent, AuditHook } from "../core/audit";
import { ConfigError } from "../core/errors";
import type { FlagSpec } from "./args";
import type { CliRuntime } from "./runtime";

export const AUDIT_LOG_FLAG = {
  type: "string",
  placeholder: "FILE|-",
  description: "append audit events as JSON lines to FILE (- for stdout)",
} as const satisfies FlagSpec;

/** The hook for `--audit-log`, or undefined without it; checks FILE is writable first. */
export async function auditLog(
  rt: CliRuntime,
  target: string | undefined,
): Promise<AuditHook | undefined> {
  if (target === undefined) return undefined;
  if (target === "-") return (event) => rt.stdout(JSON.stringify(event));
  const append = rt.appendTextFile;
  if (!append) throw new ConfigError("--audit-log FILE is not supported on this runtime; use -");
  try {
    await append(target, "");
  } catch (err) {
    throw new ConfigError(`cannot write audit log ${target}: ${(err as Error).message}`);
  }
  let chain = Promise.resolve();
  let failing = false;
  return (event: AuditEvent) => {
    const line = `${JSON.stringify(event)}\n`;
    chain = chain.then(() =>
      append(target, line).then(
        () => {
          failing = false;
        },
        (err: unknown) => {
          if (!failing) rt.stderr(`audit log ${target}: ${(err as Error).message}`);
          failing = true;
        },
      ),
    );
    return chain;
  };
}
