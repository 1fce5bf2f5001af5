// Child process of bench/seal8m.bench.ts: seals one 8MiB sector stage by stage (add_pieces, tree_d,
// pc1, pc2) in a temporary store and prints one JSON line with the stage times and this process's
// peak RSS, so the parent's figures cover the seal alone.
import { createCipheriv } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { porepId } from "../src/filecoin/ids.js";
import { sealProofType } from "../src/filecoin/proof-types.js";
import { sectorParams, unpaddedSize } from "../src/filecoin/sizes.js";
import { loadParentCache } from "../src/proofs/parent-cache.js";
import { addPiecesFromPayload, pc1, pc2, treeD } from "../src/proofs/seal.js";
import { sectorPaths } from "../src/proofs/sealing-layout.js";

const PROOF = Number(process.argv[2] ?? 6); // StackedDrg8MiBV1_1
const TICKET = new Uint8Array(32).fill(0x5a);

const since = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

const dir = await mkdtemp(join(os.tmpdir(), "damocles-seal8m-"));
try {
  const { sectorSize, apiVersion } = sealProofType(PROOF);
  const { nodes } = sectorParams(sectorSize);
  // Deterministic random-looking payload: AES-256-CTR keystream under a zero key.
  const payload = createCipheriv("aes-256-ctr", Buffer.alloc(32), Buffer.alloc(16)).update(Buffer.alloc(unpaddedSize(sectorSize)));
  const input = join(dir, "payload");
  await writeFile(input, payload);
  const parents = join(dir, "parents");

  let t = process.hrtime.bigint();
  await loadParentCache(parents, porepId(PROOF), nodes, apiVersion);
  const parentCacheS = since(t);

  const paths = sectorPaths(join(dir, "store"), 1000, 1);
  t = process.hrtime.bigint();
  await addPiecesFromPayload(PROOF, input, paths);
  const addPiecesS = since(t);
  t = process.hrtime.bigint();
  const commD = await treeD(PROOF, paths);
  const treeDS = since(t);
  t = process.hrtime.bigint();
  await pc1({ sealProofId: PROOF, minerId: 1000, sectorNumber: 1, ticket: TICKET, commD, paths, parentCacheDir: parents });
  const pc1S = since(t);
  t = process.hrtime.bigint();
  const out = await pc2(PROOF, paths);
  const pc2S = since(t);

  process.stdout.write(
    `${JSON.stringify({
      parent_cache_s: parentCacheS,
      add_pieces_s: addPiecesS,
      tree_d_s: treeDS,
      pc1_s: pc1S,
      pc2_s: pc2S,
      max_rss_kib: process.resourceUsage().maxRSS,
      comm_r: Buffer.from(out.commR).toString("hex"),
    })}\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
