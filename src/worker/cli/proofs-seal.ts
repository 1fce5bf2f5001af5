// `damocles-worker proofs seal`: one whole built-in seal (add_pieces, tree_d, pc1, pc2) of a payload
// file into an empty directory laid out as a sealing store (spec/worker.md §10), printing comm_d,
// comm_r and replica_id as JSON; with --seed also c1 + c2 (a devnet proof, spec/devnet.md §8), verified.
import { Command } from "commander";
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { commDToCid, commRToCid } from "../../filecoin/cid.js";
import { parseSealProofType } from "../../filecoin/proof-types.js";
import { formatSectorSize, unpaddedSize } from "../../filecoin/sizes.js";
import { encodeDevnetPoRep } from "../../proofs/devnet-proof.js";
import { assertBuiltinSealSize } from "../../proofs/pc2.js";
import { NI_SEED, generateVanillaPoRep } from "../../proofs/porep-proof.js";
import { verifyDevnetPoRep } from "../../proofs/porep-verify.js";
import { sealSector } from "../../proofs/seal.js";

interface SealOptions {
  proofType: string;
  miner: string;
  sector: string;
  ticket: string;
  input: string;
  dir: string;
  seed?: string;
  proofOut?: string;
  parentCache?: string;
}

function parseHex32(text: string, option: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(text))
    throw new Error(`${option} must be 64 hex digits (32 bytes), got "${text}"`);
  return Uint8Array.from(Buffer.from(text, "hex"));
}

/** A decimal number, or for --miner also an ID address (t01000 / f01000). */
function parseU63(text: string, option: string, allowAddress: boolean): number {
  const t = allowAddress ? text.replace(/^[tf]0(?=\d)/, "") : text;
  const n = /^\d{1,16}$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n))
    throw new Error(`${option} must be a non-negative decimal integer${allowAddress ? " or an ID address like t01000" : ""}, got "${text}"`);
  return n;
}

async function checkEmptyDir(dir: string): Promise<void> {
  const st = await stat(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return null;
    throw e;
  });
  if (st === null) {
    await mkdir(dir, { recursive: true });
    return;
  }
  if (!st.isDirectory()) throw new Error(`--dir ${dir} is not a directory`);
  const entries = await readdir(dir);
  if (entries.length > 0)
    throw new Error(`--dir ${dir} is not empty (${entries.length} entries); give an empty or new directory`);
}

async function checkInput(path: string, sectorSize: number): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (!st?.isFile()) throw new Error(`--input ${path} is not a readable file`);
  const capacity = unpaddedSize(sectorSize);
  if (st.size > capacity)
    throw new Error(
      `--input ${path} has ${st.size} bytes, more than the ${formatSectorSize(sectorSize)} sector's unpadded capacity of ${capacity} bytes`,
    );
}

async function runSeal(o: SealOptions): Promise<void> {
  const pt = parseSealProofType(o.proofType);
  assertBuiltinSealSize(pt.id);
  const minerId = parseU63(o.miner, "--miner", true);
  const sectorNumber = parseU63(o.sector, "--sector", false);
  const ticket = parseHex32(o.ticket, "--ticket");
  const seed = o.seed === undefined ? undefined : parseHex32(o.seed, "--seed");
  if (seed && pt.kind === "ni" && Buffer.compare(seed, NI_SEED) !== 0)
    throw new Error(`${pt.rustName} is non-interactive: its seed is fixed to 32 bytes of 01; give --seed ${"01".repeat(32)}`);
  if (o.proofOut !== undefined && seed === undefined) throw new Error("--proof-out needs --seed (the proof is made by c1 + c2)");
  await checkInput(o.input, pt.sectorSize);
  await checkEmptyDir(o.dir);

  const sealed = await sealSector({
    sealProofId: pt.id,
    minerId,
    sectorNumber,
    ticket,
    inputPath: o.input,
    storeDir: o.dir,
    parentCacheDir: o.parentCache,
  });
  const out: Record<string, string | number | boolean> = {
    comm_d: commDToCid(sealed.commD).toString(),
    comm_r: commRToCid(sealed.commR).toString(),
    replica_id: Buffer.from(sealed.replicaId).toString("hex"),
  };
  if (seed) {
    const vanilla = await generateVanillaPoRep({
      sealProof: pt.id,
      minerId,
      sectorNumber,
      ticket,
      seed: pt.kind === "ni" ? undefined : seed,
      commD: sealed.commD,
      commR: sealed.commR,
      cacheDir: sealed.paths.cacheDir,
      sealedFile: sealed.paths.sealed,
    });
    const proof = encodeDevnetPoRep(vanilla);
    const verdict = verifyDevnetPoRep(proof, {
      sealProof: pt.id,
      minerId,
      sectorNumber,
      ticket,
      seed,
      commD: sealed.commD,
      commR: sealed.commR,
    });
    if (!verdict.ok) throw new Error(`the devnet proof made for this sector does not verify: ${verdict.reason}`);
    if (o.proofOut !== undefined) await writeFile(o.proofOut, proof);
    out.proof_bytes = proof.length;
    out.verified = true;
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

export function sealCommand(): Command {
  return new Command("seal")
    .description(
      "seal a payload with the built-in add_pieces, tree_d, pc1 and pc2 (2KiB, 8MiB, 512MiB) into --dir, laid out as " +
        "a sealing store; prints comm_d, comm_r and replica_id as JSON. With --seed also runs c1 and c2 (a devnet proof) and verifies it",
    )
    .requiredOption("--proof-type <type>", "seal proof type: id, Rust name or Go name (e.g. 5, StackedDrg2KiBV1_1)")
    .requiredOption("--miner <actor>", "miner actor id (1000 or t01000)")
    .requiredOption("--sector <number>", "sector number")
    .requiredOption("--ticket <hex>", "ticket, 64 hex digits")
    .requiredOption("--input <file>", "unpadded payload, at most the sector's capacity (2032 bytes for 2KiB); shorter is zero-filled")
    .requiredOption("--dir <dir>", "empty (or new) directory that receives the sealing-store files")
    .option("--seed <hex>", "interactive seed, 64 hex digits: also run c1 + c2 and verify the devnet proof")
    .option("--proof-out <file>", "write the devnet proof bytes here (needs --seed)")
    .option("--parent-cache <dir>", "SDR parent cache directory (default: FIL_PROOFS_PARENT_CACHE or /var/tmp/filecoin-parents)")
    .action(async (o: SealOptions) => {
      await runSeal(o);
    });
}
