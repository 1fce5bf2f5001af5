// The import arrows of ARCHITECTURE.md §5 as data: a module may import only the folders listed for it.
// worker, manager and devnet never import each other; they meet only on the network.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { test } from "node:test";

const mayImport: Record<string, readonly string[]> = {
  filecoin: [],
  proofs: ["filecoin"],
  api: ["filecoin"],
  rpc: ["filecoin", "api"],
  processors: ["filecoin", "proofs", "api"],
  chain: ["filecoin", "api", "rpc"],
  db: [],
  worker: ["filecoin", "proofs", "processors", "api", "rpc"],
  manager: ["filecoin", "proofs", "api", "rpc", "chain", "db"],
  devnet: ["filecoin", "proofs", "api", "rpc", "db"],
  bin: ["filecoin", "proofs", "api", "rpc", "processors", "chain", "db", "worker", "manager", "devnet"],
};

const SRC = resolve("src");
const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : Promise.resolve(e.name.endsWith(".ts") ? [join(dir, e.name)] : []))),
  );
  return nested.flat();
}

const topFolder = (absPath: string): string | undefined => {
  const rel = relative(SRC, absPath);
  if (rel.startsWith("..")) return undefined;
  return rel.split(sep)[0];
};

export async function crossFolderImports(): Promise<{ file: string; from: string; to: string }[]> {
  const out: { file: string; from: string; to: string }[] = [];
  for (const file of await tsFiles(SRC)) {
    const from = topFolder(file)!;
    const text = await readFile(file, "utf8");
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (!spec.startsWith(".")) continue;
      const to = topFolder(resolve(dirname(file), spec));
      if (to === undefined) out.push({ file: relative(".", file), from, to: "<outside src>" });
      else if (to !== from) out.push({ file: relative(".", file), from, to });
    }
  }
  return out;
}

test("every src folder is one of the architecture's parts", async () => {
  const dirs = (await readdir(SRC, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  for (const d of dirs) assert.ok(d in mayImport, `src/${d} is not a part of ARCHITECTURE.md §5`);
});

test("imports follow the arrows and never go back", async () => {
  for (const { file, from, to } of await crossFolderImports())
    assert.ok(mayImport[from]?.includes(to), `${file}: src/${from} must not import src/${to}`);
});

test("the checker sees a wrong-way import", () => {
  const sample = `import { x } from "../manager/config.js";\nconst y = await import("../devnet/chain.js");`;
  const specs = [...sample.matchAll(IMPORT_RE)].map((m) => m[1] ?? m[2] ?? m[3]);
  assert.deepEqual(specs, ["../manager/config.js", "../devnet/chain.js"]);
});
