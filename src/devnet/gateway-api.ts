// sophon-gateway proof events and the WinningPoSt round (spec/devnet.md §6): miners listen on
// channels, each round's winner is asked for a kind-3 proof over the sector the chain picks, and the
// answer, verified in full before the round ends, decides whether the block names the winner.
import { randomUUID } from "node:crypto";
import type { CallContext, ServerMethods } from "../api/define.js";
import {
  ComputeProofRequest,
  ComputeProofResponse,
  ConnectedCompleted,
  EVENT_METHODS,
  type RequestEvent,
  type ResponseEvent,
  decodeEventPayload,
  encodeEventPayload,
  gatewayApi,
} from "../api/gateway.js";
import { cidToCommR } from "../filecoin/cid.js";
import { sealProofType } from "../filecoin/proof-types.js";
import { beaconDigest } from "../filecoin/randomness.js";
import { verifyDevnetWinningPoSt } from "../proofs/post.js";
import { METHOD_ERROR, RpcError } from "../rpc/errors.js";
import { activeSectors as partitionActiveSectors, minerPower } from "./actors/miner.js";
import type { MinerState, SectorOnChainInfo } from "./actors/miner-state.js";
import type { DevnetChain, HeadChange, Round, RoundWinner } from "./chain.js";
import { CONSENSUS_MINER_MIN_POWER, electWinner, winningChallengeRandomness, winningSector } from "./election.js";

/** Network version the devnet reports at every height (spec/devnet.md §2.1). */
export const DEVNET_NETWORK_VERSION = 28;

// ---- channels ----

/**
 * A go-jsonrpc channel's values as an AsyncIterable: `push` queues, the iteration ends when `close`
 * is called or the call's signal aborts (WebSocket closed, xrpc.cancel, server closing).
 */
export class EventChannel<T> implements AsyncIterable<T> {
  #queue: T[] = [];
  #wake: (() => void) | null = null;
  #closed = false;
  readonly #onClose: () => void;

  constructor(signal: AbortSignal, onClose: () => void = () => {}) {
    this.#onClose = onClose;
    if (signal.aborted) this.close();
    else signal.addEventListener("abort", () => this.close(), { once: true });
  }

  get closed(): boolean {
    return this.#closed;
  }

  push(v: T): void {
    if (this.#closed) return;
    this.#queue.push(v);
    this.#wake?.();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    this.#onClose();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        while (this.#queue.length > 0) yield this.#queue.shift()!;
        if (this.#closed) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = null;
      }
    } finally {
      this.close(); // the consumer stopped iterating (server closed the channel)
    }
  }
}

/** The first event of every channel: InitConnect with the channel's id. */
export function initConnectEvent(): RequestEvent {
  return {
    Id: randomUUID(),
    Method: EVENT_METHODS.InitConnect,
    Payload: encodeEventPayload(ConnectedCompleted, { ChannelId: randomUUID() }),
  };
}

// ---- proof event hub ----

interface Listener {
  seq: number;
  channel: EventChannel<RequestEvent>;
}

interface Pending {
  miner: number;
  listener: Listener;
  resolve(v: ComputeProofResponse): void;
  reject(e: Error): void;
}

/** Listeners per miner (oldest first) and the ComputeProof requests waiting for an answer. */
export class ProofEventHub {
  #seq = 0;
  readonly #listeners = new Map<number, Listener[]>();
  readonly #pending = new Map<string, Pending>();

  /** A new listener for `miner`; its channel starts with InitConnect and drops out when closed. */
  listen(miner: number, signal: AbortSignal): EventChannel<RequestEvent> {
    const listener: Listener = { seq: this.#seq++, channel: undefined as never };
    listener.channel = new EventChannel<RequestEvent>(signal, () => this.#drop(miner, listener));
    if (listener.channel.closed) return listener.channel;
    listener.channel.push(initConnectEvent());
    const list = this.#listeners.get(miner) ?? [];
    list.push(listener);
    this.#listeners.set(miner, list);
    return listener.channel;
  }

  #drop(miner: number, listener: Listener): void {
    const list = (this.#listeners.get(miner) ?? []).filter((l) => l !== listener);
    if (list.length > 0) this.#listeners.set(miner, list);
    else this.#listeners.delete(miner);
    for (const [id, p] of this.#pending)
      if (p.listener === listener) {
        this.#pending.delete(id);
        p.reject(new Error(`the proof-event channel of t0${miner} closed before answering`));
      }
  }

  listenerCount(miner: number): number {
    return this.#listeners.get(miner)?.length ?? 0;
  }

  /**
   * Sends ComputeProof to the miner's longest-connected listener and waits for its answer; rejects
   * on an Error answer, a closed channel, or `signal` (the end of the round).
   */
  computeProof(miner: number, request: ComputeProofRequest, signal: AbortSignal): Promise<ComputeProofResponse> {
    const listener = this.#listeners.get(miner)?.[0];
    if (!listener) return Promise.reject(new Error(`no proof-event listener for t0${miner}`));
    if (signal.aborted) return Promise.reject(new Error("the round ended"));
    const id = randomUUID();
    return new Promise<ComputeProofResponse>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.#pending.delete(id)) reject(new Error("no answer before the round ended"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const settle = <A extends unknown[]>(fn: (...a: A) => void) => (...a: A): void => {
        signal.removeEventListener("abort", onAbort);
        fn(...a);
      };
      this.#pending.set(id, { miner, listener, resolve: settle(resolve), reject: settle(reject) });
      listener.channel.push({ Id: id, Method: EVENT_METHODS.ComputeProof, Payload: encodeEventPayload(ComputeProofRequest, request) });
    });
  }

  /** ResponseProofEvent: settles the request; an unknown or settled Id is code 1. */
  respond(ev: ResponseEvent): void {
    const p = this.#pending.get(ev.Id);
    if (!p) throw new RpcError(METHOD_ERROR, `no pending proof request with id ${ev.Id} (unknown or already settled)`);
    this.#pending.delete(ev.Id);
    if (ev.Error !== "" || ev.Payload === null) {
      p.reject(new Error(`miner t0${p.miner} answered with an error: ${ev.Error || "empty payload"}`));
      return;
    }
    try {
      p.resolve(decodeEventPayload(ComputeProofResponse, ev.Payload, "ResponseProofEvent payload"));
    } catch (e) {
      p.reject(e as Error);
    }
  }
}

// ---- the WinningPoSt round (§6.2) ----

/** The chain surface the round uses (DevnetChain satisfies it). */
export type WinningChain = Pick<DevnetChain, "minerIds" | "minerState" | "beaconEntry" | "kvGet" | "kvPut" | "onHeadChange" | "onRoundStart">;

const STATS_NS = "winning";

export interface WinningStats {
  blocksWon: number;
  missed: number;
}

export function winningStats(chain: Pick<DevnetChain, "kvGet">, miner: number): WinningStats {
  const v = chain.kvGet(STATS_NS, String(miner)) as { blocksWon?: number; missed?: number } | undefined | null;
  return { blocksWon: v?.blocksWon ?? 0, missed: v?.missed ?? 0 };
}

function bump(chain: Pick<DevnetChain, "kvGet" | "kvPut">, miner: number, field: keyof WinningStats, by: number): void {
  const s = winningStats(chain, miner);
  s[field] = Math.max(0, s[field] + by);
  chain.kvPut(STATS_NS, String(miner), { blocksWon: s.blocksWon, missed: s.missed });
}

/** The active sectors of a miner in number order: what MinerGetBaseInfo.Sectors lists. */
export function minerActiveSectors(s: MinerState): SectorOnChainInfo[] {
  const out: SectorOnChainInfo[] = [];
  for (const d of s.Deadlines) for (const p of d.Partitions) for (const n of partitionActiveSectors(p)) out.push(s.Sectors.get(n)!);
  return out.sort((a, b) => a.SectorNumber - b.SectorNumber);
}

export interface RoundOutcome {
  winner: RoundWinner | null;
  /** For logs: who was elected and why a proof was not accepted. */
  elected: number | null;
  reason?: string;
}

/**
 * One round: elect (state after tipset e − 1, i.e. the head when the round starts), ask the winner
 * for a proof of its challenged sector, verify it before the round ends. A miss counts in
 * WinningPoStMissed; BlocksWon counts the blocks that name the miner (see `trackBlocksWon`).
 */
export async function runWinningRound(chain: WinningChain, hub: ProofEventHub, round: Round): Promise<RoundOutcome> {
  const e = round.epoch;
  const candidates = chain.minerIds().map((id) => {
    const s = chain.minerState(id);
    return { minerId: id, qaPower: s ? minerPower(s).qa : 0n, listening: hub.listenerCount(id) > 0 };
  });
  const digest = beaconDigest(chain.beaconEntry(e).data);
  const elected = electWinner(candidates, digest, e, CONSENSUS_MINER_MIN_POWER);
  if (!elected) return { winner: null, elected: null };
  const miner = elected.minerId;
  const miss = (reason: string): RoundOutcome => {
    bump(chain, miner, "missed", 1);
    return { winner: null, elected: miner, reason };
  };
  const state = chain.minerState(miner)!;
  const rand = winningChallengeRandomness(digest, e, miner);
  const sector = winningSector(miner, rand, minerActiveSectors(state).map((s) => ({ ...s, sectorNumber: s.SectorNumber })));
  if (!sector) return miss("no active sector to challenge");
  const postProof = sealProofType(sector.SealProof).winningPostProof;
  let answer: ComputeProofResponse;
  try {
    answer = await hub.computeProof(
      miner,
      {
        SectorInfos: [{ SealProof: sector.SealProof, SectorNumber: sector.SectorNumber, SectorKey: null, SealedCID: sector.SealedCID }],
        Rand: rand,
        Height: e,
        NWVersion: DEVNET_NETWORK_VERSION,
      },
      round.signal,
    );
  } catch (err) {
    return miss((err as Error).message);
  }
  if (round.signal.aborted) return miss("answer after the round ended");
  if (answer.length !== 1) return miss(`expected one PoStProof, got ${answer.length}`);
  const [proof] = answer;
  if (proof!.PoStProof !== postProof) return miss(`PoStProof ${proof!.PoStProof} is not the winning type ${postProof} of seal type ${sector.SealProof}`);
  const r = verifyDevnetWinningPoSt(proof!.ProofBytes, {
    postProof,
    minerId: miner,
    randomness: rand,
    sector: { sectorNumber: sector.SectorNumber, commR: cidToCommR(sector.SealedCID) },
  });
  if (!r.ok) return miss(`invalid winning proof: ${r.reason}`);
  return { winner: { minerId: miner }, elected: miner };
}

/** BlocksWon follows the chain: +1 per applied block naming a miner, −1 when it is reverted. */
export function trackBlocksWon(chain: WinningChain): () => void {
  return chain.onHeadChange((changes: HeadChange[]) => {
    for (const c of changes) {
      const miner = c.tipset.blocks[0].miner;
      if (miner !== 0) bump(chain, miner, "blocksWon", c.type === "apply" ? 1 : -1);
    }
  });
}

/** Wires the election into the chain's rounds; returns an unsubscribe. */
export function startWinningPoSt(
  chain: WinningChain,
  hub: ProofEventHub,
  log: (level: "info" | "warn", msg: string, fields?: Record<string, unknown>) => void = () => {},
): () => void {
  const offHead = trackBlocksWon(chain);
  const offRound = chain.onRoundStart(async (round) => {
    const o = await runWinningRound(chain, hub, round);
    if (o.elected !== null && !o.winner) log("warn", "winning post missed", { epoch: round.epoch, miner: `t0${o.elected}`, reason: o.reason });
    return o.winner;
  });
  return () => {
    offHead();
    offRound();
  };
}

// ---- Gateway.* ----

export interface GatewayDeps {
  hub: ProofEventHub;
  chain: Pick<DevnetChain, "resolveId" | "minerState">;
}

/** The miner id of a policy's address; a non-miner is code 1. */
export function minerIdOf(chain: GatewayDeps["chain"], address: string): number {
  const id = chain.resolveId(address);
  if (id === null || chain.minerState(id) === null) throw new RpcError(METHOD_ERROR, `${address} is not a miner actor`);
  return id;
}

/** ListenMarketEvent / ResponseMarketEvent, shared by Gateway and VENUS_MARKET (§5.2). */
export function marketEventMethods(chain: GatewayDeps["chain"]) {
  return {
    ListenMarketEvent(policy: { Miner: string }, ctx: CallContext): AsyncIterable<RequestEvent> {
      minerIdOf(chain, policy.Miner);
      const ch = new EventChannel<RequestEvent>(ctx.signal);
      ch.push(initConnectEvent());
      return ch;
    },
    ResponseMarketEvent(): null {
      return null;
    },
  };
}

export function createGatewayApi(deps: GatewayDeps): ServerMethods<typeof gatewayApi> {
  return {
    ListenProofEvent(policy, ctx) {
      return deps.hub.listen(minerIdOf(deps.chain, policy.MinerAddress), ctx.signal);
    },
    ResponseProofEvent(ev) {
      deps.hub.respond(ev);
      return null;
    },
    ...marketEventMethods(deps.chain),
  };
}
