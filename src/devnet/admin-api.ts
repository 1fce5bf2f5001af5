// The admin namespace `Devnet.*` (spec/devnet.md §7): fault injection delegated to the chain, deal
// publication for `deal add`, and a status snapshot. Also the deal queue `deal add` fills while no
// daemon runs, published by the next `run` in its first epoch (§1.4).
import { CID } from "multiformats/cid";
import type { ServerMethods } from "../api/define.js";
import { type PublishedDeal, devnetAdminApi } from "../api/devnet-admin.js";
import { formatIdAddress, idAddressBytes } from "../filecoin/address.js";
import { paddedPieceSizeFor } from "../filecoin/cid.js";
import type { Message } from "../filecoin/message.js";
import { signedMessageCid } from "../filecoin/message.js";
import { METHOD_ERROR, RpcError } from "../rpc/errors.js";
import { minerPower } from "./actors/miner.js";
import type { ChainTipset, DevnetChain } from "./chain.js";
import { type ProofEventHub, minerActiveSectors, minerIdOf, winningStats } from "./gateway-api.js";
import { decodePublishStorageDealsReturn, encodeDealProposal, encodePublishStorageDealsParams, readDeals, type WireDealProposal } from "./market-actor.js";
import { readAssignments, recordPayloadSize } from "./market-api.js";
import { MARKET_ACTOR_ID, dealStatus } from "./market-state.js";
import type { PieceStore } from "./pieces.js";
import type { TipSet } from "../api/lotus-types.js";

const QUEUE_NS = "market-queue";

export interface DealRequest {
  miner: number;
  pieceCid: string;
  payloadSize: number;
  verified: boolean;
  startEpoch: number;
  endEpoch: number;
}

/** The deal client's signed PublishStorageDeals message for one deal (market method 4 from an account). */
export function publishDealMessage(chain: Pick<DevnetChain, "genesis" | "actorAddress" | "sign">, d: DealRequest): Message {
  const client = chain.genesis.dealClient;
  const from = chain.actorAddress(client); // the client's key address: the wallet signs with it
  const proposal: WireDealProposal = {
    PieceCID: CID.parse(d.pieceCid),
    PieceSize: paddedPieceSizeFor(d.payloadSize),
    VerifiedDeal: d.verified,
    Client: idAddressBytes(client),
    Provider: idAddressBytes(d.miner),
    Label: "",
    StartEpoch: d.startEpoch,
    EndEpoch: d.endEpoch,
    StoragePricePerEpoch: 0n,
    ProviderCollateral: 0n,
    ClientCollateral: 0n,
  };
  const sig = chain.sign(from, encodeDealProposal(proposal));
  return {
    Version: 0,
    To: formatIdAddress(MARKET_ACTOR_ID, "t"),
    From: from,
    Nonce: 0,
    Value: 0n,
    GasLimit: 0,
    GasFeeCap: 0n,
    GasPremium: 0n,
    Method: 4,
    Params: encodePublishStorageDealsParams([{ Proposal: proposal, ClientSignature: Uint8Array.of(sig.type, ...sig.data) }]),
  };
}

/**
 * A deal `deal add` left for the next `run`. Its epochs are fixed when queued (head + start delay):
 * a restarted chain continues at the next height, so they stay ahead of the run's first epoch.
 */
export type QueuedDeal = DealRequest;

export function queueDeal(chain: Pick<DevnetChain, "kvPut" | "kvList">, q: QueuedDeal): void {
  const seq = chain.kvList(QUEUE_NS).reduce((m, [k]) => Math.max(m, Number(k)), 0) + 1;
  chain.kvPut(QUEUE_NS, String(seq).padStart(12, "0"), { ...q });
}

export function queuedDeals(chain: Pick<DevnetChain, "kvList">): QueuedDeal[] {
  return chain.kvList(QUEUE_NS).map(([, v]) => v as unknown as QueuedDeal);
}

/**
 * Pushes the queued deals' messages, so the first epoch of this run includes them, and empties the
 * queue. A deal the mpool refuses is logged and dropped.
 */
export function publishQueuedDeals(
  chain: Pick<DevnetChain, "genesis" | "actorAddress" | "sign" | "pushMessage" | "kvPut" | "kvList">,
  log: (level: "info" | "warn", msg: string, fields?: Record<string, unknown>) => void = () => {},
): void {
  for (const [key, v] of chain.kvList(QUEUE_NS)) {
    const q = v as unknown as QueuedDeal;
    try {
      const sm = chain.pushMessage(publishDealMessage(chain, q));
      recordPayloadSize(chain, q.pieceCid, q.payloadSize);
      log("info", "queued deal published", { piece_cid: q.pieceCid, miner: `t0${q.miner}`, message: signedMessageCid(sm).toString() });
    } catch (e) {
      log("warn", "queued deal refused", { piece_cid: q.pieceCid, error: (e as Error).message });
    }
    chain.kvPut(QUEUE_NS, key, null);
  }
}

export interface AdminApiDeps {
  hub: ProofEventHub;
  pieces: PieceStore;
  /** `http://host:port` of this listener, for PublishedDeal.URL. */
  origin: string;
  /** Lotus JSON form of a tipset (lotus-api.ts lotusTipSet). */
  toTipSet: (ts: ChainTipset) => TipSet;
}

export function createDevnetAdminApi(chain: DevnetChain, deps: AdminApiDeps): ServerMethods<typeof devnetAdminApi> {
  return {
    PauseBlocks() {
      chain.pause();
      return null;
    },
    ResumeBlocks() {
      chain.resume();
      return null;
    },
    FailMessages(methodNum, exitCode, count) {
      chain.failMessages(methodNum, exitCode, count);
      return null;
    },
    DelayMessages(count, epochs) {
      chain.delayMessages(count, epochs);
      return null;
    },
    Revert(k) {
      if (k > chain.height) throw new RpcError(METHOD_ERROR, `cannot revert ${k} tipsets: the head is at height ${chain.height}`);
      return deps.toTipSet(chain.revert(k));
    },

    async PublishDeal(req, ctx): Promise<PublishedDeal> {
      if (chain.paused) throw new RpcError(METHOD_ERROR, "blocks are paused: a deal cannot be published until Devnet.ResumeBlocks");
      const miner = minerIdOf(chain, req.Miner);
      const pieceCid = req.PieceCID.toString();
      const stored = await deps.pieces.size(pieceCid);
      if (stored !== req.PayloadSize)
        throw new RpcError(METHOD_ERROR, `pieces/${pieceCid} ${stored === null ? "does not exist" : `holds ${stored} bytes`}; PayloadSize is ${req.PayloadSize}`);
      const d: DealRequest = { miner, pieceCid, payloadSize: req.PayloadSize, verified: req.Verified, startEpoch: req.StartEpoch, endEpoch: req.EndEpoch };
      let sm;
      try {
        sm = chain.pushMessage(publishDealMessage(chain, d));
      } catch (e) {
        throw new RpcError(METHOD_ERROR, `PublishStorageDeals refused by the mpool: ${(e as Error).message}`);
      }
      recordPayloadSize(chain, pieceCid, req.PayloadSize);
      const cid = signedMessageCid(sm);
      const lookup = await chain.waitMessage(cid, 0, ctx.signal);
      if (lookup.receipt.exitCode !== 0)
        throw new RpcError(METHOD_ERROR, `PublishStorageDeals ${cid.toString()} failed with exit code ${lookup.receipt.exitCode}`);
      const ret = decodePublishStorageDealsReturn(lookup.receipt.return);
      return {
        DealID: ret.IDs[0]!,
        PublishCid: cid,
        PieceCID: req.PieceCID,
        PieceSize: paddedPieceSizeFor(req.PayloadSize),
        PayloadSize: req.PayloadSize,
        StartEpoch: req.StartEpoch,
        EndEpoch: req.EndEpoch,
        Verified: req.Verified,
        URL: `${deps.origin}/resource?resource-id=${pieceCid}`,
      };
    },

    Status() {
      const s = chain.status();
      const head = chain.height;
      const assigned = new Set(readAssignments(chain).map((a) => a.dealId));
      const deals = { Published: 0, Assigned: 0, Active: 0, Expired: 0 };
      for (const d of readDeals(chain.view())) {
        const st = dealStatus(d, assigned.has(d.id), head);
        deals[(st.charAt(0).toUpperCase() + st.slice(1)) as keyof typeof deals] += 1;
      }
      return {
        Height: s.height,
        Paused: s.paused,
        BlockTime: s.blockTimeMs,
        NetworkName: s.networkName,
        Miners: chain.minerIds().map((id) => {
          const m = chain.minerState(id)!;
          const power = minerPower(m);
          let faulty = 0;
          for (const dl of m.Deadlines) for (const p of dl.Partitions) faulty += p.Faults.subtract(p.Terminated).size;
          const stats = winningStats(chain, id);
          return {
            Miner: formatIdAddress(id, "t"),
            RawPower: power.raw,
            QAPower: power.qa,
            ActiveSectors: minerActiveSectors(m).length,
            FaultySectors: faulty,
            PreCommits: m.PreCommittedSectors.size,
            BlocksWon: stats.blocksWon,
            WinningPoStMissed: stats.missed,
            ProofListeners: deps.hub.listenerCount(id),
          };
        }),
        Deals: deals,
        MpoolSize: s.mpoolSize,
      };
    },
  };
}
