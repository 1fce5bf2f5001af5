import assert from "node:assert/strict";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { test } from "node:test";
import {
  AtomicFile,
  copyFileAtomically,
  tempPathFor,
  writeBytesAtomically,
  writeFileAtomically,
} from "../../src/proofs/atomic-file.js";
import { tempDir } from "../helpers/tmp.js";

test("writeBytesAtomically: the content lands, replacing an older file, and no temp file is left", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "p_aux");
  await writeFile(path, "old content");
  const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
  await writeBytesAtomically(path, bytes);
  assert.deepEqual(new Uint8Array(await readFile(path)), bytes);
  assert.deepEqual(await readdir(dir), ["p_aux"]);
});

test("writeFileAtomically: positioned writes from fill; a throwing fill leaves neither the file nor the temp", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "tree");
  await writeFileAtomically(path, async (fh) => {
    await fh.write(Buffer.from("world"), 0, 5, 6);
    await fh.write(Buffer.from("hello "), 0, 6, 0);
  });
  assert.equal(await readFile(path, "utf8"), "hello world");

  const failing = join(dir, "failing");
  await assert.rejects(
    writeFileAtomically(failing, async (fh) => {
      await fh.write(Buffer.from("half"), 0, 4, 0);
      throw new Error("disk full");
    }),
    /disk full/,
  );
  assert.deepEqual((await readdir(dir)).sort(), ["tree"]);
});

test("a failed rewrite keeps the previous complete file", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "sealed");
  await writeBytesAtomically(path, Buffer.from("complete"));
  await assert.rejects(
    writeFileAtomically(path, async () => {
      throw new Error("killed");
    }),
  );
  assert.equal(await readFile(path, "utf8"), "complete");
  assert.deepEqual(await readdir(dir), ["sealed"]);
});

test("size: the file has that length, unwritten regions read as zeros and take no disk blocks", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "staged");
  const size = 8 * 1024 * 1024;
  await writeFileAtomically(path, (fh) => fh.write(Buffer.from("piece"), 0, 5, 4096).then(() => undefined), { size });
  const st = await stat(path);
  assert.equal(st.size, size);
  assert.ok(st.blocks * 512 < size / 8, `a sparse file: ${st.blocks} blocks allocated for ${size} bytes`);
  const b = await readFile(path);
  assert.equal(b.subarray(4096, 4101).toString(), "piece");
  assert.equal(b.subarray(0, 4096).every((x) => x === 0), true);
  assert.equal(b.subarray(4101).every((x) => x === 0), true);
});

test("a stale temp file from a crashed run is replaced by the rerun, not added to", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "sc-02-data-layer-1.dat");
  assert.equal(tempPathFor(path), `${path}.tmp`);
  await writeFile(tempPathFor(path), Buffer.alloc(10_000, 0xee)); // the crash: a longer, half-written temp
  await writeBytesAtomically(path, Buffer.from("fresh"));
  assert.equal(await readFile(path, "utf8"), "fresh");
  assert.deepEqual(await readdir(dir), ["sc-02-data-layer-1.dat"]);
});

test("concurrentWriters: each writer has its own temp name, so simultaneous writers of one path all succeed", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "v28-sdr-parent-x.cache");
  const a = tempPathFor(path, { concurrentWriters: true });
  assert.notEqual(a, tempPathFor(path, { concurrentWriters: true }));
  assert.equal(dirname(a), dir, "the temp file is in the same directory, so rename stays on one file system");
  const bytes = Uint8Array.from({ length: 1 << 20 }, (_, i) => i & 0xff);
  await Promise.all(Array.from({ length: 4 }, () => writeBytesAtomically(path, bytes, { concurrentWriters: true })));
  assert.deepEqual(new Uint8Array(await readFile(path)), bytes);
  assert.deepEqual(await readdir(dir), ["v28-sdr-parent-x.cache"]);
});

test("AtomicFile: outputs published together by commit, removed by abandon; abandon after commit does nothing", async (t) => {
  const dir = await tempDir(t);
  const kept = await AtomicFile.create(join(dir, "tree-c"), { size: 64 });
  const dropped = await AtomicFile.create(join(dir, "tree-r-last"));
  await kept.writeAt(Buffer.from("root"), 60);
  await dropped.writeAt(Buffer.from("partial"), 0);
  assert.deepEqual((await readdir(dir)).sort(), ["tree-c.tmp", "tree-r-last.tmp"], "nothing published before commit");
  await kept.commit();
  await kept.abandon();
  await dropped.abandon();
  assert.deepEqual(await readdir(dir), ["tree-c"]);
  const b = await readFile(join(dir, "tree-c"));
  assert.equal(b.length, 64);
  assert.equal(b.subarray(60).toString(), "root");
});

test("copyFileAtomically: a byte-identical copy under the new name, no temp left; a missing source writes nothing", async (t) => {
  const dir = await tempDir(t);
  const src = join(dir, "unsealed");
  const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 13) & 0xff);
  await writeFile(src, bytes);
  await copyFileAtomically(src, join(dir, "sealed"));
  assert.deepEqual(new Uint8Array(await readFile(join(dir, "sealed"))), bytes);
  await assert.rejects(copyFileAtomically(join(dir, "missing"), join(dir, "other")), /ENOENT/);
  assert.deepEqual((await readdir(dir)).sort(), ["sealed", "unsealed"]);
});

test("a directory that cannot be written fails with the path named and leaves nothing", async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(writeBytesAtomically(join(dir, "no-such-dir", "p_aux"), Buffer.from("x")), /no-such-dir/);
  assert.deepEqual(await readdir(dir), []);
});
