// The fenced code blocks of the project's Markdown (README.md, docs/*.md, examples/*/README.md),
// with what a block says about itself, so test/docs/code-blocks.test.ts can check each one:
//
// 1. the language and the words after it in the info string (```ts run, ```ts fragment);
// 2. `<!-- not-checked: <reason> -->` on the line before the fence: the block is left alone, and
//    the reason is kept so the test can insist on one;
// 3. the file a block stands for, when its first line is a comment naming one (`// jobs.ts`), so
//    the blocks of one page can import each other as the reader's files would.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export interface CodeBlock {
  /** The Markdown file, relative to the repository root. */
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** Words after the language in the info string. */
  attrs: string[];
  body: string;
  /** The reason given in a `<!-- not-checked: … -->` comment right before the fence. */
  notChecked?: string;
  /** `jobs.ts` when the first line is `// jobs.ts`. */
  fileName?: string;
}

/** The Markdown pages whose code a reader copies. */
export function documentationFiles(root: string): string[] {
  const dir = (path: string) => readdirSync(join(root, path), { withFileTypes: true });
  const docs = dir("docs")
    .filter((e) => e.isFile() && e.name.endsWith(".md"))
    .map((e) => `docs/${e.name}`);
  const examples = dir("examples")
    .filter((e) => e.isDirectory())
    .map((e) => `examples/${e.name}/README.md`)
    .filter((path) => dir(path.replace(/\/README\.md$/, "")).some((e) => e.name === "README.md"));
  return ["README.md", ...docs.sort(), ...examples.sort()];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/;
const NOT_CHECKED = /^\s*<!--\s*not-checked:\s*(.*?)\s*-->\s*$/;
const FILE_NAME_COMMENT = /^\s*(?:\/\/|#)\s*([\w.-]+\.(?:ts|tsx|js|mjs|json))\s*$/;

export function codeBlocks(root: string, doc: string): CodeBlock[] {
  const lines = readFileSync(join(root, doc), "utf8").split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    // A fence closes on the same character, at least as long, with nothing after it.
    const close = new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end]!)) end++;
    // Indented blocks (inside a list item) lose the fence's indentation.
    const body = lines
      .slice(i + 1, end)
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
      .join("\n");
    const before = lines
      .slice(0, i)
      .reverse()
      .find((l) => l.trim() !== "");
    const notChecked = before === undefined ? undefined : NOT_CHECKED.exec(before)?.[1];
    const firstLine = body.split("\n", 1)[0] ?? "";
    blocks.push({
      doc: relative(root, join(root, doc)),
      line: i + 1,
      lang: lang.toLowerCase(),
      attrs: rest.split(/\s+/).filter(Boolean),
      body,
      ...(notChecked !== undefined ? { notChecked } : {}),
      ...(FILE_NAME_COMMENT.test(firstLine)
        ? { fileName: FILE_NAME_COMMENT.exec(firstLine)![1] }
        : {}),
    });
    i = end;
  }
  return blocks;
}

/** `README.md:30`, for messages. */
export function where(block: CodeBlock): string {
  return `${block.doc}:${block.line}`;
}
