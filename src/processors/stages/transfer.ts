// transfer (spec/protocols.md §3.11, worker.md §11 step 6): absolute paths only; a link when the route allows
// it (unless DISABLE_LINK / `--disable_link`); otherwise copy, never move: each file goes to `.<name>.tmp`
// beside its destination, is fsynced and size-checked, and only then renamed into place.
import { copyFile, lstat, mkdir, open, readdir, rename, rm, stat, symlink } from "node:fs/promises";
import { basename, dirname, isAbsolute, join } from "node:path";
import { syncDirectory } from "../../proofs/atomic-file.js";
import { MiB, type Stage } from "../stage.js";

const linksDisabled = (): boolean => ["1", "true", "yes"].includes((process.env.DISABLE_LINK ?? "").toLowerCase());

async function copyOneFile(src: string, dest: string, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  const dir = dirname(dest);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(dest)}.tmp`);
  try {
    await copyFile(src, tmp);
    const fh = await open(tmp, "r+");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    const [want, got] = await Promise.all([stat(src), stat(tmp)]);
    // FAIL: a full or vanished store gives a short copy: it never appears under the final name
    if (got.size !== want.size) throw new Error(`copy of ${src} to ${dest} is ${got.size} bytes, the source has ${want.size}`);
    await rename(tmp, dest);
    await syncDirectory(dir);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(`transfer ${src} → ${dest}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

async function copyTree(src: string, dest: string, signal: AbortSignal): Promise<void> {
  const st = await stat(src);
  if (!st.isDirectory()) return copyOneFile(src, dest, signal);
  await mkdir(dest, { recursive: true });
  for (const e of await readdir(src)) await copyTree(join(src, e), join(dest, e), signal);
}

/** Removes an existing destination of the same kind (a link is always replaced). */
async function clearDest(dest: string, isDir: boolean): Promise<void> {
  const st = await lstat(dest).catch(() => null);
  if (!st) return;
  if (st.isSymbolicLink() || st.isDirectory() === isDir) await rm(dest, { recursive: true, force: true });
  else throw new Error(`transfer destination ${dest} exists and is a ${st.isDirectory() ? "directory" : "file"}, the source is not`);
}

export const transferStage: Stage<"transfer"> = {
  name: "transfer",
  cost: { cpus: 1, gpus: 0, memBytes: 64 * MiB },
  async run({ routes }, signal) {
    for (const [i, r] of routes.entries())
      for (const [end, uri] of [["src", r.src.uri], ["dest", r.dest.uri]] as const)
        if (!isAbsolute(uri)) throw new RangeError(`routes[${i}].${end}.uri ${uri} is not an absolute path (the built-in transfer copies files)`);
    for (const r of routes) {
      const isDir = r.opt?.is_dir ?? (await stat(r.src.uri)).isDirectory();
      if (r.opt?.allow_link && !linksDisabled()) {
        await clearDest(r.dest.uri, isDir);
        await mkdir(dirname(r.dest.uri), { recursive: true });
        await symlink(r.src.uri, r.dest.uri);
        continue;
      }
      if (isDir) await copyTree(r.src.uri, r.dest.uri, signal);
      else await copyOneFile(r.src.uri, r.dest.uri, signal);
    }
    return true as const;
  },
};
