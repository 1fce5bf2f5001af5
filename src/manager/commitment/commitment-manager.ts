// The commitment manager (spec/manager.md §8.4, §5.3; protocols.md §1.6): SubmitPreCommit / SubmitProof validation,
// one PreCommit and one ProveCommit batcher per miner, sending through the messager, and PollPreCommitState /
// PollProofState. Durability order: an accepted sector's NeedSend is stored before the answer; a batch's message
// is recorded with the batch (which clears NeedSend) in one transaction before it is pushed; a restart re-queues
// NeedSend sectors and pushes open batches again under their uid (the messager pushes a uid at most once).

import { randomUUID } from "node:crypto";
import { SubmitResult, OnChainState, type PollStateResp, type PreCommitInfo, type SubmitResp, type TerminateInfo } from "../../api/sealer-types.js";
import type { TipSet } from "../../api/lotus-types.js";
import { MessageFailedError, selectSender, type MsgResult, type OutgoingMessage, type SendSpec } from "../../chain/index.js";
import type { CommitKind, ManagerStore, SectorRecord } from "../../db/manager-store.js";
import { SectorNotFoundError } from "../../db/manager-store.js";
import { formatIdAddress, idAddressBytes } from "../../filecoin/address.js";
import { BitField } from "../../filecoin/bitfield.js";
import { cidToCommD, cidToCommR, commDToCid, commRToCid, parsePieceCid, pieceCidV1 } from "../../filecoin/cid.js";
import { encodeCbor } from "../../filecoin/cbor.js";
import {
  ExitCode,
  MinerMethod,
  PreCommitSectorBatchParams2,
  ProveCommitSectors3Params,
  TerminateSectorsParams,
  type PieceActivationManifest,
  type SectorActivationManifest,
  type SectorPreCommitInfo,
} from "../../filecoin/miner-params.js";
import { EPOCHS_IN_DAY, MAX_PRE_COMMIT_RANDOMNESS_LOOKBACK, maxProveCommitDuration, sectorMaxLifetime } from "../../filecoin/policy.js";
import { sealProofType } from "../../filecoin/proof-types.js";
import { commDFromPieces } from "../../proofs/commd.js";
import { isDevnetProof } from "../../proofs/devnet-proof.js";
import { verifyDevnetPoRep } from "../../proofs/porep-verify.js";
import { zeroCommitment } from "../../proofs/zero-commitments.js";
import { effectiveGasFeeCap, type CommitmentPolicyConfig, type MinerConfig } from "../config/schema.js";
import { commitView, patchDoc, type CommitView } from "./sector-doc.js";
import type { BatchKind, CommitmentDeps, CommitmentManager, SectorIdRef, SectorRef } from "./types.js";

/** A queued precommit whose ticket would expire within this many epochs is sent at once (manager.md §8.4 rule). */
export const TICKET_EXPIRY_GUARD_EPOCHS = 480;
/** A queued proof whose PreCommitEpoch + MaxProveCommitDuration is within this many epochs of the head is sent at once. */
export const PROVE_DEADLINE_GUARD_EPOCHS = 480;
/** builtin-actors PreCommitSectorBatchMaxSize; also the cap of one ProveCommitSectors3 here. */
export const MAX_SECTORS_PER_MESSAGE = 256;
/** The built-in market actor, notified of activated deal pieces. */
const MARKET_ACTOR_ID = 5;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const minerAddr = (miner: number): string => formatIdAddress(miner, "t");
const sectorName = (miner: number, number: number): string => `s-t0${miner}-${number}`;

const rejected = (desc: string): SubmitResp => ({ Res: SubmitResult.Rejected, Desc: desc });
const mismatched = (desc: string): SubmitResp => ({ Res: SubmitResult.MismatchedSubmission, Desc: desc });
const accepted = (): SubmitResp => ({ Res: SubmitResult.Accepted, Desc: null });
const poll = (State: OnChainState, Desc: string | null = null): PollStateResp => ({ State, Desc });

function policyOf(cfg: MinerConfig, kind: BatchKind): CommitmentPolicyConfig {
  return kind === "precommit" ? cfg.Commitment.Pre : kind === "provecommit" ? cfg.Commitment.Prove : cfg.Commitment.Terminate;
}

/** The fee block of a message of `count` sectors: the `.Batch` one for more than one sector, else the policy's (§8.4). */
export function sendSpecOf(p: CommitmentPolicyConfig, count: number): SendSpec {
  const fee = count > 1 ? p.Batch : p;
  const spec: SendSpec = { gasOverEstimation: fee.GasOverEstimation, gasOverPremium: fee.GasOverPremium };
  const cap = effectiveGasFeeCap(fee);
  if (cap > 0n) spec.gasFeeCap = cap;
  return spec;
}

/** The SendSpec recorded with a batch's message (absent in batches recorded before fees were kept). */
function storedSendSpec(spec: unknown): SendSpec {
  const s = (spec ?? {}) as Record<string, unknown>;
  const out: SendSpec = {};
  if (typeof s["gasFeeCap"] === "bigint") out.gasFeeCap = s["gasFeeCap"];
  if (typeof s["maxFee"] === "bigint") out.maxFee = s["maxFee"];
  if (typeof s["gasOverEstimation"] === "number") out.gasOverEstimation = s["gasOverEstimation"];
  if (typeof s["gasOverPremium"] === "number") out.gasOverPremium = s["gasOverPremium"];
  return out;
}

function sendersOf(p: CommitmentPolicyConfig): string[] {
  const list = [...p.Senders];
  if (p.Sender && !list.includes(p.Sender)) list.push(p.Sender);
  return list;
}

/** CommD of the sector's pieces (CC: zero(S)), as the actor recomputes it at ProveCommit. */
function expectedCommD(sectorSize: number, view: CommitView): Uint8Array {
  return commDFromPieces(
    sectorSize,
    view.pieces.map((p, i) => ({ size: p.Piece.Size, commP: parsePieceCid(p.Piece.PieceCID).root, label: `piece ${i} (${p.Piece.PieceCID.toString()})` })),
  );
}

/** Exit codes after which the worker re-submits (Failed) rather than stops (PermFailed). */
const RETRYABLE_EXITS: ReadonlySet<number> = new Set([ExitCode.SysErrInsufficientFunds, ExitCode.SysErrOutOfGas, ExitCode.ErrInsufficientFunds]);

/** A message's content; `sectors` when only some of the queued sectors go in it. */
interface Built {
  method: number;
  params: Uint8Array;
  funds: bigint;
  sectors?: number[];
}

interface Queued {
  /** clock.now() when the sector entered the queue. */
  since: number;
}

class Batcher {
  readonly queue = new Map<number, Queued>();
  /** One send at a time; callers chain on it. */
  private sending: Promise<void> = Promise.resolve();
  private loop: Promise<void> | null = null;

  constructor(
    private readonly mgr: Manager,
    readonly miner: number,
    readonly kind: BatchKind,
  ) {}

  start(signal: AbortSignal): void {
    if (this.loop) return;
    this.loop = (async () => {
      while (!signal.aborted) {
        const cfg = this.mgr.deps.minerConfig(this.miner);
        const interval = cfg ? policyOf(cfg, this.kind).Batch.CheckInterval : 60_000;
        try {
          await this.mgr.deps.clock.sleep(Math.max(1, interval), signal);
        } catch {
          return; // aborted
        }
        await this.run("tick", false);
      }
    })();
  }

  async stopped(): Promise<void> {
    await this.loop;
    this.loop = null;
    await this.sending;
  }

  add(number: number, since: number): void {
    if (!this.queue.has(number)) this.queue.set(number, { since });
  }

  /** Decides and sends under the one-send lock; `force` sends whatever is queued. */
  run(trigger: string, force: boolean): Promise<void> {
    const next = this.sending.then(async () => {
      try {
        const reason = force ? "forced" : await this.due(trigger);
        if (reason && this.queue.size > 0) await this.mgr.sendBatch(this, reason);
      } catch (e) {
        this.mgr.deps.logger.error({ miner: this.miner, kind: this.kind, err: String(e) }, "commitment batch not sent");
        if (force) throw e;
      }
    });
    this.sending = next.catch(() => {});
    return next;
  }

  /** Why the queue goes out now, or null (manager.md §8.4 batcher rules). */
  private async due(trigger: string): Promise<string | null> {
    if (this.queue.size === 0) return null;
    const cfg = this.mgr.deps.minerConfig(this.miner);
    if (!cfg) return null;
    const batch = policyOf(cfg, this.kind).Batch;
    if (this.queue.size >= Math.max(1, batch.Threshold)) return `full (${this.queue.size} ≥ Threshold ${batch.Threshold})`;
    const now = this.mgr.deps.clock.now();
    for (const q of this.queue.values()) if (now - q.since >= batch.MaxWait) return `MaxWait ${batch.MaxWait} ms reached (${trigger})`;
    const head = await this.mgr.deps.chain.head();
    if (batch.BaseFeeThreshold !== undefined) {
      const baseFee = head.Blocks[0]?.ParentBaseFee;
      if (baseFee !== undefined && baseFee < batch.BaseFeeThreshold) return `base fee ${baseFee} below BaseFeeThreshold ${batch.BaseFeeThreshold}`;
    }
    if (this.kind === "precommit") {
      for (const number of this.queue.keys()) {
        const rec = await this.mgr.deps.store.getSector(this.miner, number, { online: true });
        const epoch = rec ? commitView(rec.doc).ticket?.Epoch : undefined;
        if (epoch !== undefined && epoch + MAX_PRE_COMMIT_RANDOMNESS_LOOKBACK - head.Height <= TICKET_EXPIRY_GUARD_EPOCHS)
          return `ticket of sector ${number} expires within ${TICKET_EXPIRY_GUARD_EPOCHS} epochs`;
      }
    }
    if (this.kind === "provecommit") {
      // The actor refuses a ProveCommit after PreCommitEpoch + MaxProveCommitDuration (and the deposit is lost).
      const delay = this.mgr.deps.network().preCommitChallengeDelay;
      for (const number of this.queue.keys()) {
        const rec = await this.mgr.deps.store.getSector(this.miner, number, { online: true });
        if (!rec) continue;
        const pci = await this.mgr.deps.chain.StateSectorPreCommitInfo(formatIdAddress(this.miner, "t"), number, []);
        if (!pci) continue;
        const deadline = pci.PreCommitEpoch + maxProveCommitDuration({ PreCommitChallengeDelay: delay }, rec.proofType);
        if (deadline - head.Height <= PROVE_DEADLINE_GUARD_EPOCHS)
          return `prove-commit deadline of sector ${number} (epoch ${deadline}) is within ${PROVE_DEADLINE_GUARD_EPOCHS} epochs`;
      }
    }
    return null;
  }
}

/** Per-key serialisation: two submits of one sector never check and write side by side. */
class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = next.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

class Manager implements CommitmentManager {
  private readonly batchers = new Map<string, Batcher>();
  private readonly locks = new KeyedLock();
  private life = new AbortController();
  private started = false;

  constructor(readonly deps: CommitmentDeps) {}

  private get store(): ManagerStore {
    return this.deps.store;
  }

  private batcher(miner: number, kind: BatchKind): Batcher {
    const key = `${miner}/${kind}`;
    let b = this.batchers.get(key);
    if (!b) {
      b = new Batcher(this, miner, kind);
      this.batchers.set(key, b);
      if (this.started) b.start(this.life.signal);
    }
    return b;
  }

  private async sector(sid: SectorIdRef, online?: boolean): Promise<SectorRecord> {
    const rec = await this.store.getSector(sid.miner, sid.number, online === undefined ? undefined : { online });
    if (!rec) throw new SectorNotFoundError(sid.miner, sid.number, online);
    return rec;
  }

  // ---- SubmitPreCommit ----

  async submitPreCommit(sector: SectorRef, info: { CommR: Uint8Array; CommD: Uint8Array; Ticket: { Ticket: Uint8Array; Epoch: number } }, reset: boolean): Promise<SubmitResp> {
    const res = await this.locks.run(sectorName(sector.miner, sector.number), () => this.doSubmitPreCommit(sector, info, reset));
    this.deps.metrics?.submitted("precommit", String(res.Res));
    return res;
  }

  private async doSubmitPreCommit(
    sector: SectorRef,
    info: { CommR: Uint8Array; CommD: Uint8Array; Ticket: { Ticket: Uint8Array; Epoch: number } },
    reset: boolean,
  ): Promise<SubmitResp> {
    const { miner, number } = sector;
    const rec = await this.sector(sector, true);
    if (!this.deps.minerConfig(miner)) return rejected(`miner ${miner} is not served by this manager`);
    const view = commitView(rec.doc);
    const pre: PreCommitInfo = { CommR: commRToCid(info.CommR), CommD: commDToCid(info.CommD), Ticket: info.Ticket };
    if (view.pre && !reset) {
      const same =
        view.pre.CommR.equals(pre.CommR) &&
        view.pre.CommD.equals(pre.CommD) &&
        view.pre.Ticket.Epoch === info.Ticket.Epoch &&
        sameBytes(view.pre.Ticket.Ticket, info.Ticket.Ticket);
      return same ? accepted() : mismatched(`sector ${sectorName(miner, number)} already has a different PreCommit; submit with reset to replace it`);
    }

    // checkPrecommit (Damocles check.go, filecoin.md §18.4)
    const proof = sealProofType(rec.proofType);
    if (view.ticket && (view.ticket.Epoch !== info.Ticket.Epoch || !sameBytes(view.ticket.Ticket, info.Ticket.Ticket)))
      return rejected(`ticket (epoch ${info.Ticket.Epoch}) differs from the one AssignTicket gave (epoch ${view.ticket.Epoch})`);
    const head = await this.deps.chain.head();
    if (info.Ticket.Epoch >= head.Height) return rejected(`ticket epoch ${info.Ticket.Epoch} is not before the head ${head.Height}`);
    if (head.Height - info.Ticket.Epoch > MAX_PRE_COMMIT_RANDOMNESS_LOOKBACK)
      return rejected(`ticket expired: epoch ${info.Ticket.Epoch} is more than MaxPreCommitRandomnessLookback ${MAX_PRE_COMMIT_RANDOMNESS_LOOKBACK} before the head ${head.Height}`);
    let commD: Uint8Array;
    try {
      commD = expectedCommD(proof.sectorSize, view);
    } catch (e) {
      return rejected(`pieces do not fit the sector: ${(e as Error).message}`);
    }
    if (!sameBytes(commD, info.CommD)) return mismatched(`bad CommD: the sector's pieces give ${commDToCid(commD).toString()}, submitted ${pre.CommD.toString()}`);

    const maddr = minerAddr(miner);
    const onChain = await this.deps.chain.StateSectorPreCommitInfo(maddr, number, []);
    if (onChain) {
      if (onChain.Info.SealedCID.toString() !== pre.CommR.toString()) return rejected(`a different PreCommit (CommR ${onChain.Info.SealedCID.toString()}) is on chain`);
      await this.store.updateSector(miner, number, (cur) => ({ ...cur, doc: patchDoc(cur.doc, { pre }) }), { online: true });
      return accepted();
    }
    if (await this.deps.chain.StateMinerSectorAllocated(maddr, number, []))
      return rejected(`sector number ${number} is already allocated on chain for ${maddr}`);

    await this.accept(sector, "precommit", (doc) => patchDoc(doc, { pre, messageInfo: { ...commitView(doc).messageInfo, PreCommitCid: null, NeedSend: true } }));
    return accepted();
  }

  /** NeedSend and the document change in one store write, then the sector joins the queue. */
  private async accept(sid: SectorIdRef, kind: BatchKind, patch: (doc: SectorRecord["doc"]) => SectorRecord["doc"]): Promise<void> {
    await this.store.updateSector(sid.miner, sid.number, (cur) => ({ ...cur, needSend: kind as CommitKind, doc: patch(cur.doc) }), { online: true });
    const b = this.batcher(sid.miner, kind);
    b.add(sid.number, this.deps.clock.now());
    void b.run("new sector", false);
  }

  // ---- SubmitProof ----

  async submitProof(sid: SectorIdRef, info: { Proof: Uint8Array }, reset: boolean): Promise<SubmitResp> {
    const res = await this.locks.run(sectorName(sid.miner, sid.number), () => this.doSubmitProof(sid, info, reset));
    this.deps.metrics?.submitted("provecommit", String(res.Res));
    return res;
  }

  private async doSubmitProof(sid: SectorIdRef, info: { Proof: Uint8Array }, reset: boolean): Promise<SubmitResp> {
    const { miner, number } = sid;
    const rec = await this.sector(sid, true);
    if (!this.deps.minerConfig(miner)) return rejected(`miner ${miner} is not served by this manager`);
    const view = commitView(rec.doc);
    if (!view.pre) return rejected(`sector ${sectorName(miner, number)} has no PreCommit`);
    if (info.Proof.length === 0) return rejected("empty proof");
    if (view.proof && !reset)
      return sameBytes(view.proof, info.Proof) ? accepted() : mismatched(`sector ${sectorName(miner, number)} already has a different proof; submit with reset to replace it`);

    // checkCommit
    const maddr = minerAddr(miner);
    const pci = await this.deps.chain.StateSectorPreCommitInfo(maddr, number, []);
    if (!pci) {
      if (await this.deps.chain.StateSectorGetInfo(maddr, number, [])) return accepted(); // already proven
      return rejected(`no PreCommit of sector ${number} on chain for ${maddr}`);
    }
    if (pci.Info.SealedCID.toString() !== view.pre.CommR.toString()) return rejected(`CommR on chain ${pci.Info.SealedCID.toString()} differs from the sector's ${view.pre.CommR.toString()}`);
    const net = this.deps.network();
    const seedEpoch = pci.PreCommitEpoch + net.preCommitChallengeDelay;
    if (!view.seed) return rejected("no seed assigned (WaitSeed)");
    if (view.seed.Epoch !== seedEpoch) return rejected(`seed epoch ${view.seed.Epoch} is not PreCommitEpoch ${pci.PreCommitEpoch} + PreCommitChallengeDelay ${net.preCommitChallengeDelay} = ${seedEpoch}`);
    const chainSeed = await this.deps.chain.interactiveSeed(miner, pci.PreCommitEpoch, net.preCommitChallengeDelay);
    if (!sameBytes(chainSeed.seed, view.seed.Seed)) return rejected(`seed differs from the chain's randomness at epoch ${seedEpoch}`);
    if (pci.Info.SealRandEpoch !== view.pre.Ticket.Epoch) return rejected(`ticket epoch ${view.pre.Ticket.Epoch} differs from SealRandEpoch ${pci.Info.SealRandEpoch} on chain`);

    if (isDevnetProof(info.Proof)) {
      if (!net.devnet) return rejected(`devnet proofs are sent only to the "damocles-devnet" network, not "${net.name}" (devnet.md §8.4)`);
      const sectorSize = sealProofType(pci.Info.SealProof).sectorSize;
      const v = verifyDevnetPoRep(info.Proof, {
        sealProof: pci.Info.SealProof,
        minerId: miner,
        sectorNumber: number,
        ticket: view.pre.Ticket.Ticket,
        seed: chainSeed.seed,
        commD: pci.Info.UnsealedCid ? cidToCommD(pci.Info.UnsealedCid) : zeroCommitment(sectorSize),
        commR: cidToCommR(pci.Info.SealedCID),
      });
      if (!v.ok) return rejected(`devnet proof verification failed: ${v.reason}`);
    } else if (net.devnet) {
      return rejected('the "damocles-devnet" network accepts only devnet proofs');
    } else {
      this.deps.logger.warn({ miner, number }, "proof not verified: no external verifier is configured");
    }

    await this.accept(sid, "provecommit", (doc) =>
      patchDoc(doc, { proof: info.Proof, messageInfo: { ...commitView(doc).messageInfo, CommitCid: null, NeedSend: true } }),
    );
    return accepted();
  }

  // ---- Poll ----

  preCommitState(sid: SectorIdRef): Promise<PollStateResp> {
    return this.state(sid, "precommit");
  }

  proofState(sid: SectorIdRef): Promise<PollStateResp> {
    return this.state(sid, "provecommit");
  }

  // ---- TerminateSector ----

  submitTerminate(sid: SectorIdRef): Promise<SubmitResp> {
    return this.locks.run(sectorName(sid.miner, sid.number), () => this.doSubmitTerminate(sid));
  }

  private async doSubmitTerminate(sid: SectorIdRef): Promise<SubmitResp> {
    const rec = await this.sector(sid);
    if (!this.deps.minerConfig(sid.miner)) return rejected(`miner ${sid.miner} is not served by this manager`);
    const ti = commitView(rec.doc).terminateInfo;
    if (ti.AddedHeight > 0 || rec.needSend === "terminate") return accepted(); // already submitted
    if (!(await this.deps.chain.StateSectorGetInfo(minerAddr(sid.miner), sid.number, [])))
      return rejected(`sector ${sectorName(sid.miner, sid.number)} is not on chain`);
    const head = await this.deps.chain.head();
    await this.store.updateSector(
      sid.miner,
      sid.number,
      (cur) => ({ ...cur, needSend: "terminate", doc: patchDoc(cur.doc, { terminateInfo: { ...commitView(cur.doc).terminateInfo, AddedHeight: head.Height } }) }),
      { online: rec.online },
    );
    const b = this.batcher(sid.miner, "terminate");
    b.add(sid.number, this.deps.clock.now());
    void b.run("new sector", false);
    this.deps.metrics?.submitted("terminate", String(SubmitResult.Accepted));
    return accepted();
  }

  /** `PollTerminateSectorState`: TerminatedAt is set once the message landed with Confidence and exit code 0. */
  async terminateState(sid: SectorIdRef): Promise<TerminateInfo> {
    const rec = await this.sector(sid);
    const ti = commitView(rec.doc).terminateInfo;
    if (ti.TerminatedAt > 0 || rec.needSend === "terminate") return ti;
    const found = await this.store.findSectorMessage(sid.miner, sid.number, "terminate");
    if (!found || found.message.state === "failed") return ti;
    const res = await this.deps.messager.search(found.message.uid).catch((e: unknown) => {
      if (e instanceof MessageFailedError) return null;
      throw e;
    });
    if (!res) return ti;
    const confidence = this.deps.minerConfig(sid.miner)?.Commitment.Confidence ?? 10;
    const head = await this.deps.chain.head();
    const done = res.receipt.ExitCode === ExitCode.Ok && head.Height - res.height >= confidence;
    const next: TerminateInfo = { ...ti, TerminateCid: res.cid, TerminatedAt: done ? res.height : 0 };
    await this.store.updateSector(sid.miner, sid.number, (cur) => ({ ...cur, doc: patchDoc(cur.doc, { terminateInfo: next }) }), { online: rec.online });
    return next;
  }

  /** The §8.4 table. */
  private async state(sid: SectorIdRef, kind: "precommit" | "provecommit"): Promise<PollStateResp> {
    const rec = await this.sector(sid);
    if (rec.needSend === kind) return poll(OnChainState.Pending);
    const cfg = this.deps.minerConfig(sid.miner);
    const confidence = cfg?.Commitment.Confidence ?? 10;
    const found = await this.store.findSectorMessage(sid.miner, sid.number, kind);
    if (!found) {
      // Accepted because already on chain (no message of ours), or a lost publish.
      if (await this.onChainCheck(sid, kind) === null) return poll(OnChainState.Landed);
      return poll(OnChainState.Failed, "no message and NeedSend is not set");
    }
    const { message } = found;
    // A re-submission accepted because the commitment was on chain meanwhile sends no new message.
    const failed = async (why: string): Promise<PollStateResp> =>
      (await this.onChainCheck(sid, kind)) === null ? poll(OnChainState.Landed) : poll(OnChainState.Failed, why);
    if (message.state === "failed") return failed(`message ${message.uid} failed: ${message.error ?? "unknown"}`);
    let res: MsgResult | null;
    try {
      res = await this.deps.messager.search(message.uid);
    } catch (e) {
      if (e instanceof MessageFailedError) {
        if (e.reason === "nonce-conflict") return poll(OnChainState.Packed, e.message);
        await this.store.markFailed(message.uid, e.message);
        return failed(e.message);
      }
      throw e;
    }
    if (!res) return poll(OnChainState.Pending);
    if (message.state !== "landed" || message.height !== res.height) {
      await this.store.markLanded(message.uid, {
        receipt: { exitCode: res.receipt.ExitCode, return: res.receipt.Return, gasUsed: BigInt(res.receipt.GasUsed) },
        tipset: res.tipSet.map((c) => c.toString()).join(","),
        height: res.height,
      });
      await this.store.updateSector(sid.miner, sid.number, (cur) => {
        const mi = commitView(cur.doc).messageInfo;
        return { ...cur, doc: patchDoc(cur.doc, { messageInfo: kind === "precommit" ? { ...mi, PreCommitCid: res.cid } : { ...mi, CommitCid: res.cid } }) };
      });
    }
    const head = await this.deps.chain.head();
    if (head.Height - res.height < confidence) return poll(OnChainState.Packed, `${head.Height - res.height} of ${confidence} confirmations`);
    const exit = res.receipt.ExitCode;
    if (exit !== ExitCode.Ok) {
      const desc = `message ${res.cid.toString()} exited with code ${exit}`;
      return poll(RETRYABLE_EXITS.has(exit) ? OnChainState.Failed : OnChainState.PermFailed, desc);
    }
    const missing = await this.onChainCheck(sid, kind);
    return missing === null ? poll(OnChainState.Landed) : poll(OnChainState.ShouldAbort, missing);
  }

  /** null when the commitment is on chain; else why not. */
  private async onChainCheck(sid: SectorIdRef, kind: "precommit" | "provecommit"): Promise<string | null> {
    const maddr = minerAddr(sid.miner);
    const info = await this.deps.chain.StateSectorGetInfo(maddr, sid.number, []);
    if (info) return null;
    if (kind === "provecommit") return `sector ${sid.number} is not on chain after its ProveCommit`;
    const pci = await this.deps.chain.StateSectorPreCommitInfo(maddr, sid.number, []);
    return pci ? null : `PreCommit of sector ${sid.number} is not on chain`;
  }

  // ---- sending ----

  async sendBatch(b: Batcher, reason: string): Promise<void> {
    const { miner, kind } = b;
    const cfg = this.deps.minerConfig(miner);
    if (!cfg) throw new Error(`miner ${miner} is not served by this manager`);
    const policy = policyOf(cfg, kind);
    const numbers = [...b.queue.keys()].sort((x, y) => x - y).slice(0, MAX_SECTORS_PER_MESSAGE);
    const records: SectorRecord[] = [];
    for (const n of numbers) {
      const rec = await this.store.getSector(miner, n, kind === "terminate" ? undefined : { online: true });
      if (rec?.needSend === kind) records.push(rec);
      else b.queue.delete(n); // sent, reset or aborted meanwhile
    }
    if (records.length === 0) return;
    const maddr = minerAddr(miner);
    const head = await this.deps.chain.head();
    const built =
      kind === "precommit"
        ? await this.buildPreCommit(cfg, maddr, head, records)
        : kind === "provecommit"
          ? await this.buildProveCommit(cfg, maddr, head, records)
          : await this.buildTerminate(maddr, records);
    if (!built) return;
    const sender = await selectSender(this.deps.chain, miner, sendersOf(policy));
    const uid = `${kind}-${miner}-${randomUUID()}`;
    const sectors = built.sectors ?? records.map((r) => r.number);
    const fees = sendSpecOf(policy, sectors.length);
    const msg: OutgoingMessage = { uid, from: sender.address, to: maddr, method: built.method, params: built.params, value: policy.SendFund ? built.funds : 0n, ...fees };
    await this.store.transaction(async (tx) => {
      await tx.recordMessage({ ...msg, miner, spec: { reason, kind, ...fees } });
      await tx.createBatch({ miner, kind, sectors, messageUid: uid });
      if (kind !== "terminate")
        for (const n of sectors)
          await tx.updateSector(miner, n, (cur) => ({ ...cur, needSend: null, doc: patchDoc(cur.doc, { messageInfo: { ...commitView(cur.doc).messageInfo, NeedSend: false } }) }), { online: true });
    });
    for (const n of sectors) b.queue.delete(n);
    this.deps.logger.info({ miner, kind, uid, sectors, reason, value: msg.value.toString() }, "commitment batch recorded; pushing");
    await this.push(msg, kind, sectors.length, reason);
  }

  private async push(msg: OutgoingMessage, kind: BatchKind, count: number, reason: string): Promise<void> {
    try {
      await this.deps.messager.push(msg, this.life.signal);
      this.deps.metrics?.batchSent(kind, count, reason);
    } catch (e) {
      if (e instanceof MessageFailedError) {
        // Refused: nothing is on chain; the sectors poll Failed and their workers re-submit with reset.
        const m = await this.store.getMessage(msg.uid);
        if (m && m.state !== "failed") await this.store.markFailed(msg.uid, e.message);
        this.deps.metrics?.sendFailed(kind);
        this.deps.logger.warn({ uid: msg.uid, err: e.message }, "commitment message refused");
        return;
      }
      // Outcome unknown: the batch stays open and is pushed again under the same uid (start(), next tick).
      this.deps.logger.warn({ uid: msg.uid, err: String(e) }, "commitment message push interrupted; will retry under the same uid");
    }
  }

  /**
   * TerminateSectors grouped by deadline and partition. Sectors in the current or next deadline (immutable for the
   * actor) stay queued for a later tick; null when all of them do.
   */
  private async buildTerminate(maddr: string, records: SectorRecord[]): Promise<Built | null> {
    const dl = await this.deps.chain.StateMinerProvingDeadline(maddr, []);
    const immutable = new Set([dl.Index, (dl.Index + 1) % dl.WPoStPeriodDeadlines]);
    const groups = new Map<string, { Deadline: number; Partition: number; numbers: number[] }>();
    for (const rec of records) {
      const loc = await this.deps.chain.StateSectorPartition(maddr, rec.number, []);
      if (immutable.has(loc.Deadline)) continue;
      const key = `${loc.Deadline}/${loc.Partition}`;
      const g = groups.get(key) ?? { Deadline: loc.Deadline, Partition: loc.Partition, numbers: [] };
      g.numbers.push(rec.number);
      groups.set(key, g);
    }
    if (groups.size === 0) return null;
    const Terminations = [...groups.values()].map((g) => ({ Deadline: g.Deadline, Partition: g.Partition, Sectors: BitField.fromSet(g.numbers) }));
    return {
      method: MinerMethod.TerminateSectors,
      params: TerminateSectorsParams.encode({ Terminations }),
      funds: 0n,
      sectors: [...groups.values()].flatMap((g) => g.numbers).sort((a, b) => a - b),
    };
  }

  private async buildPreCommit(cfg: MinerConfig, maddr: string, head: TipSet, records: SectorRecord[]): Promise<Built> {
    const infos: SectorPreCommitInfo[] = [];
    let funds = 0n;
    const net = this.deps.network();
    for (const rec of records) {
      const view = commitView(rec.doc);
      if (!view.pre) throw new Error(`sector ${sectorName(rec.miner, rec.number)} is queued for PreCommit without Pre`);
      const lifetime = Math.min(cfg.Sector.LifetimeDays * EPOCHS_IN_DAY, sectorMaxLifetime(rec.proofType));
      const activation = head.Height + maxProveCommitDuration({ PreCommitChallengeDelay: net.preCommitChallengeDelay }, rec.proofType);
      // The sector must outlive its deals.
      const dealEnd = Math.max(0, ...view.pieces.filter((p) => p.DealInfo.DealID !== 0 || p.DealInfo.AllocationID !== 0).map((p) => p.DealInfo.EndEpoch));
      const info: SectorPreCommitInfo = {
        SealProof: rec.proofType,
        SectorNumber: rec.number,
        SealedCID: view.pre.CommR,
        SealRandEpoch: view.pre.Ticket.Epoch,
        DealIDs: [],
        // Counted from the activation bound, so MinSectorExpiration holds wherever the message lands.
        Expiration: Math.max(activation + lifetime, dealEnd),
        UnsealedCid: view.pieces.length > 0 ? view.pre.CommD : null,
      };
      infos.push(info);
      if (cfg.Commitment.Pre.SendFund) funds += await this.deps.chain.StateMinerPreCommitDepositForPower(maddr, info, []);
    }
    return { method: MinerMethod.PreCommitSectorBatch2, params: PreCommitSectorBatchParams2.encode({ Sectors: infos }), funds };
  }

  private async buildProveCommit(cfg: MinerConfig, maddr: string, head: TipSet, records: SectorRecord[]): Promise<Built> {
    const activations: SectorActivationManifest[] = [];
    const proofs: Uint8Array[] = [];
    let funds = 0n;
    for (const rec of records) {
      const view = commitView(rec.doc);
      if (!view.proof) throw new Error(`sector ${sectorName(rec.miner, rec.number)} is queued for ProveCommit without a proof`);
      let verified = 0;
      const pieces: PieceActivationManifest[] = view.pieces
        .filter((p) => (p.DealInfo.IsBuiltinMarket ? p.DealInfo.DealID : p.DealInfo.AllocationID) !== 0)
        .map((p) => {
          const d = p.DealInfo;
          const alloc = d.AllocationID ? { Client: clientId(d.Client), ID: d.AllocationID } : null;
          if (alloc) verified += p.Piece.Size;
          return {
            CID: pieceCidV1(p.Piece.PieceCID),
            Size: p.Piece.Size,
            VerifiedAllocationKey: alloc,
            Notify: d.IsBuiltinMarket && d.DealID ? [{ Address: idAddressBytes(MARKET_ACTOR_ID), Payload: encodeCbor(d.DealID) }] : [],
          };
        });
      activations.push({ SectorNumber: rec.number, Pieces: pieces });
      proofs.push(view.proof);
      if (cfg.Commitment.Prove.SendFund) {
        const pci = await this.deps.chain.StateSectorPreCommitInfo(maddr, rec.number, []);
        if (!pci) throw new Error(`PreCommit of sector ${rec.number} is not on chain`);
        const size = sealProofType(rec.proofType).sectorSize;
        funds += await this.deps.chain.StateMinerInitialPledgeForSector(pci.Info.Expiration - head.Height, size, verified, []);
      }
    }
    return {
      method: MinerMethod.ProveCommitSectors3,
      params: ProveCommitSectors3Params.encode({
        SectorActivations: activations,
        SectorProofs: proofs,
        AggregateProof: new Uint8Array(0),
        AggregateProofType: null,
        RequireActivationSuccess: cfg.Sealing.RequireActivationSuccess,
        RequireNotificationSuccess: cfg.Sealing.RequireNotificationSuccess,
      }),
      funds,
    };
  }

  // ---- lifecycle ----

  async forceSend(miner: number, kind: BatchKind): Promise<void> {
    await this.batcher(miner, kind).run("forced", true);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.life = new AbortController();
    for (const b of this.batchers.values()) b.start(this.life.signal);
    void this.recover().catch((e: unknown) => this.deps.logger.error({ err: String(e) }, "commitment recovery failed"));
  }

  /** Re-queues NeedSend sectors and pushes again the open batches (same uid: the messager pushes each at most once). */
  private async recover(): Promise<void> {
    const now = this.deps.clock.now();
    for (const kind of ["precommit", "provecommit", "terminate"] as const) {
      for (const rec of await this.store.listSectors(kind === "terminate" ? { needSend: kind } : { online: true, needSend: kind })) {
        if (!this.deps.minerConfig(rec.miner)) continue;
        this.batcher(rec.miner, kind).add(rec.number, Math.min(now, rec.updatedAt));
      }
    }
    const m = this.deps.messager as { recover?: (signal?: AbortSignal) => Promise<unknown> };
    if (typeof m.recover === "function") await m.recover(this.life.signal);
    for (const batch of await this.store.listOpenBatches()) {
      const msg = await this.store.getMessage(batch.messageUid);
      if (!msg || msg.state !== "pending") continue;
      const kind = batch.kind as BatchKind;
      const fees = storedSendSpec(msg.spec);
      await this.push({ uid: msg.uid, from: msg.from, to: msg.to, method: msg.method, params: msg.params, value: msg.value, ...fees }, kind, batch.sectors.length, "resumed after restart");
    }
    for (const b of this.batchers.values()) void b.run("restart", false);
  }

  async stop(): Promise<void> {
    this.started = false;
    this.life.abort(new Error("commitment manager stopped"));
    await Promise.all([...this.batchers.values()].map((b) => b.stopped()));
  }
}

/** A DealInfoV2 client as an actor id (the allocation key needs the id). */
function clientId(client: string): number {
  const m = /^[tf]0(\d+)$/.exec(client);
  if (!m) throw new RangeError(`deal client ${client} must be an ID address for a verified allocation key`);
  return Number(m[1]);
}

export function createCommitmentManager(deps: CommitmentDeps): CommitmentManager {
  return new Manager(deps);
}

