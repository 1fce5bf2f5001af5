// Shared pieces of the miner actor tests: a deterministic chain (randomness), an in-memory market, real 2KiB
// sectors sealed once per process with the env's own tickets, and real devnet proofs over them.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import type { CID } from "multiformats/cid";
import { minerEntropy } from "../../../src/filecoin/address.js";
import { BitField } from "../../../src/filecoin/bitfield.js";
import { commDToCid, commRToCid } from "../../../src/filecoin/cid.js";
import {
  type PoStPartition,
  PreCommitSectorBatchParams2,
  ProveCommitSectors3Params,
  type SectorPreCommitInfo,
  SubmitWindowedPoStParams,
  type PieceActivationManifest,
  BatchReturn,
  MinerMethod,
} from "../../../src/filecoin/miner-params.js";
import { DEVNET_POLICY, MIN_SECTOR_EXPIRATION } from "../../../src/filecoin/policy.js";
import { DomainSeparationTag, drawRandomness } from "../../../src/filecoin/randomness.js";
import { encodeDevnetPoRep, encodeDevnetWindowPoSt } from "../../../src/proofs/devnet-proof.js";
import { generateVanillaPoRep } from "../../../src/proofs/porep-proof.js";
import { generateVanillaPoSt } from "../../../src/proofs/post.js";
import { sealSector } from "../../../src/proofs/seal.js";
import { ActorError } from "../../../src/devnet/actors/actor-error.js";
import { invokeMiner, type InvokeResult, type MarketHooks, type MinerEnv } from "../../../src/devnet/actors/miner.js";
import { newMinerState, type MinerState } from "../../../src/devnet/actors/miner-state.js";

export const MINER = 1000;
export const OWNER = 100;
export const WORKER = 101;
export const CONTROL = 102;
export const STRANGER = 555;
export const SEAL_V1_1 = 5;
export const SEAL_NI = 15;
export const WINDOW_2K = 10;
export const SIZE = 2048;
export const ENTROPY = minerEntropy(MINER);
export const policy = DEVNET_POLICY;

const sha256 = (s: string): Uint8Array => new Uint8Array(createHash("sha256").update(s).digest());

// The devnet's draw (filecoin.md §15) over made-up per-epoch digests; negative epochs use epoch 0's digest.
export const ticketRandomness = (tag: number, epoch: number, entropy: Uint8Array): Uint8Array =>
  drawRandomness(sha256(`test ticket ${Math.max(0, epoch)}`), tag, epoch, entropy);
export const beaconRandomness = (tag: number, epoch: number, entropy: Uint8Array): Uint8Array =>
  drawRandomness(sha256(`test beacon ${Math.max(0, epoch)}`), tag, epoch, entropy);

/** Accepts every piece except those listed in `reject`; a verified key claims the piece's size. */
export class FakeMarket implements MarketHooks {
  readonly calls: Parameters<MarketHooks["activatePieces"]>[0][] = [];
  readonly reject = new Set<string>();
  /** Allocation ids whose claim fails (as verifreg would refuse it): the whole sector fails. */
  readonly failClaims = new Set<number>();
  activatePieces(p: Parameters<MarketHooks["activatePieces"]>[0]): ReturnType<MarketHooks["activatePieces"]> {
    this.calls.push(p);
    const errors = p.pieces.map((x) => (x.verifiedAllocationKey && this.failClaims.has(x.verifiedAllocationKey.id) ? `allocation ${x.verifiedAllocationKey.id} not claimable` : null));
    if (errors.some((e) => e !== null)) return { pieceOk: p.pieces.map(() => false), verifiedBytes: 0n, claimFailed: true, errors };
    const pieceOk = p.pieces.map((x) => !this.reject.has(x.cid.toString()));
    const verifiedBytes = p.pieces.reduce((a, x, i) => a + (pieceOk[i] && x.verifiedAllocationKey ? BigInt(x.size) : 0n), 0n);
    return { pieceOk, verifiedBytes, claimFailed: false };
  }
}

export function env(epoch: number, market: MarketHooks = new FakeMarket()): MinerEnv {
  return { epoch, policy, networkName: "damocles-devnet", ticketRandomness, beaconRandomness, market, verifyProofs: true };
}

/** Miner 1000 created at epoch 0 with proving period start 0, so deadline i opens at 480k + 10i. */
export function genesisMiner(balance = 1_000_000n): MinerState {
  return newMinerState({ id: MINER, owner: OWNER, worker: WORKER, controlAddresses: [CONTROL], sealProofType: SEAL_V1_1, provingPeriodOffset: 0, epoch: 0, policy, balance });
}

// ---- sealed sectors ----

export interface Sealed {
  sectorNumber: number;
  sealProof: number;
  commR: Uint8Array;
  commD: Uint8Array;
  sealedCid: CID;
  /** CommD CID for a data sector, null for committed capacity. */
  unsealedCid: CID | null;
  cacheDir: string;
  sealedFile: string;
}

let dir: string | null = null;
const cache = new Map<string, Promise<Sealed>>();

export async function cleanupSealed(): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
  cache.clear();
}

/** Seals sector `n` once (ticket = the tag-5 draw at epoch 0); `data` fills it with one full-size piece. */
export function sealed(n: number, opts: { sealProof?: number; data?: boolean } = {}): Promise<Sealed> {
  const sealProof = opts.sealProof ?? SEAL_V1_1;
  const key = `${n}/${sealProof}/${opts.data ? "data" : "cc"}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      dir ??= await mkdtemp(join(os.tmpdir(), "damocles-miner-"));
      const payload = join(dir, `payload-${key.replaceAll("/", "-")}`);
      await writeFile(payload, opts.data ? sha256Stream(`sector ${n}`, 2032) : new Uint8Array(0));
      const o = await sealSector({
        sealProofId: sealProof,
        minerId: MINER,
        sectorNumber: n,
        ticket: ticketRandomness(DomainSeparationTag.SealRandomness, 0, ENTROPY),
        inputPath: payload,
        storeDir: join(dir, `store-${key.replaceAll("/", "-")}`),
        parentCacheDir: join(dir, "parents"),
      });
      return {
        sectorNumber: n,
        sealProof,
        commR: o.commR,
        commD: o.commD,
        sealedCid: commRToCid(o.commR),
        unsealedCid: opts.data ? commDToCid(o.commD) : null,
        cacheDir: o.paths.cacheDir,
        sealedFile: o.paths.sealed,
      };
    })();
    cache.set(key, p);
  }
  return p;
}

function sha256Stream(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0, off = 0; off < length; i++, off += 32) out.set(sha256(`${label} ${i}`).subarray(0, Math.min(32, length - off)), off);
  return out;
}

/** Kind-1 proof of an interactive sector pre-committed at `preCommitEpoch` (seed = tag 6 at +10). */
export async function porep(s: Sealed, preCommitEpoch: number): Promise<Uint8Array> {
  const vp = await generateVanillaPoRep({
    sealProof: s.sealProof,
    minerId: MINER,
    sectorNumber: s.sectorNumber,
    ticket: ticketRandomness(DomainSeparationTag.SealRandomness, 0, ENTROPY),
    seed: beaconRandomness(DomainSeparationTag.InteractiveSealChallengeSeed, preCommitEpoch + policy.PreCommitChallengeDelay, ENTROPY),
    commD: s.commD,
    commR: s.commR,
    cacheDir: s.cacheDir,
    sealedFile: s.sealedFile,
  });
  return encodeDevnetPoRep(vp);
}

/** Kind-1 NI proof (seed = NI_SEED). */
export async function niPorep(s: Sealed): Promise<Uint8Array> {
  const vp = await generateVanillaPoRep({
    sealProof: s.sealProof,
    minerId: MINER,
    sectorNumber: s.sectorNumber,
    ticket: ticketRandomness(DomainSeparationTag.SealRandomness, 0, ENTROPY),
    commD: s.commD,
    commR: s.commR,
    cacheDir: s.cacheDir,
    sealedFile: s.sealedFile,
  });
  return encodeDevnetPoRep(vp);
}

/** Kind-2 proof of one partition's proven sectors for the deadline whose Challenge is `challenge`. */
export async function windowPoSt(challenge: number, sectors: Sealed[]): Promise<Uint8Array> {
  const vp = await generateVanillaPoSt({
    postProof: WINDOW_2K,
    minerId: MINER,
    randomness: beaconRandomness(DomainSeparationTag.WindowedPoStChallengeSeed, challenge, ENTROPY),
    sectors: sectors.map((s) => ({ sectorNumber: s.sectorNumber, cacheDir: s.cacheDir, sealedFile: s.sealedFile })),
  });
  return encodeDevnetWindowPoSt(vp);
}

// ---- messages ----

export const call = (state: MinerState, e: MinerEnv, method: number, params: Uint8Array, caller = WORKER, value = 0n): InvokeResult =>
  invokeMiner(state, e, { caller, value }, method, params);

/** Asserts the call throws ActorError with `code` (and a message matching `re` when given). */
export function rejects(fn: () => unknown, code: number, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ActorError, `expected an ActorError, got ${String(e)}`);
    assert.equal(e.exitCode, code, `exit code for "${e.message}"`);
    if (re) assert.match(e.message, re);
    return true;
  });
}

export const EXPIRATION = 700_000; // ≥ current + MaxProveCommitDuration (86,410) + MinSectorExpiration (518,400) up to epoch 95,190

export function preCommitInfo(s: Sealed, over: Partial<SectorPreCommitInfo> = {}): SectorPreCommitInfo {
  return {
    SealProof: s.sealProof,
    SectorNumber: s.sectorNumber,
    SealedCID: s.sealedCid,
    SealRandEpoch: 0,
    DealIDs: [],
    Expiration: EXPIRATION,
    UnsealedCid: s.unsealedCid,
    ...over,
  };
}

export const preCommitParams = (infos: SectorPreCommitInfo[]): Uint8Array => PreCommitSectorBatchParams2.encode({ Sectors: infos });

export function proveParams(
  items: Array<{ sealed: Sealed; proof: Uint8Array; pieces?: PieceActivationManifest[] }>,
  over: Partial<ProveCommitSectors3Params> = {},
): Uint8Array {
  return ProveCommitSectors3Params.encode({
    SectorActivations: items.map((x) => ({ SectorNumber: x.sealed.sectorNumber, Pieces: x.pieces ?? [] })),
    SectorProofs: items.map((x) => x.proof),
    AggregateProof: new Uint8Array(0),
    AggregateProofType: null,
    RequireActivationSuccess: false,
    RequireNotificationSuccess: false,
    ...over,
  });
}

/** Pre-commits `sectors` at `epoch` and proves them at epoch + 11 (after the seed epoch). */
export async function onboard(state: MinerState, sectors: Sealed[], epoch: number, market?: MarketHooks): Promise<MinerState> {
  state = call(state, env(epoch, market), MinerMethod.PreCommitSectorBatch2, preCommitParams(sectors.map((s) => preCommitInfo(s)))).state;
  const items = await Promise.all(sectors.map(async (s) => ({ sealed: s, proof: await porep(s, epoch) })));
  const r = call(state, env(epoch + policy.PreCommitChallengeDelay + 1, market), MinerMethod.ProveCommitSectors3, proveParams(items));
  assert.deepEqual(BatchReturn.decode(r.ret), { SuccessCount: sectors.length, FailCodes: [] });
  return r.state;
}

export function postParams(
  deadline: number,
  partitions: PoStPartition[],
  proofBytes: Uint8Array,
  chainCommitEpoch: number,
  over: Partial<SubmitWindowedPoStParams> = {},
): Uint8Array {
  return SubmitWindowedPoStParams.encode({
    Deadline: deadline,
    Partitions: partitions,
    Proofs: [{ PoStProof: WINDOW_2K, ProofBytes: proofBytes }],
    ChainCommitEpoch: chainCommitEpoch,
    ChainCommitRand: ticketRandomness(DomainSeparationTag.PoStChainCommit, chainCommitEpoch, new Uint8Array(0)),
    ...over,
  });
}

export const part = (Index: number, skipped: number[] = []): PoStPartition => ({ Index, Skipped: BitField.fromSet(skipped) });
export const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));
export { MIN_SECTOR_EXPIRATION };
