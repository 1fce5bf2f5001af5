// PC1 on one core: label an 8MiB sector (2^18 nodes × 2 layers) with the built-in SDR code.
// Baseline in the same run: a bare crypto.hash loop over as many 1,248-byte messages, so
// ratio_vs_bare_hash = bare hashing time / labeling time says how close labeling is to pure hashing
// (1.0 = nothing but the hash calls). Building the parent graph is timed apart (parent_cache_s).
import { hash } from "node:crypto";
import { porepId } from "../src/filecoin/ids.js";
import { sealProofType } from "../src/filecoin/proof-types.js";
import { sectorParams } from "../src/filecoin/sizes.js";
import { buildParentCache, manifestDigest, parentCacheDigest, parentCacheFileName } from "../src/proofs/parent-cache.js";
import { SdrGraph } from "../src/proofs/sdr-graph.js";
import { LABEL_MESSAGE_BYTES, generateLabelsInMemory } from "../src/proofs/sdr-labels.js";
import { type Benchmark, saveResult, timeIt } from "./harness.js";

const PROOF = 6; // StackedDrg8MiBV1_1
const ROUNDS = 3; // best of three, to damp noise from other processes

const bench: Benchmark = {
  async run() {
    const { sectorSize, apiVersion } = sealProofType(PROOF);
    const { nodes, layers } = sectorParams(sectorSize);
    const pid = porepId(PROOF);
    const replicaId = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0x3f);
    const labels = nodes * layers;

    let parents: Uint32Array = new Uint32Array(0);
    const parentS = await timeIt(() => {
      parents = buildParentCache(new SdrGraph(pid, nodes, apiVersion));
    });
    const parentCacheOk = parentCacheDigest(parents) === manifestDigest(parentCacheFileName(pid, nodes));

    const msg = Buffer.alloc(LABEL_MESSAGE_BYTES, 7);
    let labelS = Infinity;
    let bareS = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      labelS = Math.min(labelS, await timeIt(() => generateLabelsInMemory({ replicaId, porepId: pid, nodes, layers, apiVersion, parents })));
      bareS = Math.min(
        bareS,
        await timeIt(() => {
          for (let i = 0; i < labels; i++) {
            msg[40] = i & 0xff;
            hash("sha256", msg, "buffer");
          }
        }),
      );
    }

    return saveResult({
      name: "pc1",
      figures: {
        us_per_label: (labelS / labels) * 1e6,
        labels_per_s: labels / labelS,
        label_s: labelS,
        bare_hash_us_per_message: (bareS / labels) * 1e6,
        parent_cache_s: parentS,
        nodes,
        layers,
      },
      ratios: { ratio_vs_bare_hash: bareS / labelS },
      notes: { proof: PROOF, parent_cache_matches_manifest: parentCacheOk, rounds: ROUNDS },
    });
  },
};
export default bench;
