// The devnet's miner actor (spec/devnet.md §9): builtin-actors actors/miner/src/lib.rs reduced to the methods the
// sealer uses, over the plain state of miner-state.ts, verifying every devnet proof at once (§8.4). Pure and
// persistence-free: invokeMiner works on a clone and returns the new state only when the method succeeds.
// Money (§4): deposit = pledge = 1 attoFIL per byte of QA power; no rewards vest, no fees, no penalties other
// than the burnt deposit of a pre-commit never proven.
import type { CID } from "multiformats/cid";
import { addressFromBytes, formatAddress, minerEntropy } from "../../filecoin/address.js";
import { BitField } from "../../filecoin/bitfield.js";
import { readTuple, readFilBigInt, encodeCbor, decodeCbor, filBigInt, readUint } from "../../filecoin/cbor.js";
import { cidToCommD, cidToCommR, parsePieceCid } from "../../filecoin/cid.js";
import {
  deadlineInfoAt,
  deadlineIsMutable,
  faultCutoffPassed,
  isOpen,
  newDeadlineInfo,
  nextNotElapsed,
  type DeadlineInfo,
} from "../../filecoin/deadlines.js";
import {
  BatchReturn,
  DeclareFaultsParams,
  DeclareFaultsRecoveredParams,
  ExtendSectorExpiration2Params,
  MinerMethod,
  PreCommitSectorBatchParams2,
  ProveCommitSectors3Params,
  ProveCommitSectorsNIParams,
  SubmitWindowedPoStParams,
  TerminateSectorsParams,
  TerminateSectorsReturn,
  type SectorsDeclaration,
  type TupleCodec,
} from "../../filecoin/miner-params.js";
import { checkPreCommitEpochs, maxProveCommitDuration, sectorMaxLifetime, type Policy } from "../../filecoin/policy.js";
import { AggregationProofType, sealProofType } from "../../filecoin/proof-types.js";
import { DomainSeparationTag } from "../../filecoin/randomness.js";
import { commDFromPieces } from "../../proofs/commd.js";
import { DEVNET_PROOF_HEADER_BYTES, isDevnetProof } from "../../proofs/devnet-proof.js";
import { NI_SEED } from "../../proofs/porep-proof.js";
import { sameBytes, verifyDevnetPoRep, type VerifyResult } from "../../proofs/porep-verify.js";
import { verifyDevnetWindowPoSt } from "../../proofs/post.js";
import { zeroCommitment } from "../../proofs/zero-commitments.js";
import { ActorError, ensure, MinerExitCode as Exit } from "./actor-error.js";
import {
  cloneMinerState,
  newPartition,
  type Deadline,
  type MinerState,
  type Partition,
  type SectorOnChainInfo,
  type SectorPreCommitOnChainInfo,
} from "./miner-state.js";

// ---- the contract with the chain core ----

export interface ActivatedPiece {
  cid: CID;
  /** Padded size. */
  size: number;
  verifiedAllocationKey: { client: number; id: number } | null;
  notify: { address: string; payload: Uint8Array }[];
}

/** Implemented by the market module: deal activation and verified claims at ProveCommitSectors3 (devnet.md §5.4). */
export interface MarketHooks {
  activatePieces(p: { miner: number; sectorNumber: number; sectorExpiration: number; pieces: ActivatedPiece[] }): PieceActivation;
}

/** The market's answer for one sector. */
export interface PieceActivation {
  /** Per piece: its notifications were accepted (and its claim, if any, made). */
  pieceOk: boolean[];
  /** Claimed verified bytes; they count 10× in QA power. */
  verifiedBytes: bigint;
  /**
   * A verified claim failed: builtin-actors then fails the whole sector (verifreg ClaimAllocations stacked
   * on the activation results), and the market changed nothing for it.
   */
  claimFailed: boolean;
  /** Per piece: why it was refused, null when accepted. */
  errors?: (string | null)[];
}

export interface MinerEnv {
  /** The execution epoch (the tipset the message is included in). */
  epoch: number;
  policy: Policy;
  networkName: string;
  ticketRandomness(tag: number, epoch: number, entropy: Uint8Array): Uint8Array;
  beaconRandomness(tag: number, epoch: number, entropy: Uint8Array): Uint8Array;
  market: MarketHooks;
  /** Always true on the devnet; there is no way around proof verification here. */
  verifyProofs: boolean;
}

export interface MessageContext {
  /** Resolved actor id of the message's From. */
  caller: number;
  /** attoFIL sent with the message; it joins the miner's balance before the method runs. */
  value: bigint;
}

export interface InvokeResult {
  state: MinerState;
  /** CBOR return value; empty for none. */
  ret: Uint8Array;
  /** attoFIL burnt while running it: deposits of pre-commits expired by the deadlines processed first. */
  burnt?: bigint;
  /** Funds the miner sends out (WithdrawBalance to the owner): the chain credits `to` with `amount`. */
  sent?: { to: number; amount: bigint }[];
}

/** Methods beyond miner-params.ts's list (builtin-actors method numbers). */
export const MinerExtraMethod = { Send: 0, WithdrawBalance: 16, CompactPartitions: 19 } as const;

// ---- money and power ----

const SIMPLE_QA_POWER = 1;
const EMPTY = new Uint8Array(0);

/** Pre-commit deposit of one sector: its raw size in attoFIL (no deal weight is known before activation). */
export const preCommitDeposit = (sectorSize: number): bigint => BigInt(sectorSize);

/** Initial pledge: 1 attoFIL per byte of QA power, claimed verified bytes counting 10×. */
export const initialPledge = (sectorSize: number, verifiedBytes: bigint): bigint => qaPower(sectorSize, verifiedBytes);

const qaPower = (sectorSize: number, verifiedBytes: bigint): bigint => BigInt(sectorSize) + 9n * verifiedBytes;

export interface PowerPair {
  raw: bigint;
  qa: bigint;
}

/** Power of one sector (builtin-actors qa_power_for_weight with no unverified bonus). */
export function sectorPower(sectorSize: number, info: SectorOnChainInfo): PowerPair {
  const duration = BigInt(info.Expiration - info.PowerBaseEpoch);
  const verified = duration > 0n ? info.VerifiedDealWeight / duration : 0n;
  return { raw: BigInt(sectorSize), qa: qaPower(sectorSize, verified) };
}

/** Balance not held as deposit or pledge (there is no vesting or fee debt on the devnet). */
export const availableBalance = (s: MinerState): bigint => s.Balance - s.PreCommitDeposits - s.InitialPledge;

export const liveSectors = (p: Partition): BitField => p.Sectors.subtract(p.Terminated);
/** Live, not faulty and proven once: the sectors with power. */
export const activeSectors = (p: Partition): BitField => liveSectors(p).subtract(p.Faults).subtract(p.Unproven);

// ---- params of methods 16 and 19 (not in miner-params.ts) ----

export interface WithdrawBalanceParams {
  AmountRequested: bigint;
}
export const WithdrawBalanceParams: TupleCodec<WithdrawBalanceParams> = {
  name: "WithdrawBalanceParams",
  toValue: (v) => [filBigInt(v.AmountRequested)],
  fromValue: (x, p) => ({ AmountRequested: readFilBigInt(readTuple(x, 1, p)[0], `${p}.AmountRequested`) }),
  encode: (v) => encodeCbor([filBigInt(v.AmountRequested)]),
  decode: (b) => WithdrawBalanceParams.fromValue(decodeCbor(b), "WithdrawBalanceParams"),
};

export interface CompactPartitionsParams {
  Deadline: number;
  Partitions: BitField;
}
export const CompactPartitionsParams: TupleCodec<CompactPartitionsParams> = {
  name: "CompactPartitionsParams",
  toValue: (v) => [v.Deadline, v.Partitions.encode()],
  fromValue: (x, p) => {
    const t = readTuple(x, 2, p);
    const bytes = t[1];
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`${p}.Partitions: expected a byte string`);
    return { Deadline: readUint(t[0], `${p}.Deadline`), Partitions: BitField.decode(bytes) };
  },
  encode: (v) => encodeCbor(CompactPartitionsParams.toValue(v)),
  decode: (b) => CompactPartitionsParams.fromValue(decodeCbor(b), "CompactPartitionsParams"),
};

// ---- entry points ----

/**
 * Runs one message to the miner; throws ActorError for a failed method (the caller keeps the old state).
 * Deadlines that closed at or before `env.epoch` are processed first, so a message never sees a stale period
 * (builtin-actors relies on cron for that); the chain still calls processDeadlineEnd every epoch.
 */
export function invokeMiner(state: MinerState, env: MinerEnv, ctx: MessageContext, method: number, params: Uint8Array): InvokeResult {
  if (ctx.value < 0n) throw new RangeError(`message value ${ctx.value} is negative`);
  const s = cloneMinerState(processDeadlineEnd(state, env));
  s.Balance += ctx.value;
  const out = dispatch(s, env, ctx, method, params);
  const burnt = s.Burnt - state.Burnt;
  return { state: s, ret: out.ret ?? EMPTY, ...(burnt > 0n ? { burnt } : {}), ...(out.sent ? { sent: out.sent } : {}) };
}

interface MethodOutput {
  ret?: Uint8Array;
  sent?: { to: number; amount: bigint }[];
}

function dispatch(s: MinerState, env: MinerEnv, ctx: MessageContext, method: number, params: Uint8Array): MethodOutput {
  if (method === MinerExtraMethod.Send) return {};
  if (method === MinerExtraMethod.WithdrawBalance) return withdrawBalance(s, ctx, decodeParams(WithdrawBalanceParams, params));
  const run = METHODS[method];
  if (!run) throw new ActorError(Exit.ErrUnhandledMessage, `method ${method} is not handled by the devnet miner (devnet.md §9)`);
  const p = decodeParams(run.codec, params);
  const { Owner, Worker, ControlAddresses } = s.Info;
  ensure(ctx.caller === Owner || ctx.caller === Worker || ControlAddresses.includes(ctx.caller), Exit.ErrForbidden, () =>
    `caller ${ctx.caller} is not the owner ${Owner}, the worker ${Worker} or a control address of miner ${s.Id}`);
  return { ret: run.apply(s, env, p) };
}

interface MethodEntry {
  codec: TupleCodec<unknown>;
  apply(s: MinerState, env: MinerEnv, p: unknown): Uint8Array | undefined;
}
const entry = <T>(codec: TupleCodec<T>, apply: (s: MinerState, env: MinerEnv, p: T) => Uint8Array | undefined): MethodEntry => ({
  codec: codec as TupleCodec<unknown>,
  apply: apply as MethodEntry["apply"],
});

const METHODS: Readonly<Record<number, MethodEntry>> = {
  [MinerMethod.PreCommitSectorBatch2]: entry(PreCommitSectorBatchParams2, preCommitSectorBatch2),
  [MinerMethod.ProveCommitSectors3]: entry(ProveCommitSectors3Params, proveCommitSectors3),
  [MinerMethod.ProveCommitSectorsNI]: entry(ProveCommitSectorsNIParams, proveCommitSectorsNI),
  [MinerMethod.SubmitWindowedPoSt]: entry(SubmitWindowedPoStParams, submitWindowedPoSt),
  [MinerMethod.DeclareFaults]: entry(DeclareFaultsParams, (s, env, p) => declareFaults(s, env, p.Faults)),
  [MinerMethod.DeclareFaultsRecovered]: entry(DeclareFaultsRecoveredParams, (s, env, p) => declareRecoveries(s, env, p.Recoveries)),
  [MinerMethod.TerminateSectors]: entry(TerminateSectorsParams, terminateSectors),
  [MinerMethod.ExtendSectorExpiration2]: entry(ExtendSectorExpiration2Params, extendSectorExpiration2),
  [MinerExtraMethod.CompactPartitions]: entry(CompactPartitionsParams, compactPartitions),
};

function decodeParams<T>(codec: TupleCodec<T>, params: Uint8Array): T {
  try {
    return codec.decode(params);
  } catch (e) {
    throw new ActorError(Exit.ErrSerialization, `failed to decode ${codec.name}: ${(e as Error).message}`, { cause: e });
  }
}

// ---- shared checks ----

const entropyOf = (s: MinerState): Uint8Array => minerEntropy(s.Id);
const periodStartAt = (s: MinerState, env: MinerEnv): number => deadlineInfoAt(s.ProvingPeriodStart, env.epoch, env.policy).PeriodStart;

function commRFrom(cid: CID, what: string): Uint8Array {
  try {
    return cidToCommR(cid);
  } catch (e) {
    throw new ActorError(Exit.ErrIllegalArgument, `${what}: SealedCID is not a valid CommR CID: ${(e as Error).message}`);
  }
}

function commDFrom(cid: CID, what: string): Uint8Array {
  try {
    return cidToCommD(cid);
  } catch (e) {
    throw new ActorError(Exit.ErrIllegalArgument, `${what}: UnsealedCid is not a valid CommD CID: ${(e as Error).message}`);
  }
}

/** builtin-actors validate_expiration: the broken rule, or null. */
function expirationProblem(policy: Policy, current: number, activation: number, expiration: number, sealProof: number): string | null {
  if (expiration <= activation) return `expiration ${expiration} must be after activation ${activation}`;
  if (expiration - activation < policy.MinSectorExpiration)
    return `expiration ${expiration} gives a lifetime of ${expiration - activation}, below MinSectorExpiration ${policy.MinSectorExpiration} after ${activation}`;
  if (expiration > current + policy.MaxSectorExpirationExtension)
    return `expiration ${expiration} is more than MaxSectorExpirationExtension ${policy.MaxSectorExpirationExtension} past ${current}`;
  if (expiration - activation > sectorMaxLifetime(sealProof))
    return `expiration ${expiration} exceeds the sector lifetime ${sectorMaxLifetime(sealProof)} after activation ${activation}`;
  return null;
}

/**
 * Splits devnet proofs written back to back (devnet.md §8.3) by their envelope lengths; the bytes must hold
 * exactly `count` of them. The envelopes themselves are checked again by the verifiers.
 */
export function splitDevnetProofs(bytes: Uint8Array, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < bytes.length) {
    const rest = bytes.subarray(off);
    if (!isDevnetProof(rest)) throw new RangeError(`bytes at offset ${off} are not a devnet proof (no DMDEVNET magic)`);
    if (rest.length < DEVNET_PROOF_HEADER_BYTES) throw new RangeError(`devnet proof at offset ${off} is cut inside its header`);
    const len = DEVNET_PROOF_HEADER_BYTES + new DataView(rest.buffer, rest.byteOffset, rest.byteLength).getUint32(10, true);
    if (len > rest.length) throw new RangeError(`devnet proof at offset ${off} needs ${len} bytes, only ${rest.length} remain`);
    out.push(rest.subarray(0, len));
    off += len;
  }
  if (out.length !== count) throw new RangeError(`found ${out.length} devnet proofs back to back, expected ${count}`);
  return out;
}

/** Per-item results of a batch method (builtin-actors BatchReturnGen, stacked over all stages). */
class Batch {
  readonly codes: number[];
  constructor(
    size: number,
    private readonly allOrNothing: boolean,
  ) {
    this.codes = new Array<number>(size).fill(Exit.Ok);
  }
  ok(i: number): boolean {
    return this.codes[i] === Exit.Ok;
  }
  /** Fails item i, or the whole message when the caller required every activation to succeed. */
  fail(i: number, code: number, message: string): void {
    if (this.allOrNothing) throw new ActorError(code, `${message} (RequireActivationSuccess)`);
    this.codes[i] = code;
  }
  get successCount(): number {
    return this.codes.filter((c) => c === Exit.Ok).length;
  }
  encode(): Uint8Array {
    const FailCodes = this.codes.flatMap((Code, Idx) => (Code === Exit.Ok ? [] : [{ Idx, Code }]));
    return BatchReturn.encode({ SuccessCount: this.successCount, FailCodes });
  }
}

// ---- 28 PreCommitSectorBatch2 ----

function preCommitSectorBatch2(s: MinerState, env: MinerEnv, p: PreCommitSectorBatchParams2): undefined {
  const { policy, epoch } = env;
  const n = p.Sectors.length;
  ensure(n >= 1 && n <= policy.PreCommitSectorBatchMaxSize, Exit.ErrIllegalArgument, `batch of ${n} pre-commits; 1…${policy.PreCommitSectorBatchMaxSize} accepted`);
  const seen = new Set<number>();
  for (const pc of p.Sectors) {
    const at = `pre-commit of sector ${pc.SectorNumber}`;
    ensure(!seen.has(pc.SectorNumber), Exit.ErrIllegalArgument, `${at}: duplicate sector number in the batch`);
    seen.add(pc.SectorNumber);
    checkSealProof(s, policy, pc.SealProof, "interactive", at);
    // Sector numbers above 2^53 fail to decode (exit 21), so the 2^63 − 1 bound holds here.
    ensure(!s.AllocatedSectors.has(pc.SectorNumber), Exit.ErrIllegalArgument, `${at}: sector number already allocated`);
    commRFrom(pc.SealedCID, at);
    ensure(pc.SealRandEpoch >= 0, Exit.ErrIllegalArgument, `${at}: SealRandEpoch ${pc.SealRandEpoch} is before genesis`);
    const bad = checkPreCommitEpochs(policy, { sealProof: pc.SealProof, current: epoch, sealRandEpoch: pc.SealRandEpoch, expiration: pc.Expiration });
    ensure(bad === null, Exit.ErrIllegalArgument, () => `${at}: ${bad}`);
    ensure(pc.DealIDs.length === 0, Exit.ErrIllegalArgument, `${at}: DealIDs must be empty (pieces are declared at ProveCommitSectors3)`);
    if (pc.UnsealedCid !== null) commDFrom(pc.UnsealedCid, at);
  }
  const deposit = preCommitDeposit(s.Info.SectorSize);
  const total = deposit * BigInt(n);
  const available = availableBalance(s);
  ensure(available >= total, Exit.ErrInsufficientFunds, `insufficient funds ${available} for pre-commit deposit ${total}`);
  s.PreCommitDeposits += total;
  s.AllocatedSectors = s.AllocatedSectors.union(BitField.fromSet(seen));
  for (const pc of p.Sectors)
    s.PreCommittedSectors.set(pc.SectorNumber, { Info: { ...pc, DealIDs: [] }, PreCommitDeposit: deposit, PreCommitEpoch: epoch });
  return undefined;
}

/** The seal type is one the network accepts, of the right family, and has the miner's window PoSt type. */
function checkSealProof(s: MinerState, policy: Policy, id: number, family: "interactive" | "ni", at: string): void {
  let ok = false;
  try {
    const t = sealProofType(id);
    ok =
      policy.AllowedSealProofs.includes(id) &&
      (family === "ni" ? t.kind === "ni" : t.kind !== "ni") &&
      t.windowPostProof === s.Info.WindowPoStProofType;
  } catch {
    ok = false;
  }
  ensure(ok, Exit.ErrIllegalArgument, () =>
    `${at}: seal proof ${id} is not ${family === "ni" ? "an NI" : "a pre-commit"} type of the miner's size ${s.Info.SectorSize} (policy ${policy.NetworkName})`);
}

// ---- 34 ProveCommitSectors3 ----

function proveCommitSectors3(s: MinerState, env: MinerEnv, p: ProveCommitSectors3Params): Uint8Array {
  const { policy, epoch } = env;
  const acts = p.SectorActivations;
  ensure(acts.length > 0, Exit.ErrIllegalArgument, "no sectors to prove");
  const numbers = acts.map((a) => a.SectorNumber);
  ensure(new Set(numbers).size === numbers.length, Exit.ErrIllegalArgument, `duplicate sector numbers in [${numbers.join(", ")}]`);
  const precommits = acts.map((a) => {
    const pc = s.PreCommittedSectors.get(a.SectorNumber);
    if (!pc) throw new ActorError(Exit.ErrNotFound, `sector ${a.SectorNumber} is not pre-committed`);
    return pc;
  });
  ensure(p.AggregateProof.length === 0 && p.AggregateProofType === null, Exit.ErrIllegalArgument,
    "AggregateProof must be empty and AggregateProofType null: devnet proofs are never aggregated (devnet.md §8.3)");
  ensure(p.SectorProofs.length === acts.length, Exit.ErrIllegalArgument,
    `${acts.length} sector activations but ${p.SectorProofs.length} SectorProofs`);

  const batch = new Batch(acts.length, p.RequireActivationSuccess);
  const entropy = entropyOf(s);
  precommits.forEach((pc, i) => {
    const at = `sector ${pc.Info.SectorNumber}`;
    const seedEpoch = pc.PreCommitEpoch + policy.PreCommitChallengeDelay;
    ensure(epoch > seedEpoch, Exit.ErrIllegalArgument, `${at}: too early to prove at ${epoch}; the seed epoch ${seedEpoch} must be before it`);
    const due = pc.PreCommitEpoch + maxProveCommitDuration(policy, pc.Info.SealProof);
    if (epoch > due) batch.fail(i, Exit.ErrIllegalArgument, `${at}: too late to prove at ${epoch}, due by ${due}`);
  });
  precommits.forEach((pc, i) => {
    if (!batch.ok(i)) return;
    const info = pc.Info;
    const r = verifyPoRep({
      sealProof: info.SealProof,
      minerId: s.Id,
      sectorNumber: info.SectorNumber,
      ticket: env.ticketRandomness(DomainSeparationTag.SealRandomness, info.SealRandEpoch, entropy),
      seed: env.beaconRandomness(DomainSeparationTag.InteractiveSealChallengeSeed, pc.PreCommitEpoch + policy.PreCommitChallengeDelay, entropy),
      commD: info.UnsealedCid ? cidToCommD(info.UnsealedCid) : zeroCommitment(s.Info.SectorSize),
      commR: cidToCommR(info.SealedCID),
    }, p.SectorProofs[i]!, env);
    if (!r.ok) batch.fail(i, Exit.ErrIllegalArgument, `sector ${info.SectorNumber}: invalid proof: ${r.reason}`);
  });
  ensure(batch.successCount > 0, Exit.ErrIllegalArgument, () => `no valid proofs specified (codes ${batch.codes.join(", ")})`);

  // CommD of the activation's pieces must be the pre-committed one; a mismatch fails the message.
  precommits.forEach((pc, i) => {
    if (batch.ok(i)) checkCommD(s.Info.SectorSize, pc, acts[i]!.Pieces);
  });

  const verifiedBytes = new Map<number, bigint>();
  precommits.forEach((pc, i) => {
    if (!batch.ok(i)) return;
    const res = env.market.activatePieces({
      miner: s.Id,
      sectorNumber: pc.Info.SectorNumber,
      sectorExpiration: pc.Info.Expiration,
      pieces: acts[i]!.Pieces.map((pm) => ({
        cid: pm.CID,
        size: pm.Size,
        verifiedAllocationKey: pm.VerifiedAllocationKey && { client: pm.VerifiedAllocationKey.Client, id: pm.VerifiedAllocationKey.ID },
        notify: pm.Notify.map((n) => ({ address: notifyAddress(n.Address), payload: n.Payload })),
      })),
    });
    if (res.claimFailed) {
      const why = (res.errors ?? []).filter((e) => e !== null).join("; ");
      batch.fail(i, Exit.ErrIllegalArgument, `sector ${pc.Info.SectorNumber}: verified claim failed${why ? `: ${why}` : ""}`);
      return;
    }
    const rejected = res.pieceOk.flatMap((ok, k) => (ok ? [] : [k]));
    ensure(rejected.length === 0 || !p.RequireNotificationSuccess, Exit.ErrIllegalArgument,
      () => `sector ${pc.Info.SectorNumber}: the market rejected pieces [${rejected.join(", ")}] (RequireNotificationSuccess)`);
    verifiedBytes.set(i, res.verifiedBytes);
  });

  const activated = precommits.flatMap((pc, i) => {
    if (!batch.ok(i)) return [];
    const unverified = acts[i]!.Pieces.filter((pm) => pm.VerifiedAllocationKey === null).reduce((a, pm) => a + BigInt(pm.Size), 0n);
    return [newSectorInfo(s, env, pc, unverified, verifiedBytes.get(i) ?? 0n)];
  });
  activateSectors(s, env, activated, precommits.filter((_, i) => batch.ok(i)));
  return batch.encode();
}

function verifyPoRep(expected: Parameters<typeof verifyDevnetPoRep>[1], proof: Uint8Array, env: MinerEnv): VerifyResult {
  if (!env.verifyProofs) return { ok: true };
  if (!isDevnetProof(proof)) return { ok: false, reason: "not a devnet proof (a Groth16 proof or an aggregate); the devnet accepts only devnet proofs" };
  return verifyDevnetPoRep(proof, expected);
}

function notifyAddress(bytes: Uint8Array): string {
  try {
    return formatAddress(addressFromBytes(bytes), "t");
  } catch (e) {
    throw new ActorError(Exit.ErrIllegalArgument, `notification address: ${(e as Error).message}`);
  }
}

/** builtin-actors unsealed_cid_from_pieces: CommD of the pieces must equal UnsealedCid (null: zero(S), no pieces). */
function checkCommD(sectorSize: number, pc: SectorPreCommitOnChainInfo, pieces: ProveCommitSectors3Params["SectorActivations"][number]["Pieces"]): void {
  const at = `sector ${pc.Info.SectorNumber}`;
  if (pc.Info.UnsealedCid === null) {
    ensure(pieces.length === 0, Exit.ErrIllegalArgument, `${at}: pre-committed without UnsealedCid (committed capacity) but activated with ${pieces.length} pieces`);
    return;
  }
  let computed: Uint8Array;
  try {
    computed = commDFromPieces(sectorSize, pieces.map((pm, k) => ({ size: pm.Size, commP: parsePieceCid(pm.CID).root, label: `piece ${k}` })));
  } catch (e) {
    throw new ActorError(Exit.ErrIllegalArgument, `${at}: failed to compute CommD from pieces: ${(e as Error).message}`);
  }
  ensure(sameBytes(computed, cidToCommD(pc.Info.UnsealedCid)), Exit.ErrIllegalArgument,
    `${at}: CommD of the activation's pieces does not match the pre-committed UnsealedCid ${pc.Info.UnsealedCid.toString()}`);
}

function newSectorInfo(s: MinerState, env: MinerEnv, pc: SectorPreCommitOnChainInfo, unverifiedBytes: bigint, verifiedBytes: bigint): SectorOnChainInfo {
  const duration = BigInt(pc.Info.Expiration - env.epoch);
  return {
    SectorNumber: pc.Info.SectorNumber,
    SealProof: pc.Info.SealProof,
    SealedCID: pc.Info.SealedCID,
    DeprecatedDealIDs: [],
    Activation: env.epoch,
    Expiration: pc.Info.Expiration,
    DealWeight: unverifiedBytes * duration,
    VerifiedDealWeight: verifiedBytes * duration,
    InitialPledge: initialPledge(s.Info.SectorSize, verifiedBytes),
    ExpectedDayReward: null,
    ExpectedStoragePledge: null,
    PowerBaseEpoch: env.epoch,
    ReplacedDayReward: null,
    SectorKeyCID: null,
    Flags: SIMPLE_QA_POWER,
    DailyFee: 0n,
  };
}

/** Moves deposits to pledge (exit 19 when the balance falls short), stores the sectors and assigns deadlines. */
function activateSectors(s: MinerState, env: MinerEnv, sectors: SectorOnChainInfo[], precommits: SectorPreCommitOnChainInfo[], deadline?: number): void {
  const deposits = precommits.reduce((a, pc) => a + pc.PreCommitDeposit, 0n);
  const pledge = sectors.reduce((a, x) => a + x.InitialPledge, 0n);
  s.PreCommitDeposits -= deposits;
  const unlocked = availableBalance(s);
  ensure(unlocked >= pledge, Exit.ErrInsufficientFunds, `insufficient funds for initial pledge ${pledge}, available: ${unlocked}`);
  s.InitialPledge += pledge;
  for (const pc of precommits) s.PreCommittedSectors.delete(pc.Info.SectorNumber);
  for (const x of sectors) s.Sectors.set(x.SectorNumber, x);
  const numbers = sectors.map((x) => x.SectorNumber).sort((a, b) => a - b);
  if (deadline !== undefined) addSectorsToDeadline(s, deadline, numbers, false);
  else assignSectorsToDeadlines(s, env, numbers);
}

// ---- deadline assignment (builtin-actors deadline_assignment.rs) ----

interface AssignmentInfo {
  index: number;
  live: number;
  total: number;
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/** Orders candidate deadlines: fewest partitions after compaction, then before, then an open partition, … index. */
function compareAssignment(a: AssignmentInfo, b: AssignmentInfo, size: number): number {
  const full = (x: AssignmentInfo): number => (x.total % size === 0 ? 1 : 0);
  return (
    ceilDiv(a.live + 1, size) - ceilDiv(b.live + 1, size) ||
    ceilDiv(a.total + 1, size) - ceilDiv(b.total + 1, size) ||
    full(a) - full(b) ||
    (full(a) === 0 && full(b) === 0 ? b.total - a.total : 0) ||
    a.live - b.live ||
    a.index - b.index
  );
}

function deadlineCounts(d: Deadline): { live: number; total: number } {
  let live = 0;
  let total = 0;
  for (const p of d.Partitions) {
    total += p.Sectors.size;
    live += liveSectors(p).size;
  }
  return { live, total };
}

/** Each sector (ascending) goes to the least-loaded mutable deadline. */
function assignSectorsToDeadlines(s: MinerState, env: MinerEnv, numbers: number[]): void {
  const { policy, epoch } = env;
  const size = s.Info.WindowPoStPartitionSectors;
  const periodStart = periodStartAt(s, env);
  const infos: AssignmentInfo[] = [];
  s.Deadlines.forEach((d, index) => {
    if (deadlineIsMutable(periodStart, index, epoch, policy)) infos.push({ index, ...deadlineCounts(d) });
  });
  ensure(infos.length > 0, Exit.ErrIllegalState, "no mutable deadline to assign sectors to");
  const byDeadline = new Map<number, number[]>();
  for (const n of numbers) {
    const best = infos.reduce((a, b) => (compareAssignment(a, b, size) <= 0 ? a : b));
    ensure(best.total < size * policy.MaxPartitionsPerDeadline, Exit.ErrIllegalState, `max partitions limit ${policy.MaxPartitionsPerDeadline} reached for all deadlines`);
    byDeadline.set(best.index, [...(byDeadline.get(best.index) ?? []), n]);
    best.live++;
    best.total++;
  }
  for (const [index, list] of byDeadline) addSectorsToDeadline(s, index, list, false);
}

/** Fills the last partition up to the partition size, then opens new ones (builtin-actors Deadline::add_sectors). */
function addSectorsToDeadline(s: MinerState, index: number, numbers: number[], proven: boolean): void {
  const d = s.Deadlines[index]!;
  const size = s.Info.WindowPoStPartitionSectors;
  let rest = numbers;
  while (rest.length > 0) {
    let p = d.Partitions[d.Partitions.length - 1];
    if (!p || p.Sectors.size >= size) {
      p = newPartition();
      d.Partitions.push(p);
    }
    const take = BitField.fromSet(rest.slice(0, size - p.Sectors.size));
    rest = rest.slice(take.size);
    p.Sectors = p.Sectors.union(take);
    if (!proven) p.Unproven = p.Unproven.union(take);
  }
}

// ---- 36 ProveCommitSectorsNI ----

function proveCommitSectorsNI(s: MinerState, env: MinerEnv, p: ProveCommitSectorsNIParams): Uint8Array {
  const { policy, epoch } = env;
  const n = p.Sectors.length;
  ensure(n >= policy.MinAggregatedSectorsNi && n <= policy.MaxAggregatedSectorsNi, Exit.ErrIllegalArgument,
    `${n} NI sectors; ${policy.MinAggregatedSectorsNi}…${policy.MaxAggregatedSectorsNi} accepted`);
  ensure(p.ProvingDeadline < policy.WPoStPeriodDeadlines, Exit.ErrIllegalArgument, `proving deadline ${p.ProvingDeadline} invalid`);
  ensure(deadlineIsMutable(periodStartAt(s, env), p.ProvingDeadline, epoch, policy), Exit.ErrForbidden,
    `proving deadline ${p.ProvingDeadline} must not be the current or next deadline at ${epoch}`);
  checkSealProof(s, policy, p.SealProofType, "ni", "ProveCommitSectorsNI");
  ensure(p.AggregateProofType === AggregationProofType.SnarkPackV2, Exit.ErrIllegalArgument,
    `AggregateProofType ${p.AggregateProofType} must be 1 (the devnet's back-to-back proofs stand in for SnarkPackV2)`);

  const batch = new Batch(n, p.RequireActivationSuccess);
  const seen = new Set<number>();
  p.Sectors.forEach((x, i) => {
    const at = `NI sector ${x.SectorNumber}`;
    ensure(!seen.has(x.SectorNumber), Exit.ErrIllegalArgument, `${at}: duplicate sector number`);
    seen.add(x.SectorNumber);
    ensure(x.SealRandEpoch < epoch, Exit.ErrIllegalArgument, `${at}: SealRandEpoch ${x.SealRandEpoch} must be before now ${epoch}`);
    const problems = [
      expirationProblem(policy, epoch, epoch, x.Expiration, p.SealProofType),
      x.SealerID !== s.Id ? `SealerID ${x.SealerID} is not the miner ${s.Id}` : null,
      x.SealingNumber !== x.SectorNumber ? `SealingNumber ${x.SealingNumber} must equal SectorNumber` : null,
      validCommR(x.SealedCID) ? null : "SealedCID is not a valid CommR CID",
      x.SealRandEpoch < epoch - policy.MaxProveCommitNiLookback
        ? `SealRandEpoch ${x.SealRandEpoch} is older than MaxProveCommitNiLookback ${policy.MaxProveCommitNiLookback}`
        : null,
    ].filter((m) => m !== null);
    if (problems.length > 0) batch.fail(i, Exit.ErrIllegalArgument, `${at}: ${problems.join("; ")}`);
  });
  const taken = [...seen].filter((x) => s.AllocatedSectors.has(x));
  ensure(taken.length === 0, Exit.ErrIllegalArgument, `sector numbers [${taken.join(", ")}] already allocated`);
  ensure(batch.successCount > 0, Exit.ErrIllegalArgument, "no valid NI commits specified");

  let proofs: Uint8Array[];
  try {
    proofs = splitDevnetProofs(p.AggregateProof, n);
  } catch (e) {
    throw new ActorError(Exit.ErrIllegalArgument, `AggregateProof must hold one devnet proof per sector back to back: ${(e as Error).message}`);
  }
  const entropy = entropyOf(s);
  const zero = zeroCommitment(s.Info.SectorSize);
  p.Sectors.forEach((x, i) => {
    if (!batch.ok(i)) return;
    const r = verifyPoRep({
      sealProof: p.SealProofType,
      minerId: s.Id,
      sectorNumber: x.SealingNumber,
      ticket: env.ticketRandomness(DomainSeparationTag.SealRandomness, x.SealRandEpoch, entropy),
      seed: NI_SEED,
      commD: zero,
      commR: cidToCommR(x.SealedCID),
    }, proofs[i]!, env);
    if (!r.ok) batch.fail(i, Exit.ErrIllegalArgument, `NI sector ${x.SectorNumber}: invalid proof: ${r.reason}`);
  });
  ensure(batch.successCount > 0, Exit.ErrIllegalArgument, () => `no valid NI proofs (codes ${batch.codes.join(", ")})`);

  s.AllocatedSectors = s.AllocatedSectors.union(BitField.fromSet(seen));
  const sectors = p.Sectors.flatMap((x, i): SectorOnChainInfo[] =>
    batch.ok(i)
      ? [{
          SectorNumber: x.SectorNumber,
          SealProof: p.SealProofType,
          SealedCID: x.SealedCID,
          DeprecatedDealIDs: [],
          Activation: epoch,
          Expiration: x.Expiration,
          DealWeight: 0n,
          VerifiedDealWeight: 0n,
          InitialPledge: initialPledge(s.Info.SectorSize, 0n),
          ExpectedDayReward: null,
          ExpectedStoragePledge: null,
          PowerBaseEpoch: epoch,
          ReplacedDayReward: null,
          SectorKeyCID: null,
          Flags: SIMPLE_QA_POWER,
          DailyFee: 0n,
        }]
      : [],
  );
  activateSectors(s, env, sectors, [], p.ProvingDeadline);
  return batch.encode();
}

function validCommR(cid: CID): boolean {
  try {
    cidToCommR(cid);
    return true;
  } catch {
    return false;
  }
}

// ---- 5 SubmitWindowedPoSt ----

function submitWindowedPoSt(s: MinerState, env: MinerEnv, p: SubmitWindowedPoStParams): undefined {
  const { policy, epoch } = env;
  ensure(p.Proofs.length === 1, Exit.ErrIllegalArgument, `expected exactly one PoStProof, got ${p.Proofs.length}`);
  const proof = p.Proofs[0]!;
  ensure(policy.AllowedPoStProofs.includes(proof.PoStProof) && proof.PoStProof === s.Info.WindowPoStProofType, Exit.ErrIllegalArgument,
    `PoSt proof type ${proof.PoStProof} is not the miner's window type ${s.Info.WindowPoStProofType}`);
  ensure(p.Deadline < policy.WPoStPeriodDeadlines, Exit.ErrIllegalArgument, `invalid deadline ${p.Deadline} of ${policy.WPoStPeriodDeadlines}`);
  ensure(p.ChainCommitRand.length <= 32, Exit.ErrIllegalArgument, `ChainCommitRand has ${p.ChainCommitRand.length} bytes, at most 32 accepted`);
  const limit = Math.min(policy.PoStedPartitionsMax, Math.floor(policy.AddressedSectorsMax / s.Info.WindowPoStPartitionSectors));
  ensure(p.Partitions.length <= limit, Exit.ErrIllegalArgument, `too many partitions ${p.Partitions.length}, limit ${limit}`);

  const dl = deadlineInfoAt(s.ProvingPeriodStart, epoch, policy);
  ensure(isOpen(dl), Exit.ErrIllegalState, `proving period ${dl.PeriodStart} not yet open at ${epoch}`);
  ensure(p.Deadline === dl.Index, Exit.ErrIllegalArgument, `invalid deadline ${p.Deadline} at epoch ${epoch}, expected ${dl.Index}`);
  ensure(p.ChainCommitEpoch >= dl.Challenge, Exit.ErrIllegalArgument, `ChainCommitEpoch ${p.ChainCommitEpoch} is before the challenge epoch ${dl.Challenge}`);
  ensure(p.ChainCommitEpoch < epoch, Exit.ErrIllegalArgument, `ChainCommitEpoch ${p.ChainCommitEpoch} must be before the current epoch ${epoch}`);
  const commitRand = env.ticketRandomness(DomainSeparationTag.PoStChainCommit, p.ChainCommitEpoch, EMPTY);
  ensure(sameBytes(p.ChainCommitRand, commitRand), Exit.ErrIllegalArgument, `ChainCommitRand is not the tag-9 ticket draw at ${p.ChainCommitEpoch}`);

  const deadline = s.Deadlines[p.Deadline]!;
  const indexes = p.Partitions.map((x) => x.Index);
  ensure(new Set(indexes).size === indexes.length, Exit.ErrIllegalArgument, "duplicate partitions proven");
  const again = indexes.filter((i) => deadline.PostSubmissions.has(i));
  ensure(again.length === 0, Exit.ErrIllegalArgument, `partitions [${again.join(", ")}] already proven`);

  // builtin-actors record_proven_sectors: skipped sectors turn faulty, declared recoveries and unproven
  // sectors are taken as proven; the proof must then cover exactly what is left.
  const faultExpiration = dl.Close - 1 + policy.FaultMaxAge;
  const expected: BitField[] = [];
  for (const post of p.Partitions) {
    const part = deadline.Partitions[post.Index];
    if (!part) throw new ActorError(Exit.ErrNotFound, `no such partition ${post.Index} in deadline ${p.Deadline}`);
    ensure(post.Skipped.subtract(part.Sectors).isEmpty(), Exit.ErrIllegalArgument, `partition ${post.Index}: skipped faults contain sectors outside the partition`);
    const retracted = part.Recoveries.intersect(post.Skipped);
    addFaults(part, post.Skipped.subtract(part.Terminated).subtract(part.Faults), faultExpiration);
    part.Recoveries = part.Recoveries.subtract(retracted);
    for (const n of part.Recoveries) part.FaultExpirations.delete(n);
    part.Faults = part.Faults.subtract(part.Recoveries);
    part.Recoveries = BitField.EMPTY;
    part.Unproven = BitField.EMPTY;
    expected.push(part.Sectors.subtract(part.Faults).subtract(part.Terminated));
    deadline.PostSubmissions = deadline.PostSubmissions.union(BitField.fromSet([post.Index]));
  }
  ensure(expected.some((b) => !b.isEmpty()), Exit.ErrIllegalArgument, "cannot prove partitions with no active sectors");

  if (!env.verifyProofs) return undefined;
  let proofs: Uint8Array[];
  try {
    proofs = splitDevnetProofs(proof.ProofBytes, p.Partitions.length);
  } catch (e) {
    throw new ActorError(Exit.ErrIllegalArgument, `ProofBytes must hold one devnet WindowPoSt proof per partition: ${(e as Error).message}`);
  }
  const randomness = env.beaconRandomness(DomainSeparationTag.WindowedPoStChallengeSeed, dl.Challenge, entropyOf(s));
  p.Partitions.forEach((post, k) => {
    const sectors = expected[k]!.toArray().map((n) => ({ sectorNumber: n, commR: cidToCommR(s.Sectors.get(n)!.SealedCID) }));
    const r = verifyDevnetWindowPoSt(proofs[k]!, { postProof: proof.PoStProof, minerId: s.Id, randomness, sectors });
    ensure(r.ok, Exit.ErrIllegalArgument, () => `invalid WindowPoSt for deadline ${p.Deadline} partition ${post.Index}: ${(r as { reason: string }).reason}`);
  });
  return undefined;
}

/** Marks live, non-faulty sectors faulty (builtin-actors Partition::add_faults); they leave the unproven set. */
function addFaults(part: Partition, sectors: BitField, faultExpiration: number): void {
  part.Faults = part.Faults.union(sectors);
  part.Unproven = part.Unproven.subtract(sectors);
  for (const n of sectors) part.FaultExpirations.set(n, faultExpiration);
}

// ---- 10 DeclareFaults, 11 DeclareFaultsRecovered, 9 TerminateSectors ----

/** builtin-actors DeadlineSectorMap: declarations grouped by deadline and partition (repeats merge). */
function groupDeclarations(policy: Policy, decls: SectorsDeclaration[]): Map<number, Map<number, BitField>> {
  const out = new Map<number, Map<number, BitField>>();
  let count = 0;
  for (const d of decls) {
    ensure(d.Deadline < policy.WPoStPeriodDeadlines, Exit.ErrIllegalArgument, `invalid deadline ${d.Deadline}, must be < ${policy.WPoStPeriodDeadlines}`);
    const parts = out.get(d.Deadline) ?? new Map<number, BitField>();
    parts.set(d.Partition, (parts.get(d.Partition) ?? BitField.EMPTY).union(d.Sectors));
    out.set(d.Deadline, parts);
    count += d.Sectors.size;
  }
  ensure(count <= policy.AddressedSectorsMax, Exit.ErrIllegalArgument, `${count} sectors addressed, at most ${policy.AddressedSectorsMax}`);
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

function partitionOf(s: MinerState, dl: number, index: number): Partition {
  const part = s.Deadlines[dl]!.Partitions[index];
  if (!part) throw new ActorError(Exit.ErrNotFound, `no such partition ${index} in deadline ${dl}`);
  return part;
}

/** The next occurrence of deadline `index` that has not closed, whose FaultCutoff must not have passed. */
function declarationDeadline(s: MinerState, env: MinerEnv, index: number, what: string): DeadlineInfo {
  const target = nextNotElapsed(newDeadlineInfo(periodStartAt(s, env), index, env.epoch, env.policy));
  ensure(!faultCutoffPassed(target), Exit.ErrIllegalArgument,
    `late ${what} declaration for deadline ${index}: its FaultCutoff ${target.FaultCutoff} has passed at ${env.epoch}`);
  return target;
}

function declareFaults(s: MinerState, env: MinerEnv, decls: SectorsDeclaration[]): undefined {
  for (const [dlIdx, parts] of groupDeclarations(env.policy, decls)) {
    const target = declarationDeadline(s, env, dlIdx, "fault");
    const faultExpiration = target.Close - 1 + env.policy.FaultMaxAge;
    for (const [pIdx, sectors] of parts) {
      const part = partitionOf(s, dlIdx, pIdx);
      ensure(sectors.subtract(part.Sectors).isEmpty(), Exit.ErrIllegalArgument, `failed fault declaration: not all sectors are assigned to partition ${pIdx}`);
      const retracted = part.Recoveries.intersect(sectors);
      addFaults(part, sectors.subtract(part.Terminated).subtract(part.Faults), faultExpiration);
      part.Recoveries = part.Recoveries.subtract(retracted);
    }
  }
  return undefined;
}

function declareRecoveries(s: MinerState, env: MinerEnv, decls: SectorsDeclaration[]): undefined {
  for (const [dlIdx, parts] of groupDeclarations(env.policy, decls)) {
    declarationDeadline(s, env, dlIdx, "recovery");
    for (const [pIdx, sectors] of parts) {
      const part = partitionOf(s, dlIdx, pIdx);
      ensure(sectors.subtract(part.Sectors).isEmpty(), Exit.ErrIllegalArgument, `failed recovery declaration: not all sectors are assigned to partition ${pIdx}`);
      part.Recoveries = part.Recoveries.union(sectors.intersect(part.Faults));
    }
  }
  return undefined;
}

function terminateSectors(s: MinerState, env: MinerEnv, p: TerminateSectorsParams): Uint8Array {
  const periodStart = periodStartAt(s, env);
  for (const [dlIdx, parts] of groupDeclarations(env.policy, p.Terminations)) {
    ensure(deadlineIsMutable(periodStart, dlIdx, env.epoch, env.policy), Exit.ErrIllegalArgument, `cannot terminate sectors in immutable deadline ${dlIdx}`);
    for (const [pIdx, sectors] of parts) {
      const part = partitionOf(s, dlIdx, pIdx);
      ensure(sectors.subtract(liveSectors(part)).isEmpty(), Exit.ErrIllegalArgument, `partition ${pIdx} of deadline ${dlIdx}: can only terminate live sectors`);
      removeSectors(s, part, sectors);
    }
  }
  return TerminateSectorsReturn.encode({ Done: true });
}

/** Terminates (or expires) live sectors and releases their pledge; there is no termination fee on the devnet. */
function removeSectors(s: MinerState, part: Partition, sectors: BitField): void {
  part.Terminated = part.Terminated.union(sectors);
  part.Faults = part.Faults.subtract(sectors);
  part.Recoveries = part.Recoveries.subtract(sectors);
  part.Unproven = part.Unproven.subtract(sectors);
  for (const n of sectors) {
    part.FaultExpirations.delete(n);
    s.InitialPledge -= s.Sectors.get(n)?.InitialPledge ?? 0n;
  }
}

// ---- 32 ExtendSectorExpiration2 ----

function extendSectorExpiration2(s: MinerState, env: MinerEnv, p: ExtendSectorExpiration2Params): undefined {
  const { policy, epoch } = env;
  for (const decl of p.Extensions) {
    ensure(decl.Deadline < policy.WPoStPeriodDeadlines, Exit.ErrIllegalArgument, `deadline ${decl.Deadline} not in range 0..${policy.WPoStPeriodDeadlines}`);
    for (const sc of decl.SectorsWithClaims)
      ensure(sc.DropClaims.length === 0, Exit.ErrIllegalArgument, `sector ${sc.SectorNumber}: the devnet keeps no claim ids, so claims cannot be dropped`);
  }
  for (const decl of p.Extensions) {
    const part = partitionOf(s, decl.Deadline, decl.Partition);
    const withClaims = new Set(decl.SectorsWithClaims.map((sc) => sc.SectorNumber));
    const numbers = decl.Sectors.union(BitField.fromSet(withClaims));
    const updated: SectorOnChainInfo[] = [];
    for (const n of numbers) {
      const info = s.Sectors.get(n);
      if (!info) throw new ActorError(Exit.ErrNotFound, `sector ${n} not found`);
      ensure(info.Expiration >= epoch, Exit.ErrForbidden, `cannot extend expiration for expired sector ${n} at ${info.Expiration}`);
      ensure(decl.NewExpiration >= info.Expiration, Exit.ErrIllegalArgument, `cannot reduce sector ${n} expiration to ${decl.NewExpiration} from ${info.Expiration}`);
      const bad = expirationProblem(policy, epoch, info.Activation, decl.NewExpiration, info.SealProof);
      ensure(bad === null, Exit.ErrIllegalArgument, () => `sector ${n}: ${bad}`);
      ensure(info.VerifiedDealWeight === 0n || withClaims.has(n), Exit.ErrIllegalArgument,
        `claim missing from declaration for sector ${n} with verified deal weight ${info.VerifiedDealWeight}`);
      // builtin-actors extend_simple_qap_sector: weights re-based on the current epoch, so power is unchanged.
      const oldDuration = BigInt(info.Expiration - info.PowerBaseEpoch);
      const newDuration = BigInt(decl.NewExpiration - epoch);
      updated.push({
        ...info,
        Expiration: decl.NewExpiration,
        PowerBaseEpoch: epoch,
        DealWeight: oldDuration > 0n ? (info.DealWeight * BigInt(info.Expiration - epoch)) / oldDuration : 0n,
        VerifiedDealWeight: oldDuration > 0n ? (info.VerifiedDealWeight / oldDuration) * newDuration : 0n,
      });
    }
    ensure(numbers.subtract(activeSectors(part)).isEmpty(), Exit.ErrIllegalState,
      `refusing to extend inactive sectors [${numbers.subtract(activeSectors(part)).toArray().join(", ")}] of deadline ${decl.Deadline} partition ${decl.Partition}`);
    for (const info of updated) s.Sectors.set(info.SectorNumber, info);
  }
  return undefined;
}

// ---- 19 CompactPartitions ----

function compactPartitions(s: MinerState, env: MinerEnv, p: CompactPartitionsParams): undefined {
  const { policy, epoch } = env;
  ensure(p.Deadline < policy.WPoStPeriodDeadlines, Exit.ErrIllegalArgument, `invalid deadline ${p.Deadline}`);
  ensure(deadlineAvailableForCompaction(periodStartAt(s, env), p.Deadline, epoch, policy), Exit.ErrForbidden,
    `cannot compact deadline ${p.Deadline} during its challenge window, the prior one, or within WPoStDisputeWindow ${policy.WPoStDisputeWindow} after it`);
  const limit = Math.floor(policy.AddressedSectorsMax / s.Info.WindowPoStPartitionSectors);
  ensure(p.Partitions.size <= limit, Exit.ErrIllegalArgument, `too many partitions ${p.Partitions.size}, limit ${limit}`);
  const d = s.Deadlines[p.Deadline]!;
  const last = p.Partitions.last();
  if (last === undefined) return undefined;
  ensure(last < d.Partitions.length, Exit.ErrIllegalArgument, `partition index ${last} out of range [0, ${d.Partitions.length})`);
  const keep: Partition[] = [];
  let live = BitField.EMPTY;
  d.Partitions.forEach((part, i) => {
    if (!p.Partitions.has(i)) return void keep.push(part);
    ensure(part.Faults.isEmpty(), Exit.ErrIllegalArgument, `cannot remove partition ${i}: has faults`);
    ensure(part.Unproven.isEmpty(), Exit.ErrIllegalArgument, `cannot remove partition ${i}: has unproven sectors`);
    live = live.union(liveSectors(part));
    for (const n of part.Terminated) s.Sectors.delete(n);
  });
  d.Partitions = keep;
  // Proofs already submitted this period refer to the old indexes; builtin-actors forbids compaction then anyway.
  addSectorsToDeadline(s, p.Deadline, live.toArray(), true);
  return undefined;
}

/** builtin-actors deadline_available_for_compaction: mutable and past the dispute window of its last proof. */
export function deadlineAvailableForCompaction(periodStart: number, index: number, epoch: number, policy: Policy): boolean {
  if (!deadlineIsMutable(periodStart, index, epoch, policy)) return false;
  if (periodStart > epoch) return true;
  const dl = nextNotElapsed(newDeadlineInfo(periodStart, index, epoch, policy));
  const disputable = !isOpen(dl) && epoch < dl.Close - policy.WPoStProvingPeriod + policy.WPoStDisputeWindow;
  return !disputable;
}

// ---- 16 WithdrawBalance ----

function withdrawBalance(s: MinerState, ctx: MessageContext, p: WithdrawBalanceParams): MethodOutput {
  ensure(p.AmountRequested >= 0n, Exit.ErrIllegalArgument, `negative fund requested for withdrawal: ${p.AmountRequested}`);
  // The beneficiary is always the owner on the devnet.
  ensure(ctx.caller === s.Info.Owner, Exit.ErrForbidden, `caller ${ctx.caller} is not the owner ${s.Info.Owner} of miner ${s.Id}`);
  const available = availableBalance(s);
  const amount = available < p.AmountRequested ? available : p.AmountRequested;
  ensure(amount >= 0n, Exit.ErrIllegalState, `negative amount to withdraw: ${amount}`);
  s.Balance -= amount;
  return { ret: encodeCbor(filBigInt(amount)), ...(amount > 0n ? { sent: [{ to: s.Info.Owner, amount }] } : {}) };
}

// ---- end of deadline (builtin-actors handle_proving_deadline / State::advance_deadline) ----

/**
 * Processes every deadline whose Close is at or before `env.epoch`, in order: expired pre-commits lose their
 * deposit, partitions without a PoSt turn faulty (failed recoveries stay faulty), sectors past their expiration or
 * faulty for FaultMaxAge are terminated, PoSt submissions are cleared, and the proving period advances after the
 * last deadline. Call it before the messages of each epoch (a no-op unless a deadline closed).
 */
export function processDeadlineEnd(state: MinerState, env: MinerEnv): MinerState {
  let s: MinerState | null = null;
  for (;;) {
    const cur = s ?? state;
    const dl = newDeadlineInfo(cur.ProvingPeriodStart, cur.CurrentDeadline, env.epoch, env.policy);
    if (dl.Close > env.epoch) return cur;
    s ??= cloneMinerState(state);
    endDeadline(s, env, dl);
  }
}

/** The chain's per-epoch hook: the same as processDeadlineEnd. */
export const cronTick = processDeadlineEnd;

/** Epoch at which the miner's current deadline closes (when processDeadlineEnd next has work). */
export function nextDeadlineClose(state: MinerState, policy: Policy): number {
  return newDeadlineInfo(state.ProvingPeriodStart, state.CurrentDeadline, state.ProvingPeriodStart, policy).Close;
}

function endDeadline(s: MinerState, env: MinerEnv, dl: DeadlineInfo): void {
  const { policy } = env;
  const last = dl.Close - 1;
  for (const [n, pc] of s.PreCommittedSectors) {
    if (pc.PreCommitEpoch + maxProveCommitDuration(policy, pc.Info.SealProof) > last) continue;
    s.PreCommittedSectors.delete(n);
    s.PreCommitDeposits -= pc.PreCommitDeposit;
    s.Balance -= pc.PreCommitDeposit;
    s.Burnt += pc.PreCommitDeposit;
  }

  const deadline = s.Deadlines[dl.Index]!;
  const faultExpiration = last + policy.FaultMaxAge;
  deadline.Partitions.forEach((part, i) => {
    if (deadline.PostSubmissions.has(i)) return;
    // builtin-actors Partition::record_missed_post: every live sector is faulty, recoveries failed.
    const live = liveSectors(part);
    addFaults(part, live.subtract(part.Faults), faultExpiration);
    part.Recoveries = BitField.EMPTY;
    part.Unproven = BitField.EMPTY;
  });
  for (const part of deadline.Partitions) {
    const expired = liveSectors(part)
      .toArray()
      .filter((n) => s.Sectors.get(n)!.Expiration <= last || (part.Faults.has(n) && (part.FaultExpirations.get(n) ?? Infinity) <= last));
    if (expired.length > 0) removeSectors(s, part, BitField.fromSet(expired));
  }
  deadline.PostSubmissions = BitField.EMPTY;

  s.CurrentDeadline = (dl.Index + 1) % policy.WPoStPeriodDeadlines;
  if (s.CurrentDeadline === 0) s.ProvingPeriodStart = dl.PeriodStart + policy.WPoStProvingPeriod;
}

/** Sum of the power of every active sector (faulty and unproven sectors have none). */
export function minerPower(s: MinerState): PowerPair {
  const total: PowerPair = { raw: 0n, qa: 0n };
  for (const d of s.Deadlines)
    for (const part of d.Partitions)
      for (const n of activeSectors(part)) {
        const pw = sectorPower(s.Info.SectorSize, s.Sectors.get(n)!);
        total.raw += pw.raw;
        total.qa += pw.qa;
      }
  return total;
}
