// The manager's chain client: the Lotus full-node v1 API (spec/filecoin.md §19) derived from src/api/lotus.ts,
// over HTTP or WebSocket with a bearer token, plus what every caller needs on top of it: the network
// information (read from the node, never from constants; devnet.md §2.3, §8.4), the head, and the two
// randomness draws of sealing (manager.md §8.6). Raw methods are not retried (a caller knows whether its call
// may be repeated); the helpers here only read, so they retry on TransportError with backoff.

import { CID } from "multiformats/cid";
import type { ClientMethods } from "../api/define.js";
import { lotusApi, type LotusApi, type NetworkParams, type TipSet } from "../api/lotus.js";
import { minerEntropy, parseAddress } from "../filecoin/address.js";
import { SEAL_RANDOMNESS_LOOKBACK } from "../filecoin/policy.js";
import { DomainSeparationTag } from "../filecoin/randomness.js";
import { rpcClient, type RpcClientOptions } from "../rpc/client.js";
import { RpcError, TransportError } from "../rpc/errors.js";
import { API_NAMESPACE_HEADER } from "./endpoints.js";
import { DEFAULT_RETRY, retryTransport, sleep, type RetryPolicy } from "./retry.js";

/** The network name of the project's devnet; devnet proofs go to no other network (devnet.md §8.4). */
export const DEVNET_NETWORK_NAME = "damocles-devnet";

/**
 * An outside service's endpoint, already parsed: parseApiEndpoint's result (src/chain/endpoints.ts) fits as is,
 * its `namespaceHeader` sent as X-VENUS-API-NAMESPACE, and any rpcClient option may be added.
 */
export type Endpoint = RpcClientOptions & { namespaceHeader?: string };

/** rpcClient options of an endpoint (the namespace header merged into the headers). */
export function rpcOptions(e: Endpoint): RpcClientOptions {
  const { namespaceHeader, ...opts } = e;
  if (namespaceHeader === undefined) return opts;
  return { ...opts, headers: { [API_NAMESPACE_HEADER]: namespaceHeader, ...opts.headers } };
}

export interface ChainClientOptions extends Endpoint {
  /** Retries of the read helpers (networkInfo, head, sealTicket, interactiveSeed). */
  retry?: RetryPolicy;
}

export interface NetworkInfo {
  /** StateNetworkName. */
  name: string;
  /** StateGetNetworkParams, as the node reports it. */
  params: NetworkParams;
  blockDelaySecs: number;
  preCommitChallengeDelay: number;
  /** Devnet proofs may be sent: StateNetworkName and NetworkParams.NetworkName both say "damocles-devnet". */
  devnet: boolean;
}

export interface SealTicket {
  ticket: Uint8Array;
  /** The SealRandEpoch: max(0, head − 900). */
  epoch: number;
}

export interface InteractiveSeed {
  seed: Uint8Array;
  /** PreCommitEpoch + PreCommitChallengeDelay. */
  epoch: number;
}

/** A miner as an actor id (1000) or its ID address ("t01000"). */
export type MinerRef = number | string;

export type ChainClient = ClientMethods<LotusApi> & {
  /** Network name and parameters: read once, read again after the connection was lost and re-made. */
  networkInfo(): Promise<NetworkInfo>;
  /** ChainHead, retried on transport errors. */
  head(signal?: AbortSignal): Promise<TipSet>;
  /** Ticket (tag 5) at max(0, head − 900) for the miner, on the chain of `head` (default: the current head). */
  sealTicket(miner: MinerRef, head?: TipSet, signal?: AbortSignal): Promise<SealTicket>;
  /**
   * Interactive seed (tag 6, beacon) at preCommitEpoch + delay; `delay` defaults to the node's
   * PreCommitChallengeDelay. With `head`, drawn on its chain, and a head below the seed epoch is a RangeError.
   */
  interactiveSeed(miner: MinerRef, preCommitEpoch: number, delay?: number, head?: TipSet, signal?: AbortSignal): Promise<InteractiveSeed>;
  /** Called with fresh network info each time a lost WebSocket connection is re-made; returns an unsubscribe. */
  onReconnect(listener: (info: NetworkInfo) => void): () => void;
  close(): Promise<void>;
};

/** The actor id of a miner given as a number or an ID address; anything else is a RangeError. */
export function minerActorId(miner: MinerRef): number {
  if (typeof miner === "number") {
    if (!Number.isSafeInteger(miner) || miner < 0) throw new RangeError(`miner ${miner} must be an actor id (a non-negative integer)`);
    return miner;
  }
  const a = parseAddress(miner);
  if (a.id === undefined) throw new RangeError(`miner "${miner}" must be an ID address (t0…/f0…)`);
  return a.id;
}

export function createChainClient(opts: ChainClientOptions): ChainClient {
  const raw = rpcClient(lotusApi, rpcOptions(opts));
  const retry = opts.retry ?? DEFAULT_RETRY;
  const wsUrl = /^wss?:/i.test(opts.url);
  const life = new AbortController();
  const listeners = new Set<(info: NetworkInfo) => void>();

  // The cache belongs to one connection: any transport failure (the link is gone; the next call reconnects,
  // maybe to a restarted or different node) and any re-made WebSocket start a new generation.
  let generation = 0;
  let cached: { generation: number; info: Promise<NetworkInfo> } | null = null;
  const invalidate = (): void => {
    generation++;
    cached = null;
  };

  const client: Record<string, unknown> = {};
  for (const name of Object.keys(lotusApi.methods)) {
    const fn = (raw as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name]!;
    client[name] = async (...args: unknown[]): Promise<unknown> => {
      try {
        return await fn(...args);
      } catch (e) {
        if (e instanceof TransportError) invalidate();
        throw e;
      }
    };
  }
  const api = client as unknown as ClientMethods<LotusApi>;

  async function readNetworkInfo(): Promise<NetworkInfo> {
    const [name, params] = await Promise.all([api.StateNetworkName(), api.StateGetNetworkParams()]);
    return {
      name,
      params,
      blockDelaySecs: params.BlockDelaySecs,
      preCommitChallengeDelay: params.PreCommitChallengeDelay,
      devnet: name === DEVNET_NETWORK_NAME && params.NetworkName === DEVNET_NETWORK_NAME,
    };
  }

  function networkInfo(): Promise<NetworkInfo> {
    if (wsUrl) startWatch();
    if (cached && cached.generation === generation) return cached.info;
    const entry = { generation, info: retryTransport(readNetworkInfo, retry, life.signal) };
    cached = entry;
    entry.info.catch(() => {
      if (cached === entry) cached = null;
    });
    return entry.info;
  }

  // WebSocket only: a ChainNotify subscription is held open as the connection's pulse. go-jsonrpc ends every
  // channel when its socket drops, so the end of the channel is the moment the connection was lost, and a
  // new subscription succeeding is the moment it was re-made. Without it, a node restarted between two calls
  // would go unnoticed (the client reconnects silently on the next call).
  let watching = false;
  function startWatch(): void {
    if (watching) return;
    watching = true;
    void watch();
  }
  async function watch(): Promise<void> {
    let delay = retry.minMs;
    let subscribedBefore = false;
    while (!life.signal.aborted) {
      let channel: AsyncIterable<unknown>;
      try {
        channel = await raw.ChainNotify();
      } catch (e) {
        if (life.signal.aborted) return;
        if (e instanceof RpcError) return; // the node has no ChainNotify: transport errors still invalidate
        invalidate();
        await sleep(delay, life.signal, true).catch(() => {}); // background: never holds the process
        delay = Math.min(retry.maxMs, delay * 2);
        continue;
      }
      delay = retry.minMs;
      if (subscribedBefore) {
        invalidate();
        networkInfo().then(
          (info) => listeners.forEach((l) => l(info)),
          () => {}, // the next networkInfo() call reads again
        );
      }
      subscribedBefore = true;
      try {
        for await (const _ of channel) {
          // head changes are not needed here; the channel is held for its end
        }
      } catch {
        // a malformed value ends the channel the same way
      }
      invalidate();
    }
  }

  async function head(signal?: AbortSignal): Promise<TipSet> {
    return retryTransport(() => api.ChainHead(), retry, signal);
  }

  async function sealTicket(miner: MinerRef, at?: TipSet, signal?: AbortSignal): Promise<SealTicket> {
    const entropy = minerEntropy(minerActorId(miner));
    const h = at ?? (await head(signal));
    const epoch = Math.max(0, h.Height - SEAL_RANDOMNESS_LOOKBACK);
    const ticket = await retryTransport(
      () => api.StateGetRandomnessFromTickets(DomainSeparationTag.SealRandomness, epoch, entropy, h.Cids),
      retry,
      signal,
    );
    return { ticket, epoch };
  }

  async function interactiveSeed(
    miner: MinerRef,
    preCommitEpoch: number,
    delay?: number,
    at?: TipSet,
    signal?: AbortSignal,
  ): Promise<InteractiveSeed> {
    const entropy = minerEntropy(minerActorId(miner));
    if (!Number.isSafeInteger(preCommitEpoch) || preCommitEpoch < 0) throw new RangeError(`preCommitEpoch ${preCommitEpoch} must be a non-negative epoch`);
    const d = delay ?? (await networkInfo()).preCommitChallengeDelay;
    const epoch = preCommitEpoch + d;
    if (at && at.Height < epoch) throw new RangeError(`seed epoch ${epoch} is above head ${at.Height}: not drawable yet`);
    const tsk: CID[] = at?.Cids ?? [];
    const seed = await retryTransport(
      () => api.StateGetRandomnessFromBeacon(DomainSeparationTag.InteractiveSealChallengeSeed, epoch, entropy, tsk),
      retry,
      signal,
    );
    return { seed, epoch };
  }

  return Object.assign(client, {
    networkInfo,
    head,
    sealTicket,
    interactiveSeed,
    onReconnect(listener: (info: NetworkInfo) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close(): Promise<void> {
      life.abort(new TransportError("closed", "chain client closed"));
      listeners.clear();
      await raw.close();
    },
  }) as ChainClient;
}
