// `worker.scan_persist_stores` (spec/worker.md §2.1, §11.1): every directory matched by one of the glob patterns
// that holds a `sectorstore.json` file becomes an attached store, named by the file's `Name`, else its `ID`, else
// (like [[attached]] without a name) its canonical path. Node 20 has no fs.glob, so the few glob forms operators
// write are matched here: `*`, `?`, `[abc]`/`[a-z]`/`[!a]` within one path segment, and `**` for any depth.
import { readFile, readdir, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import type { AttachedConfig } from "./schema.js";

export const SECTORSTORE_JSON = "sectorstore.json";

const MAGIC = /[*?[]/;

function segmentRegExp(seg: string): RegExp {
  let re = "";
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = seg.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        const body = seg.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** The directories matching `pattern` (relative patterns resolve against `cwd`), sorted. */
export async function globDirs(pattern: string, cwd = process.cwd()): Promise<string[]> {
  const absPattern = isAbsolute(pattern) ? pattern : resolve(cwd, pattern);
  const segs = absPattern.split("/").filter((s) => s !== "");
  const out = new Set<string>();
  const walk = async (base: string, i: number): Promise<void> => {
    if (i === segs.length) {
      if ((await stat(base).catch(() => undefined))?.isDirectory()) out.add(base);
      return;
    }
    const seg = segs[i]!;
    if (seg === "**") {
      await walk(base, i + 1);
      for (const d of await subdirs(base)) if (!d.startsWith(".")) await walk(join(base, d), i);
      return;
    }
    if (!MAGIC.test(seg)) return walk(join(base, seg), i + 1);
    const re = segmentRegExp(seg);
    for (const d of await subdirs(base)) if (re.test(d) && (!d.startsWith(".") || seg.startsWith("."))) await walk(join(base, d), i + 1);
  };
  await walk("/", 0);
  return [...out].sort();
}

/** The stores the patterns find; a malformed sectorstore.json is an error naming the file. */
export async function scanPersistStores(patterns: readonly string[], cwd = process.cwd()): Promise<AttachedConfig[]> {
  const stores: AttachedConfig[] = [];
  for (const pattern of patterns) {
    for (const dir of await globDirs(pattern, cwd)) {
      const file = join(dir, SECTORSTORE_JSON);
      if (!(await stat(file).catch(() => undefined))?.isFile()) continue;
      let json: { ID?: unknown; Name?: unknown; ReadOnly?: unknown };
      try {
        json = JSON.parse(await readFile(file, "utf8")) as typeof json;
      } catch (err) {
        throw new Error(`${file}: not a valid sectorstore.json: ${(err as Error).message}`, { cause: err });
      }
      const name = [json.Name, json.ID].find((v): v is string => typeof v === "string" && v !== "");
      stores.push({ ...(name === undefined ? {} : { name }), location: dir, readonly: json.ReadOnly === true });
    }
  }
  return stores;
}
