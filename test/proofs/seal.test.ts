import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { lstat, readFile, readdir, readlink, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { commDToCid, commRToCid } from "../../src/filecoin/cid.js";
import { sectorParams } from "../../src/filecoin/sizes.js";
import { readPAux, readTAux } from "../../src/proofs/aux-files.js";
import { readTreeCPath, readTreeRLastPath, rootFromPath } from "../../src/proofs/poseidon-tree.js";
import { runPc2 } from "../../src/proofs/pc2.js";
import { sealSector } from "../../src/proofs/seal.js";
import { tempDir } from "../helpers/tmp.js";
import { loadVector, toHex } from "../helpers/vectors.js";

interface SealCase {
  name: string;
  proof: number;
  unpadded: number;
  miner: number;
  sector: number;
  ticket: string;
  data: string;
  data_sha256: string;
  replica_id: string;
  comm_d: string;
  comm_d_hex: string;
  comm_r: string;
  comm_r_hex: string;
  comm_c_hex: string;
  comm_r_last_hex: string;
}

const vector = loadVector("seal-2k.json") as { cases: SealCase[] };
const sha256 = (b: Uint8Array | string): Uint8Array => new Uint8Array(createHash("sha256").update(b).digest());

/** The vector's "derivation": zero bytes, or sha256(label ‖ decimal i) blocks concatenated and truncated. */
function vectorData(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (label === "zero") return out;
  for (let i = 0, off = 0; off < length; i++, off += 32) out.set(sha256(`${label}${i}`).subarray(0, Math.min(32, length - off)), off);
  return out;
}
function vectorTicket(label: string): Uint8Array {
  if (label === "zero") return new Uint8Array(32);
  if (label === "ones") return new Uint8Array(32).fill(1);
  return sha256(label);
}

for (const c of vector.cases) {
  test(`seal-2k ${c.name}: add_pieces, tree_d, pc1, pc2 reproduce the vector byte for byte`, async (t) => {
    const dir = await tempDir(t);
    const data = vectorData(c.data, c.unpadded);
    assert.equal(toHex(sha256(data)), c.data_sha256, "data generator");
    const input = join(dir, "payload");
    await writeFile(input, data);
    const storeDir = join(dir, "store");
    const out = await sealSector({
      sealProofId: c.proof,
      minerId: c.miner,
      sectorNumber: c.sector,
      ticket: vectorTicket(c.ticket),
      inputPath: input,
      storeDir,
      parentCacheDir: join(dir, "parents"),
    });
    assert.equal(toHex(out.commD), c.comm_d_hex);
    assert.equal(commDToCid(out.commD).toString(), c.comm_d);
    assert.equal(toHex(out.replicaId), c.replica_id);
    assert.equal(toHex(out.commC), c.comm_c_hex);
    assert.equal(toHex(out.commRLast), c.comm_r_last_hex);
    assert.equal(toHex(out.commR), c.comm_r_hex);
    assert.equal(commRToCid(out.commR).toString(), c.comm_r);

    const name = `s-t0${c.miner}-${c.sector}`;
    const cache = join(storeDir, "data", "cache", name);
    assert.equal(out.paths.cacheDir, cache);
    const size = async (p: string): Promise<number> => (await stat(p)).size;
    assert.equal(await size(join(storeDir, "data", "unsealed", name)), 2048);
    assert.equal(await size(join(storeDir, "data", "sealed", name)), 2048);
    assert.equal(await size(join(storeDir, "data", "prepared", name, "sc-02-data-tree-d.dat")), 127 * 32);
    assert.ok((await lstat(join(cache, "sc-02-data-tree-d.dat"))).isSymbolicLink());
    assert.match(await readlink(join(cache, "sc-02-data-tree-d.dat")), /prepared/);
    assert.equal(await size(join(cache, "sc-02-data-layer-1.dat")), 2048);
    assert.equal(await size(join(cache, "sc-02-data-layer-2.dat")), 2048);
    assert.equal(await size(join(cache, "sc-02-data-tree-c.dat")), 73 * 32);
    assert.equal(await size(join(cache, "sc-02-data-tree-r-last.dat")), 32);
    assert.deepEqual(new Uint8Array(await readFile(join(cache, "sc-02-data-tree-r-last.dat"))), out.commRLast);

    const paux = await readPAux(cache);
    assert.equal(toHex(paux.commC), c.comm_c_hex);
    assert.equal(toHex(paux.commRLast), c.comm_r_last_hex);
    const taux = await readTAux(cache);
    assert.deepEqual(taux.labels.map((l) => l.id), ["layer-1", "layer-2"]);
    assert.equal(taux.treeRLast.rowsToDiscard, 1);

    // Every replica node proves up to comm_r_last from the stored root and the rebuilt rows;
    // every column hash up to comm_c.
    const { nodes, shape } = sectorParams(2048);
    const sealed = new Uint8Array(await readFile(out.paths.sealed));
    for (let i = 0; i < nodes; i++) {
      const r = await readTreeRLastPath(cache, out.paths.sealed, nodes, shape, i);
      assert.deepEqual(r.leaf, sealed.subarray(i * 32, i * 32 + 32));
      assert.equal(toHex(rootFromPath(r.leaf, r.path, i, nodes, shape)!), c.comm_r_last_hex, `tree_r_last node ${i}`);
      const col = await readTreeCPath(cache, nodes, shape, i);
      assert.equal(toHex(rootFromPath(col.leaf, col.path, i, nodes, shape)!), c.comm_c_hex, `tree_c node ${i}`);
    }

    // Re-running pc2 (as after a crash) gives the same files and commitments, also when it works
    // in chunks smaller than a base tree (the path 512MiB sectors take).
    const files = ["sc-02-data-tree-c.dat", "sc-02-data-tree-r-last.dat", "p_aux", "t_aux"];
    const before = await Promise.all(files.map((f) => readFile(join(cache, f))));
    for (const chunkNodes of [undefined, 8]) {
      const again = await runPc2({ sealProofId: c.proof, cacheDir: cache, stagedFile: out.paths.unsealed, sealedFile: out.paths.sealed, chunkNodes });
      assert.equal(toHex(again.commR), c.comm_r_hex, `chunk ${chunkNodes}`);
      assert.deepEqual(new Uint8Array(await readFile(out.paths.sealed)), sealed);
      for (const [i, f] of files.entries()) assert.deepEqual(await readFile(join(cache, f)), before[i], `${f}, chunk ${chunkNodes}`);
    }
    assert.ok((await readdir(cache)).every((f) => !f.endsWith(".tmp")), "no temp files left");
  });
}

test("built-in sealing refuses 32GiB and 64GiB proof types with the fix", async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(
    sealSector({ sealProofId: 8, minerId: 1000, sectorNumber: 1, ticket: new Uint8Array(32), inputPath: join(dir, "x"), storeDir: dir }),
    /external processor/,
  );
});
