/**
 * `edgekiq acl [--queues a,b] [--namespace NS] [--user ROLE]...`: prints `ACL SETUSER` lines and
 * the same users as aclfile lines, for a worker, a read-only dashboard, an admin dashboard and an
 * enqueue-only user (rules: acl-rules.ts). Passwords come from EDGEKIQ_ACL_<ROLE>_PASSWORD (or
 * its _FILE) and are printed only as SHA-256 hashes, so the output can be kept or shared.
 */
import { digestHex } from "../core/bytes";
import { ConfigError } from "../core/errors";
import { ACL_ROLES, type AclRole, aclRules } from "./acl-rules";
import { type FlagSpec, helpText } from "./args";
import { HELP_FLAG, NAMESPACE_FLAG, parseCommand } from "./common";
import type { CliRuntime } from "./runtime";
import { readSecret } from "./secrets";

const FLAGS = {
  queues: {
    type: "string",
    placeholder: "A,B",
    description: "queues the worker fetches and the enqueue user pushes to (default: all)",
  },
  user: {
    type: "string",
    multiple: true,
    placeholder: "ROLE",
    description: "worker, dashboard, admin or enqueue, repeatable (default: all four)",
  },
  prefix: {
    type: "string",
    placeholder: "NAME",
    description: "user name prefix (default edgekiq-)",
  },
  namespace: NAMESPACE_FLAG,
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

export const ACL_HELP = helpText(
  "edgekiq acl [--queues a,b] [--user ROLE]... [--namespace NS]",
  "Prints Redis 7 ACL users for each edgekiq role (ACL SETUSER lines, then aclfile lines).\nPasswords: EDGEKIQ_ACL_WORKER_PASSWORD, _DASHBOARD_, _ADMIN_, _ENQUEUE_ (or <NAME>_FILE);\nonly their SHA-256 is printed.",
  FLAGS,
);

export async function aclCommand(argv: readonly string[], rt: CliRuntime): Promise<number> {
  const args = parseCommand(rt, argv, FLAGS, "acl", ACL_HELP);
  if (!args) return 0;
  const roles = (args.user ?? ACL_ROLES).map((r) => {
    if (!ACL_ROLES.includes(r as AclRole)) {
      throw new ConfigError(`--user: expected one of ${ACL_ROLES.join(", ")}, got "${r}"`);
    }
    return r as AclRole;
  });
  const queues = args.queues
    ?.split(",")
    .map((q) => q.trim())
    .filter((q) => q !== "");
  if (queues?.length === 0) throw new ConfigError("--queues: expected queue names, a,b");
  const prefix = args.prefix ?? "edgekiq-";
  const users: { name: string; rules: string[] }[] = [];
  for (const role of roles) {
    const variable = `EDGEKIQ_ACL_${role.toUpperCase()}_PASSWORD`;
    const password = await readSecret(rt, variable);
    if (!password)
      throw new ConfigError(`set ${variable} (or ${variable}_FILE) for the ${role} user`);
    const rules = aclRules(role, await digestHex("SHA-256", password), {
      queues,
      namespace: args.namespace,
    });
    users.push({ name: `${prefix}${role}`, rules });
  }
  const quote = (rule: string) => (/[\s"()]/.test(rule) ? `"${rule}"` : rule);
  const lines = [
    "# Redis 7+. Run each line with redis-cli (then ACL SAVE if Redis has an aclfile):",
    ...users.map((u) => `ACL SETUSER ${u.name} reset ${u.rules.map(quote).join(" ")}`),
    "",
    "# Or put these lines in the aclfile:",
    ...users.map((u) => `user ${u.name} ${u.rules.join(" ")}`),
  ];
  rt.stdout(lines.join("\n"));
  return 0;
}
