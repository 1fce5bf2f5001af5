// The sector allocator (spec/manager.md §8.1, protocols.md §1.6 AllocateSector) and the miner facts it
// needs (MinerAPI.GetInfo): which miners may get a new sector, the next number of the chosen one, the
// on-chain "already allocated" guard, and the online state the sector starts with.

import type { ChainClient } from "../../chain/index.js";
import type { AllocatedSector, AllocateSectorSpec, SealerMinerInfo } from "../../api/sealer-types.js";
import { SectorNumberExhaustedError, type ManagerStore } from "../../db/manager-store.js";
import { formatIdAddress } from "../../filecoin/address.js";
import { sealProofFor } from "../../filecoin/proof-types.js";
import { RpcError, METHOD_ERROR } from "../../rpc/errors.js";
import type { ManagerConfig, MinerConfig } from "../config/schema.js";
import type { SectorStateManager } from "./sector-state.js";

/** Network version from which new sectors use the V1_1 seal proofs (Lotus `SealProofTypeFromSectorSize`). */
const NV_V1_1_SEAL_PROOFS = 7;
/** How long a read network version is reused: it changes only at an upgrade epoch. */
const NETWORK_VERSION_TTL_MS = 60_000;

/** The chain methods the allocator and GetInfo read. */
export type AllocatorChain = Pick<ChainClient, "StateMinerInfo" | "StateNetworkVersion" | "StateMinerSectorAllocated">;

export interface AllocatorDeps {
  store: ManagerStore;
  chain: AllocatorChain;
  states: SectorStateManager;
  config: () => ManagerConfig;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
  now?: () => number;
  metrics?: { newSector(miner: number): void } | null;
  logger?: { info(obj: object, msg: string): void } | null;
}

export interface Allocator {
  /** A new sector of an allowed miner, or null when no miner can take one now. */
  allocate(spec: AllocateSectorSpec): Promise<AllocatedSector | null>;
  /** MinerAPI.GetInfo; null for a miner the manager does not serve. */
  minerInfo(miner: number): Promise<SealerMinerInfo | null>;
}

/** `MinNumber`, else the deprecated `InitNumber`: numbers at or below it are never allocated. */
export function minSectorNumber(m: MinerConfig): number {
  return m.Sector.MinNumber ?? m.Sector.InitNumber;
}

export function createAllocator(deps: AllocatorDeps): Allocator {
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const sizes = new Map<number, { SectorSize: number; WindowPoStProofType: number }>();
  let nv: { value: number; at: number } | null = null;

  const minerConfig = (miner: number): MinerConfig | undefined => deps.config().Miners.find((m) => m.Actor === miner);
  const maddr = (miner: number): string => formatIdAddress(miner, "t");

  async function networkVersion(): Promise<number> {
    if (nv && now() - nv.at < NETWORK_VERSION_TTL_MS) return nv.value;
    const value = await deps.chain.StateNetworkVersion([]);
    nv = { value, at: now() };
    return value;
  }

  async function onChainInfo(miner: number): Promise<{ SectorSize: number; WindowPoStProofType: number }> {
    let info = sizes.get(miner);
    if (!info) {
      const mi = await deps.chain.StateMinerInfo(maddr(miner), []);
      info = { SectorSize: mi.SectorSize, WindowPoStProofType: mi.WindowPoStProofType };
      sizes.set(miner, info); // a miner's sector size never changes
    }
    return info;
  }

  async function sealProof(m: MinerConfig): Promise<number> {
    const { SectorSize } = await onChainInfo(m.Actor);
    const kind = m.Sealing.UseSyntheticPoRep ? "synthetic" : (await networkVersion()) >= NV_V1_1_SEAL_PROOFS ? "v1_1" : "v1";
    return sealProofFor(SectorSize, kind).id;
  }

  return {
    async minerInfo(miner) {
      const m = minerConfig(miner);
      if (!m) return null;
      const info = await onChainInfo(miner);
      return {
        ID: miner,
        Addr: maddr(miner),
        SectorSize: info.SectorSize,
        WindowPoStProofType: info.WindowPoStProofType,
        SealProofType: await sealProof(m),
      };
    },

    async allocate(spec) {
      const allowedMiners = spec.AllowedMiners?.length ? new Set(spec.AllowedMiners) : null;
      const allowedTypes = spec.AllowedProofTypes?.length ? new Set(spec.AllowedProofTypes) : null;
      const candidates: Array<{ m: MinerConfig; proofType: number }> = [];
      for (const m of deps.config().Miners) {
        if (!m.Sector.Enabled || (allowedMiners && !allowedMiners.has(m.Actor))) continue;
        const proofType = await sealProof(m);
        if (allowedTypes && !allowedTypes.has(proofType)) continue;
        candidates.push({ m, proofType });
      }
      // Random order; a miner at its MaxNumber is dropped and the next one tried.
      while (candidates.length > 0) {
        const [{ m, proofType }] = candidates.splice(Math.floor(random() * candidates.length), 1) as [(typeof candidates)[number]];
        let number: number;
        try {
          number = await deps.store.nextSectorNumber(m.Actor, { min: minSectorNumber(m), ...(m.Sector.MaxNumber === undefined ? {} : { max: m.Sector.MaxNumber }) });
        } catch (e) {
          if (e instanceof SectorNumberExhaustedError) continue;
          throw e;
        }
        // The number is stored before this check, so a number already used on chain is skipped for good.
        if (await deps.chain.StateMinerSectorAllocated(maddr(m.Actor), number, [])) {
          throw new RpcError(METHOD_ERROR, `sector number ${number} of miner ${m.Actor} is already allocated on chain; the next call gets the following number`);
        }
        const sid = { Miner: m.Actor, Number: number };
        await deps.states.init(sid, proofType);
        deps.metrics?.newSector(m.Actor);
        if (m.Sector.Verbose) deps.logger?.info({ miner: m.Actor, number, proofType }, "sector allocated");
        return { ID: sid, ProofType: proofType };
      }
      return null;
    },
  };
}
