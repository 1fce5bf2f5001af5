// The devnet's Lotus full-node API (`Filecoin.*` at /rpc/v1, spec/devnet.md §4, spec/filecoin.md §19):
// every method of src/api/lotus.ts computed from the chain and the miner views, in Lotus's shapes.
// A tipset-key param selects the state of that tipset (null or [] = head); an unknown key is code 1.
import { z } from "zod";
import type { CID } from "multiformats/cid";
import type { CallContext, ServerMethods } from "../api/define.js";
import {
  Allocation,
  FORK_UPGRADE_FIELDS,
  MarketDeal,
  UNDEF_ADDRESS,
  type BlockHeader,
  type HeadChange as LotusHeadChange,
  type MsgLookup,
  type TipSet,
  lotusApi,
} from "../api/lotus.js";
import { formatIdAddress } from "../filecoin/address.js";
import { encodeCbor } from "../filecoin/cbor.js";
import { dagCborCid, messageCid, signedMessageCid, type Message as ChainMsg } from "../filecoin/message.js";
import { sealProofType } from "../filecoin/proof-types.js";
import { beaconDigest } from "../filecoin/randomness.js";
import * as views from "./actors/miner-views.js";
import type { MinerState, SectorOnChainInfo } from "./actors/miner-state.js";
import type { ChainTipset, DevnetChain, HeadChange, MarketViews, MessageLookup, StateView } from "./chain.js";
import { blockDelaySecs } from "./genesis.js";

/** Lotus 2k networks' EIP-155 chain id (lotus build/buildconstants/params_2k.go). */
export const DEVNET_EIP155_CHAIN_ID = 31415926;
/** The network version of every height (spec/devnet.md §2.1). */
export const NETWORK_VERSION = 28;
/** Lotus FullAPIVersion1 = 2.3.0. */
export const FULL_API_VERSION = (2 << 16) | (3 << 8) | 0;
export const NODE_VERSION = "1.34.0+damocles-devnet";
/** Lotus adds 10 % to the pre-commit deposit and the initial pledge it reports. */
const ESTIMATE_PERCENT = 110n;

export interface LotusApiDeps {
  chain: DevnetChain;
  /** The embedded market's views (B2); without it every deal is unknown. */
  market?: MarketViews;
}

const opaqueCid = (...parts: (string | number)[]): CID => dagCborCid(encodeCbor(parts));

/** A chain tipset in Lotus's TipSet shape; the state, message and receipt roots are opaque devnet CIDs. */
export function lotusTipSet(ts: ChainTipset): TipSet {
  const b = ts.blocks[0];
  const header: BlockHeader = {
    Miner: formatIdAddress(b.miner, "t"),
    Ticket: { VRFProof: b.vrfProof },
    ElectionProof: b.winCount ? { WinCount: b.winCount, VRFProof: b.beacon.data } : null,
    BeaconEntries: [{ Round: b.beacon.round, Data: b.beacon.data }],
    WinPoStProof: [],
    Parents: b.parents,
    ParentWeight: BigInt(b.height),
    Height: b.height,
    ParentStateRoot: opaqueCid("state", b.height, ts.key),
    ParentMessageReceipts: opaqueCid("receipts", b.height, ts.key),
    Messages: opaqueCid("messages", ...b.messages.map(String)),
    BLSAggregate: null,
    Timestamp: Math.floor(b.timestampMs / 1000),
    BlockSig: null,
    ForkSignaling: 0,
    ParentBaseFee: b.parentBaseFee,
  };
  return { Cids: ts.cids, Blocks: [header], Height: ts.height };
}

function lotusLookup(l: MessageLookup): MsgLookup {
  return {
    Message: l.message,
    Receipt: { ExitCode: l.receipt.exitCode, Return: l.receipt.return, GasUsed: Number(l.receipt.gasUsed), EventsRoot: null },
    ReturnDec: null,
    TipSet: l.tipset.cids,
    Height: l.height,
  };
}

const idAddr = (id: number): string => formatIdAddress(id, "t");

function lotusSector(s: SectorOnChainInfo): Omit<SectorOnChainInfo, "DeprecatedDealIDs"> {
  const { DeprecatedDealIDs: _dropped, ...rest } = s;
  return rest;
}

/** Async queue feeding a go-jsonrpc channel until the call's signal aborts. */
function headChanges(chain: DevnetChain, signal: AbortSignal): AsyncIterable<LotusHeadChange[]> {
  const queue: LotusHeadChange[][] = [[{ Type: "current", Val: lotusTipSet(chain.head()) }]];
  let wake: (() => void) | null = null;
  const off = chain.onHeadChange((changes: HeadChange[]) => {
    queue.push(changes.map((c) => ({ Type: c.type, Val: lotusTipSet(c.tipset) })));
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener("abort", onAbort, { once: true });
  return {
    async *[Symbol.asyncIterator]() {
      try {
        while (!signal.aborted) {
          const next = queue.shift();
          if (next) {
            yield next;
            continue;
          }
          await new Promise<void>((r) => (wake = r));
          wake = null;
        }
      } finally {
        off();
        signal.removeEventListener("abort", onAbort);
      }
    },
  };
}

export function lotusMethods({ chain, market }: LotusApiDeps): ServerMethods<typeof lotusApi> {
  const tipset = (tsk: readonly CID[] | null | undefined): ChainTipset => {
    if (!tsk || tsk.length === 0) return chain.head();
    const ts = chain.tipsetByKey(tsk);
    if (!ts) throw new Error(`tipset key [${tsk.map(String).join(", ")}] is not on the chain`);
    return ts;
  };
  const view = (tsk: readonly CID[] | null | undefined): StateView => chain.view(tipset(tsk).cids);
  const miner = (v: StateView, addr: string): { id: number; state: MinerState } => {
    const id = v.resolveId(addr);
    const state = id === null ? null : v.minerState(id);
    if (id === null || !state) throw new Error(`miner ${addr} not found at height ${v.height}`);
    return { id, state };
  };
  const actorId = (v: StateView, addr: string): number => {
    const id = v.resolveId(addr);
    if (id === null) throw new Error(`actor ${addr} not found at height ${v.height}`);
    return id;
  };
  const atOrBelow = (epoch: number, tsk: readonly CID[] | null | undefined): void => {
    const ts = tipset(tsk);
    if (epoch > ts.height) throw new Error(`epoch ${epoch} is above the tipset's height ${ts.height}`);
  };
  const networkPower = (v: StateView): { raw: bigint; qa: bigint } => {
    let raw = 0n;
    let qa = 0n;
    for (const id of v.minerIds()) {
      const p = views.power(v.minerState(id)!);
      raw += p.raw;
      qa += p.qa;
    }
    return { raw, qa };
  };
  const plusTenPercent = (v: bigint): bigint => (v * ESTIMATE_PERCENT) / 100n;
  const toChainMessage = (m: { Version: number; To: string; From: string; Nonce: number; Value: bigint; GasLimit: number; GasFeeCap: bigint; GasPremium: bigint; Method: number; Params: Uint8Array }): ChainMsg => ({
    Version: m.Version,
    To: m.To,
    From: m.From,
    Nonce: m.Nonce,
    Value: m.Value,
    GasLimit: m.GasLimit,
    GasFeeCap: m.GasFeeCap,
    GasPremium: m.GasPremium,
    Method: m.Method,
    Params: m.Params,
  });
  const withCid = (m: ChainMsg): ChainMsg & { CID: CID } => ({ ...m, CID: messageCid(m) });

  return {
    Version: () => ({ Version: NODE_VERSION, APIVersion: FULL_API_VERSION, BlockDelay: blockDelaySecs(chain.blockTimeMs) }),

    // ---- chain ----
    ChainHead: () => lotusTipSet(chain.head()),
    ChainNotify: (ctx: CallContext) => headChanges(chain, ctx.signal),
    ChainGetTipSet: (tsk) => lotusTipSet(tipset(tsk)),
    ChainGetTipSetByHeight: (h, tsk) => {
      const top = tipset(tsk);
      if (h < 0 || h > top.height) throw new Error(`height ${h} is outside 0…${top.height}`);
      return lotusTipSet(chain.tipsetAt(h)!);
    },
    ChainGetTipSetAfterHeight: (h, tsk) => {
      const top = tipset(tsk);
      if (h > top.height) throw new Error(`height ${h} is above ${top.height}`);
      return lotusTipSet(chain.tipsetAt(Math.max(0, h))!);
    },
    ChainGetMessage: (cid) => {
      const m = chain.getMessage(cid);
      if (!m) throw new Error(`message ${cid.toString()} not found`);
      return withCid(m.signed.Message);
    },

    // ---- network and randomness ----
    StateNetworkName: () => chain.networkName,
    StateNetworkVersion: (tsk) => {
      tipset(tsk);
      return NETWORK_VERSION;
    },
    StateGetNetworkParams: () => ({
      NetworkName: chain.networkName,
      BlockDelaySecs: blockDelaySecs(chain.blockTimeMs),
      ConsensusMinerMinPower: chain.policy.ConsensusMinerMinPower,
      PreCommitChallengeDelay: chain.policy.PreCommitChallengeDelay,
      // Every upgrade in force at genesis: distinct negative heights, as Lotus 2k networks set them.
      ForkUpgradeParams: Object.fromEntries(
        FORK_UPGRADE_FIELDS.map((f, i) => [f, f === "BreezeGasTampingDuration" ? 0 : -(i + 1)]),
      ),
      Eip155ChainID: DEVNET_EIP155_CHAIN_ID,
      GenesisTimestamp: chain.genesis.timestamp,
    }),
    StateGetRandomnessFromTickets: (tag, epoch, entropy, tsk) => {
      atOrBelow(epoch, tsk);
      return chain.ticketRandomness(tag, epoch, entropy);
    },
    StateGetRandomnessFromBeacon: (tag, epoch, entropy, tsk) => {
      atOrBelow(epoch, tsk);
      return chain.beaconRandomness(tag, epoch, entropy);
    },
    StateGetRandomnessDigestFromTickets: (epoch, tsk) => {
      atOrBelow(epoch, tsk);
      return chain.ticketDigest(epoch);
    },
    StateGetRandomnessDigestFromBeacon: (epoch, tsk) => {
      atOrBelow(epoch, tsk);
      return beaconDigest(chain.beaconEntry(epoch).data);
    },
    StateGetBeaconEntry: (epoch) => {
      const e = chain.beaconEntry(epoch);
      return { Round: e.round, Data: e.data };
    },
    MinerGetBaseInfo: (addr, epoch, tsk) => {
      const v = view(tsk);
      const { state } = miner(v, addr);
      const power = views.power(state);
      const total = networkPower(v);
      const prev = chain.beaconEntry(epoch - 1);
      const cur = chain.beaconEntry(epoch);
      return {
        MinerPower: power.qa,
        NetworkPower: total.qa,
        Sectors: views.activeSectors(state).map((s) => ({ SealProof: s.SealProof, SectorNumber: s.SectorNumber, SectorKey: null, SealedCID: s.SealedCID })),
        WorkerKey: v.actorAddress(state.Info.Worker),
        SectorSize: state.Info.SectorSize,
        PrevBeaconEntry: { Round: prev.round, Data: prev.data },
        BeaconEntries: [{ Round: cur.round, Data: cur.data }],
        EligibleForMining: power.qa >= chain.policy.ConsensusMinerMinPower,
      };
    },

    // ---- miner state ----
    StateMinerInfo: (addr, tsk) => {
      const i = views.minerInfo(miner(view(tsk), addr).state);
      return {
        Owner: idAddr(i.Owner),
        Worker: idAddr(i.Worker),
        NewWorker: i.NewWorker === null ? UNDEF_ADDRESS : idAddr(i.NewWorker),
        ControlAddresses: i.ControlAddresses.map(idAddr),
        WorkerChangeEpoch: i.WorkerChangeEpoch,
        PeerId: null,
        Multiaddrs: i.Multiaddrs,
        WindowPoStProofType: i.WindowPoStProofType,
        SectorSize: i.SectorSize,
        WindowPoStPartitionSectors: i.WindowPoStPartitionSectors,
        ConsensusFaultElapsed: i.ConsensusFaultElapsed,
        PendingOwnerAddress: i.PendingOwnerAddress === null ? null : idAddr(i.PendingOwnerAddress),
        Beneficiary: idAddr(i.Beneficiary),
        BeneficiaryTerm: i.BeneficiaryTerm,
        PendingBeneficiaryTerm: null,
      };
    },
    StateMinerPower: (addr, tsk) => {
      const v = view(tsk);
      const p = views.power(miner(v, addr).state);
      const total = networkPower(v);
      return {
        MinerPower: { RawBytePower: p.raw, QualityAdjPower: p.qa },
        TotalPower: { RawBytePower: total.raw, QualityAdjPower: total.qa },
        HasMinPower: p.qa >= chain.policy.ConsensusMinerMinPower,
      };
    },
    StateMinerSectorAllocated: (addr, n, tsk) => views.isAllocated(miner(view(tsk), addr).state, n),
    StateMinerAllocated: (addr, tsk) => views.allocated(miner(view(tsk), addr).state),
    StateSectorPreCommitInfo: (addr, n, tsk) => views.preCommitInfo(miner(view(tsk), addr).state, n),
    StateSectorGetInfo: (addr, n, tsk) => {
      const s = views.sectorInfo(miner(view(tsk), addr).state, n);
      return s ? lotusSector(s) : null;
    },
    StateSectorPartition: (addr, n, tsk) => {
      const loc = views.sectorPartition(miner(view(tsk), addr).state, n);
      if (!loc) throw new Error(`sector ${n} of ${addr} is not in any partition`);
      return loc;
    },
    StateMinerProvingDeadline: (addr, tsk) => {
      const v = view(tsk);
      return views.provingDeadline(miner(v, addr).state, v.height, chain.policy);
    },
    StateMinerDeadlines: (addr, tsk) => views.deadlines(miner(view(tsk), addr).state).map((d) => ({ ...d, DailyFee: 0n })),
    StateMinerPartitions: (addr, dl, tsk) => views.partitions(miner(view(tsk), addr).state, dl),
    StateMinerSectors: (addr, filter, tsk) => views.sectors(miner(view(tsk), addr).state, filter ?? undefined).map(lotusSector),
    StateMinerActiveSectors: (addr, tsk) => views.activeSectors(miner(view(tsk), addr).state).map(lotusSector),
    StateMinerFaults: (addr, tsk) => views.faults(miner(view(tsk), addr).state),
    StateMinerRecoveries: (addr, tsk) => views.recoveries(miner(view(tsk), addr).state),
    StateMinerPreCommitDepositForPower: (addr, pci, tsk) => {
      miner(view(tsk), addr);
      // Deposit = 1 attoFIL per QA byte; no deal weight is known before activation, so QA = the sector size.
      return plusTenPercent(BigInt(sealProofType(pci.SealProof).sectorSize));
    },
    StateMinerInitialPledgeForSector: (_duration, sectorSize, verifiedBytes, tsk) => {
      tipset(tsk);
      if (verifiedBytes > sectorSize) throw new Error(`verified size ${verifiedBytes} exceeds the sector size ${sectorSize}`);
      return plusTenPercent(BigInt(sectorSize) + 9n * BigInt(verifiedBytes));
    },
    StateMinerAvailableBalance: (addr, tsk) => views.availableBalance(miner(view(tsk), addr).state),

    // ---- actors and accounts ----
    StateLookupID: (addr, tsk) => idAddr(actorId(view(tsk), addr)),
    StateAccountKey: (addr, tsk) => {
      const v = view(tsk);
      const a = v.actor(actorId(v, addr));
      if (!a?.keyAddress) throw new Error(`actor ${addr} is not an account: it has no key address`);
      return a.keyAddress;
    },
    StateGetActor: (addr, tsk) => {
      const v = view(tsk);
      const id = actorId(v, addr);
      const a = v.actor(id)!;
      return {
        Code: opaqueCid("damocles-devnet/actor", a.kind),
        Head: opaqueCid("head", id, v.height),
        Nonce: a.nonce,
        Balance: v.balanceOf(id),
        DelegatedAddress: null,
      };
    },
    WalletBalance: (addr) => {
      const id = chain.resolveId(addr);
      return id === null ? 0n : chain.balanceOf(id);
    },
    WalletList: () => chain.walletKeys(),

    // ---- market and verified registry ----
    StateMarketStorageDeal: (dealId, tsk) => {
      const d = market?.storageDeal(view(tsk), dealId) ?? null;
      if (d === null) throw new Error(`deal ${dealId} not found`);
      return z.decode(MarketDeal, d as never);
    },
    StateGetAllocationIdForPendingDeal: (dealId, tsk) => market?.allocationIdForPendingDeal(view(tsk), dealId) ?? 0,
    StateGetAllocation: (client, allocationId, tsk) => {
      const v = view(tsk);
      const a = market?.allocation(v, actorId(v, client), allocationId) ?? null;
      return a === null ? null : z.decode(Allocation, a as never);
    },

    // ---- messages ----
    MpoolPushMessage: (msg) => {
      if (msg.Nonce !== 0) throw new Error(`MpoolPushMessage expects Nonce 0 (it assigns the nonce), got ${msg.Nonce}`);
      const sm = chain.pushMessage(toChainMessage(msg));
      return { Message: withCid(sm.Message), Signature: sm.Signature, CID: signedMessageCid(sm) };
    },
    GasEstimateMessageGas: (msg, _spec, tsk) => {
      tipset(tsk);
      return chain.estimateGas(toChainMessage(msg));
    },
    MpoolGetNonce: (addr) => chain.mpoolNonce(addr),
    WalletSign: (addr, data) => {
      const s = chain.sign(addr, data);
      return { Type: s.type, Data: s.data };
    },
    MpoolPush: (sm) => chain.mpoolPush({ Message: toChainMessage(sm.Message), Signature: sm.Signature }),
    // allowReplaced: the mpool refuses a second message with a pending nonce, so no message is ever replaced
    // and both values find the same one. StateWaitMsg waits for any message, however old (more lenient
    // than Lotus, whose back-search stops at the lookback limit and then waits for a new inclusion).
    StateWaitMsg: async (cid, confidence, _limit, _allowReplaced, ctx: CallContext) => lotusLookup(await chain.waitMessage(cid, confidence, ctx.signal)),
    StateSearchMsg: (tsk, cid, limit) => {
      const top = tipset(tsk);
      const l = chain.searchMessage(cid);
      if (!l || l.height > top.height) return null;
      // Lotus's lookback limit (-1 = LookbackNoLimit): receipts older than `limit` epochs are not searched.
      if (limit >= 0 && top.height - l.height > limit) return null;
      return lotusLookup(l);
    },
    StateListMessages: (match, tsk, toHeight) => {
      const top = tipset(tsk);
      const v = chain.view(top.cids);
      const idOf = (a: string | undefined): number | undefined | null =>
        a === undefined || a === UNDEF_ADDRESS ? undefined : v.resolveId(a);
      const to = idOf(match.To);
      const from = idOf(match.From);
      if (to === null || from === null) return [];
      if (to === undefined && from === undefined) throw new Error("StateListMessages needs To or From");
      return chain
        .listMessages({ ...(to === undefined ? {} : { to }), ...(from === undefined ? {} : { from }), fromHeight: toHeight })
        .filter((cid) => (chain.getMessage(cid)?.includedAt ?? Infinity) <= top.height);
    },
  };
}
