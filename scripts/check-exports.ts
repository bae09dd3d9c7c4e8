// Fails when package.json's `exports` map and tsup's entries differ, either way, when a built
// file an export points at is missing, or when the fields older resolvers read instead of
// `exports` (`main`, `types`, `typesVersions`: TypeScript's moduleResolution "node") disagree.
import { existsSync, readFileSync } from "node:fs";
import { binEntries, entries } from "../tsup.config";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const problems: string[] = [];
const exported = new Set<string>();
for (const [subpath, target] of Object.entries<Record<string, string>>(pkg.exports)) {
  const name = subpath === "." ? "index" : subpath.slice(2);
  exported.add(name);
  if (!entries[name]) problems.push(`exports["${subpath}"] has no tsup entry "${name}"`);
  if (target.default !== `./dist/${name}.js`)
    problems.push(`exports["${subpath}"].default should be ./dist/${name}.js`);
  if (target.types !== `./dist/${name}.d.ts`)
    problems.push(`exports["${subpath}"].types should be ./dist/${name}.d.ts`);
  const legacy = subpath === "." ? pkg.types : pkg.typesVersions?.["*"]?.[name]?.[0];
  if (legacy !== target.types)
    problems.push(
      `${subpath === "." ? "types" : `typesVersions["*"].${name}`} should be ${target.types}`,
    );
  for (const file of [target.default, target.types]) {
    if (file && !existsSync(new URL(`../${file}`, import.meta.url)))
      problems.push(`${file} was not built`);
  }
}
if (pkg.main !== pkg.exports["."]?.default)
  problems.push(`main should be ${pkg.exports["."]?.default}`);
for (const name of Object.keys(pkg.typesVersions?.["*"] ?? {})) {
  if (!exported.has(name))
    problems.push(`typesVersions["*"].${name} is not in package.json exports`);
}
for (const name of Object.keys(entries)) {
  if (!exported.has(name)) problems.push(`tsup entry "${name}" is not in package.json exports`);
}
for (const [name, file] of Object.entries<string>(pkg.bin ?? {})) {
  const entry = file.replace(/^\.\/dist\//, "").replace(/\.js$/, "");
  if (!binEntries[entry]) problems.push(`bin "${name}" (${file}) has no tsup bin entry`);
  if (!existsSync(new URL(`../${file}`, import.meta.url))) problems.push(`${file} was not built`);
}
if (problems.length > 0) {
  console.error(`exports map and tsup entries differ:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`exports ok: ${[...exported].join(", ")}`);
