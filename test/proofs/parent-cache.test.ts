import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, readdir, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { porepId } from "../../src/filecoin/ids.js";
import { sealProofType } from "../../src/filecoin/proof-types.js";
import {
  PARENT_CACHE_MANIFEST,
  buildParentCache,
  graphIdentifier,
  loadParentCache,
  parentCacheDigest,
  parentCacheDir,
  parentCacheFileName,
  writeParentCache,
} from "../../src/proofs/parent-cache.js";
import { SdrGraph } from "../../src/proofs/sdr-graph.js";
import { hex, loadVector } from "../helpers/vectors.js";
import { tempDir } from "../helpers/tmp.js";

interface Entry {
  nodes: number;
  registered_seal_proof: number;
  porep_id_hex: string;
  cache_file_name: string;
  file_size: number;
  file_sha256: string;
  derived: { graph_identifier: string; parents_by_node: Record<string, number[]> };
}
const entries = (loadVector("parent-cache.json") as { entries: Entry[] }).entries;
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

for (const e of entries) {
  const id = e.registered_seal_proof;
  const pid = hex(e.porep_id_hex);
  const version = sealProofType(id).apiVersion;

  test(`proof ${id}: graph identifier and cache file name`, () => {
    assert.equal(graphIdentifier(e.nodes), e.derived.graph_identifier);
    assert.equal(parentCacheFileName(pid, e.nodes), e.cache_file_name);
    assert.equal(parentCacheFileName(porepId(id), e.nodes), e.cache_file_name);
  });

  test(`proof ${id}: the whole 2KiB cache has the published SHA-256`, () => {
    const cache = buildParentCache(new SdrGraph(pid, e.nodes, version));
    assert.equal(cache.byteLength, e.file_size);
    assert.equal(parentCacheDigest(cache), e.file_sha256);
    for (const [node, want] of Object.entries(e.derived.parents_by_node))
      assert.deepEqual([...cache.subarray(Number(node) * 14, Number(node) * 14 + 14)], want);
  });

  test(`proof ${id}: written file has the published name, size and SHA-256; no temp file left`, async (t) => {
    const dir = join(await tempDir(t), "not-yet-created");
    const path = await writeParentCache(dir, pid, e.nodes, version);
    assert.equal(path, join(dir, e.cache_file_name));
    assert.equal(sha256(await readFile(path)), e.file_sha256);
    assert.deepEqual(await readdir(dir), [e.cache_file_name]);
  });
}

test("the manifest holds the 2KiB digests of the vectors", () => {
  for (const e of entries)
    assert.equal(PARENT_CACHE_MANIFEST[e.cache_file_name.replace(".cache", "")]?.digest, e.file_sha256);
});

test("8MiB V1_1 cache (proof 6) matches the proofs manifest", () => {
  const cache = buildParentCache(new SdrGraph(porepId(6), 2 ** 18, "1.1.0"));
  const name = parentCacheFileName(porepId(6), 2 ** 18).replace(".cache", "");
  assert.equal(PARENT_CACHE_MANIFEST[name]?.sectorSize, 8 * 2 ** 20);
  assert.equal(parentCacheDigest(cache), PARENT_CACHE_MANIFEST[name]?.digest);
});

test("loadParentCache reuses a valid file and recreates a missing or truncated one", async (t) => {
  const dir = await tempDir(t);
  const e = entries[1]!;
  const pid = hex(e.porep_id_hex);
  const path = join(dir, e.cache_file_name);

  const created = await loadParentCache(dir, pid, e.nodes, "1.1.0");
  assert.equal(parentCacheDigest(created), e.file_sha256);
  assert.equal((await stat(path)).size, e.file_size);

  // a file of the right size is reused as it is (no verification by default)
  const fake = new Uint8Array(e.file_size).fill(1);
  await writeFile(path, fake);
  const reused = await loadParentCache(dir, pid, e.nodes, "1.1.0");
  assert.equal(reused[0], 0x01010101);
  // …but `verify` checks a production file against the manifest and rebuilds it
  const verified = await loadParentCache(dir, pid, e.nodes, "1.1.0", { verify: true });
  assert.equal(parentCacheDigest(verified), e.file_sha256);
  assert.equal(sha256(await readFile(path)), e.file_sha256);

  await truncate(path, 1000);
  const rebuilt = await loadParentCache(dir, pid, e.nodes, "1.1.0");
  assert.equal(parentCacheDigest(rebuilt), e.file_sha256);
  assert.equal(sha256(await readFile(path)), e.file_sha256);
  assert.deepEqual(await readdir(dir), [e.cache_file_name]);
});

test("parentCacheDir follows FIL_PROOFS_PARENT_CACHE, then FIL_PROOFS_CACHE_DIR, like rust-fil-proofs", () => {
  assert.equal(parentCacheDir({}), "/var/tmp/filecoin-parents");
  assert.equal(parentCacheDir({ FIL_PROOFS_PARENT_CACHE: "/data/parents" }), "/data/parents");
  assert.equal(parentCacheDir({ FIL_PROOFS_CACHE_DIR: "/cache/" }), "/cache/filecoin-parents");
});
