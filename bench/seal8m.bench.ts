// A whole 8MiB seal (add_pieces, tree_d, pc1, pc2) with the built-in code, in a child process
// (bench/seal8m-child.ts) so wall time and peak RSS belong to the seal alone.
//
// Baselines, measured here in the same run (in this process, so they do not touch the child's RSS):
// - bare SHA-256: crypto.hash over as many 1,248-byte messages as PC1 labels (nodes × layers), the
//   floor for labeling;
// - bare Poseidon: poseidonHashMany in memory over exactly PC2's hashes (one column hash of arity
//   `layers` per node, and both arity-8 trees), the floor for PC2.
// ratio pc1_vs_bare_sha256 = floor / pc1 time (1.0 = PC1 is nothing but its hashes), likewise for
// pc2, and seal_vs_floor for pc1 + pc2 together.
import { spawn } from "node:child_process";
import { hash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sealProofType } from "../src/filecoin/proof-types.js";
import { sectorParams } from "../src/filecoin/sizes.js";
import { baseTreeElements } from "../src/proofs/poseidon-tree.js";
import { poseidonHashMany, type PoseidonArity } from "../src/proofs/poseidon.js";
import { LABEL_MESSAGE_BYTES } from "../src/proofs/sdr-labels.js";
import { type Benchmark, saveResult, timeIt } from "./harness.js";

const PROOF = 6; // StackedDrg8MiBV1_1
const here = dirname(fileURLToPath(import.meta.url));

interface ChildReport {
  parent_cache_s: number;
  add_pieces_s: number;
  tree_d_s: number;
  pc1_s: number;
  pc2_s: number;
  max_rss_kib: number;
  comm_r: string;
}

function runChild(): Promise<{ report: ChildReport; wallS: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "seal8m-child.ts"), String(PROOF)], {
      cwd: join(here, ".."),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) return reject(new Error(`seal8m child exited with ${String(code)}`));
      resolve({ report: JSON.parse(out) as ChildReport, wallS });
    });
  });
}

function bareSha256(messages: number): number {
  const msg = Buffer.alloc(LABEL_MESSAGE_BYTES, 7);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < messages; i++) {
    msg[40] = i & 0xff;
    hash("sha256", msg, "buffer");
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function barePoseidon(nodes: number, layers: number): Promise<number> {
  const treeHashes = baseTreeElements(nodes) - nodes; // internal nodes of one arity-8 tree
  const col = new Uint8Array(nodes * layers * 32).fill(1);
  const colOut = new Uint8Array(nodes * 32);
  const tree = new Uint8Array(treeHashes * 8 * 32).fill(2);
  const treeOut = new Uint8Array(treeHashes * 32);
  return timeIt(() => {
    poseidonHashMany(layers as PoseidonArity, col, colOut);
    poseidonHashMany(8, tree, treeOut); // tree_c
    poseidonHashMany(8, tree, treeOut); // tree_r_last
  });
}

const bench: Benchmark = {
  async run() {
    const { sectorSize } = sealProofType(PROOF);
    const { nodes, layers } = sectorParams(sectorSize);
    const { report, wallS } = await runChild();
    const shaS = bareSha256(nodes * layers);
    const poseidonS = await barePoseidon(nodes, layers);
    return saveResult({
      name: "seal8m",
      figures: {
        wall_s: wallS,
        peak_rss_mib: report.max_rss_kib / 1024,
        add_pieces_s: report.add_pieces_s,
        tree_d_s: report.tree_d_s,
        pc1_s: report.pc1_s,
        pc2_s: report.pc2_s,
        parent_cache_s: report.parent_cache_s,
        bare_sha256_s: shaS,
        bare_poseidon_s: poseidonS,
        sector_mib: sectorSize / 2 ** 20,
      },
      ratios: {
        pc1_vs_bare_sha256: shaS / report.pc1_s,
        pc2_vs_bare_poseidon: poseidonS / report.pc2_s,
        seal_vs_floor: (shaS + poseidonS) / (report.pc1_s + report.pc2_s),
      },
      notes: {
        proof: PROOF,
        comm_r: report.comm_r,
        wall_s: "child process start to exit: tsx start-up, parent-cache build, payload generation and the four stages",
        ratios:
          "floor time / measured time, floors measured in this run: bare crypto.hash over nodes×layers 1,248-byte " +
          "messages (PC1), bare in-memory poseidonHashMany over PC2's column and tree hashes (PC2); 1.0 = no overhead",
        peak_rss_mib: "the child's process.resourceUsage().maxRSS",
      },
    });
  },
};

export default bench;
