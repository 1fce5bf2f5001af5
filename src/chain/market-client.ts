// The droplet market as the deal manager uses it (manager.md §8.5, devnet.md §5.2): AssignDeals to fill a
// sector, ReleaseDeals / ReleaseDirectDeals when a sector with deals is aborted. With no market configured
// there is no client (null), and the manager seals committed capacity only.
//
// The two releases are idempotent (releasing a released deal is ignored), so a call whose reply was lost is
// repeated. AssignDeals is not retried here: the devnet answers a repeated call for a sector with the same
// deals, but a droplet may assign others, so the caller decides.

import type { ClientMethods } from "../api/define.js";
import { marketApi, type DealInfoV2, type GetDealSpec, type MarketApi, type SectorID } from "../api/market.js";
import { formatIdAddress, type Network } from "../filecoin/address.js";
import { rpcClient } from "../rpc/client.js";
import { minerActorId, rpcOptions, type Endpoint, type MinerRef } from "./lotus-client.js";
import { DEFAULT_RETRY, retryTransport, type RetryPolicy } from "./retry.js";

export interface MarketClient {
  /** The deals laid out in the sector ([] when the spec cannot be met); `spec` null = no limits. */
  assignDeals(sector: SectorID, sectorSize: number, spec: GetDealSpec | null): Promise<DealInfoV2[]>;
  releaseDeals(miner: MinerRef, dealIds: readonly number[], signal?: AbortSignal): Promise<void>;
  releaseDirectDeals(miner: MinerRef, allocationIds: readonly number[], signal?: AbortSignal): Promise<void>;
  /** The raw `VENUS_MARKET` client (market events). */
  readonly api: ClientMethods<MarketApi>;
  close(): Promise<void>;
}

export interface MarketClientOptions {
  retry?: RetryPolicy;
  /** Network letter of the miner addresses sent (go-address reads either). */
  network?: Network;
}

/** A client of the configured market endpoint, or null when none is configured. */
export function createMarketClient(endpoint: Endpoint | null | undefined, opts: MarketClientOptions = {}): MarketClient | null {
  if (!endpoint) return null;
  const api = rpcClient(marketApi, rpcOptions(endpoint));
  const retry = opts.retry ?? DEFAULT_RETRY;
  const network = opts.network ?? "t";
  const maddr = (m: MinerRef): string => formatIdAddress(minerActorId(m), network);
  return {
    api,
    assignDeals: (sector, sectorSize, spec) => api.AssignDeals(sector, sectorSize, spec),
    async releaseDeals(miner, dealIds, signal) {
      if (dealIds.length === 0) return;
      await retryTransport(() => api.ReleaseDeals(maddr(miner), [...dealIds]), retry, signal);
    },
    async releaseDirectDeals(miner, allocationIds, signal) {
      if (allocationIds.length === 0) return;
      await retryTransport(() => api.ReleaseDirectDeals(maddr(miner), [...allocationIds]), retry, signal);
    },
    close: () => api.close(),
  };
}
