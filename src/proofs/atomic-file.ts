// The one way src/proofs creates a file (ARCHITECTURE.md §6 rule 1): write `<path>.tmp`, fsync it, rename it
// over `path`, fsync the directory. A crash at any instant leaves either the old file or the complete new one
// (plus at most a leftover temp file), never a half-written `path`; the directory fsync makes the rename
// itself survive a power loss. On failure the temp file is closed and removed.
import { randomBytes } from "node:crypto";
import { copyFile, open, rename, rm, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface AtomicFileOptions {
  /**
   * The file's length, set before anything is written: regions nobody writes stay holes that read as
   * zeros, so a mostly-zero sector file costs no writes.
   */
  size?: number;
  /**
   * Other processes may write this same path at the same time (a shared cache such as the parent cache):
   * give each writer its own temp name, so one never truncates another's half-written file. The cost is
   * that a crashed writer's leftover is not replaced by the rerun.
   */
  concurrentWriters?: boolean;
}

/** Largest single write: Node refuses writes of 2 GiB and more. */
const MAX_WRITE = 1 << 30;

/**
 * The temp name for `path`: `<path>.tmp`, fixed so that a rerun after a crash truncates the leftover
 * instead of adding another; with concurrentWriters a unique hidden name in the same directory.
 */
export function tempPathFor(path: string, opts: AtomicFileOptions = {}): string {
  if (!opts.concurrentWriters) return `${path}.tmp`;
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.${process.pid}.tmp`);
}

/** fsync a directory, so that a rename or a new entry in it is durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Writes all of `data` at `position`, looping over short writes. */
export async function writeAllAt(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, Math.min(data.length - done, MAX_WRITE), position + done);
    done += bytesWritten;
  }
}

/**
 * A file being written under its temp name: `commit()` publishes it, `abandon()` removes it. For writers
 * that keep several outputs open and publish them together (PC2); one-shot writers use writeFileAtomically.
 */
export class AtomicFile {
  private settled = false;
  private constructor(
    readonly path: string,
    readonly tempPath: string,
    readonly fh: FileHandle,
  ) {}

  /** Opens the temp file empty (truncating a leftover from a crash) and sets its size if given. */
  static async create(path: string, opts: AtomicFileOptions = {}): Promise<AtomicFile> {
    const tempPath = tempPathFor(path, opts);
    const fh = await open(tempPath, "w");
    const file = new AtomicFile(path, tempPath, fh);
    if (opts.size !== undefined) {
      try {
        await fh.truncate(opts.size);
      } catch (err) {
        await file.abandon();
        throw err;
      }
    }
    return file;
  }

  writeAt(data: Uint8Array, position: number): Promise<void> {
    return writeAllAt(this.fh, data, position);
  }

  /** fsync, close, rename over `path`, fsync the directory. Call abandon() if this throws. */
  async commit(): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
    await rename(this.tempPath, this.path);
    this.settled = true;
    await syncDirectory(dirname(this.path));
  }

  /** After a failure: closes and removes the temp file; a no-op once committed. Never throws. */
  async abandon(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await this.fh.close().catch(() => undefined);
    await rm(this.tempPath, { force: true }).catch(() => undefined);
  }
}

/** Creates `path` atomically with the content `fill` writes through the handle (positioned writes). */
export async function writeFileAtomically(
  path: string,
  fill: (fh: FileHandle) => Promise<void>,
  opts: AtomicFileOptions = {},
): Promise<void> {
  const file = await AtomicFile.create(path, opts);
  try {
    await fill(file.fh);
    await file.commit();
  } catch (err) {
    await file.abandon();
    throw err;
  }
}

/** Creates `path` atomically holding exactly `bytes`. */
export function writeBytesAtomically(path: string, bytes: Uint8Array, opts: AtomicFileOptions = {}): Promise<void> {
  return writeFileAtomically(path, (fh) => writeAllAt(fh, bytes, 0), opts);
}

/** Creates `dest` atomically as a copy of `src` (copyFile, so the kernel may copy or reflink without reading it in). */
export async function copyFileAtomically(src: string, dest: string): Promise<void> {
  const file = await AtomicFile.create(dest);
  try {
    // copyFile rewrites the temp file in place (same inode), so the open handle's fsync covers its data.
    await copyFile(src, file.tempPath);
    await file.commit();
  } catch (err) {
    await file.abandon();
    throw err;
  }
}
