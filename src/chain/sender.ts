// Choosing the From of a miner's message (manager.md §3 "Senders", §8.4 "Sending"): among the configured
// Senders, the valid ones are those that are the miner's owner, worker or a control address (compared as ID
// addresses, as `damocles damocles-manager/modules/address/sender_selector.go` does); of those, the one with the
// highest balance is used. A sender whose actor cannot be read counts as balance 0.

import type { ChainClient, MinerRef } from "./lotus-client.js";
import { minerActorId } from "./lotus-client.js";
import { formatIdAddress, parseAddress } from "../filecoin/address.js";
import { RpcError } from "../rpc/errors.js";
import { DEFAULT_RETRY, retryTransport, type RetryPolicy } from "./retry.js";

export type SenderChain = Pick<ChainClient, "StateMinerInfo" | "StateLookupID" | "StateGetActor">;

export interface SelectedSender {
  /** The configured text, used as the message's From. */
  address: string;
  /** Its ID address. */
  id: string;
  balance: bigint;
}

export interface SelectSenderOptions {
  /** A sender below this balance is not chosen (default 0: any). */
  minBalance?: bigint;
  retry?: RetryPolicy;
  signal?: AbortSignal;
}

/** The valid sender with the highest balance (ties: the first configured); throws naming why none qualifies. */
export async function selectSender(
  chain: SenderChain,
  miner: MinerRef,
  candidates: readonly string[],
  opts: SelectSenderOptions = {},
): Promise<SelectedSender> {
  const retry = opts.retry ?? DEFAULT_RETRY;
  const read = <T>(fn: () => Promise<T>): Promise<T> => retryTransport(fn, retry, opts.signal);
  const maddr = formatIdAddress(minerActorId(miner), "t");
  if (candidates.length === 0) throw new Error(`miner ${maddr} has no Senders configured: list its owner, worker or a control address`);

  const idOf = async (addr: string): Promise<string | null> => {
    const a = parseAddress(addr);
    if (a.id !== undefined) return formatIdAddress(a.id, "t");
    try {
      return formatIdAddress(parseAddress(await read(() => chain.StateLookupID(addr, []))).id!, "t");
    } catch (e) {
      if (e instanceof RpcError) return null; // no actor on chain for this address
      throw e;
    }
  };

  const info = await read(() => chain.StateMinerInfo(maddr, []));
  const minerAddrs = new Set<string>();
  for (const a of [info.Owner, info.Worker, ...info.ControlAddresses]) {
    const id = await idOf(a);
    if (id) minerAddrs.add(id);
  }

  const rejected: string[] = [];
  let best: SelectedSender | null = null;
  const minBalance = opts.minBalance ?? 0n;
  for (const address of candidates) {
    const id = await idOf(address);
    if (id === null) {
      rejected.push(`${address}: no actor on chain`);
      continue;
    }
    if (!minerAddrs.has(id)) {
      rejected.push(`${address}: not the owner, worker or a control address of ${maddr}`);
      continue;
    }
    let balance = 0n;
    try {
      balance = (await read(() => chain.StateGetActor(id, []))).Balance;
    } catch (e) {
      if (!(e instanceof RpcError)) throw e;
    }
    if (balance < minBalance) {
      rejected.push(`${address}: balance ${balance} attoFIL is below ${minBalance}`);
      continue;
    }
    if (best === null || balance > best.balance) best = { address, id, balance };
  }
  if (best === null) throw new Error(`no valid sender for miner ${maddr}: ${rejected.join("; ")}`);
  return best;
}
