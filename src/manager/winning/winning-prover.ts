// WinningPoSt for `daemon run --miner` (spec/manager.md §8.12, devnet.md §6): per miner with Proof.Enabled, a
// ListenProofEvent channel on the sophon-gateway (re-opened after a drop); each ComputeProof request is answered
// with ResponseProofEvent: the winning proof of the challenged sector (a kind-3 devnet proof, devnet only), or
// Error naming why none could be made.
import type { ClientMethods } from "../../api/define.js";
import {
  ComputeProofRequest,
  ComputeProofResponse,
  decodeEventPayload,
  encodeEventPayload,
  EVENT_METHODS,
  type GatewayApi,
  type RequestEvent,
} from "../../api/gateway.js";
import { formatIdAddress } from "../../filecoin/address.js";
import { sealProofType } from "../../filecoin/proof-types.js";
import { encodeDevnetWinningPoSt } from "../../proofs/devnet-proof.js";
import type { MinerConfig } from "../config/schema.js";
import type { Logger } from "../logger.js";
import type { SectorFiles } from "../poster/window-poster.js";
import { prewarmVanillaThread, threadVanillaProver, type VanillaProver } from "../poster/vanilla-runner.js";

/** Pause before re-opening a dropped or refused channel. */
export const RECONNECT_MS = 5000;

export type GatewayClient = Pick<ClientMethods<GatewayApi>, "ListenProofEvent" | "ResponseProofEvent">;

export interface WinningProverDeps {
  gateway: GatewayClient;
  miners: () => MinerConfig[];
  locate: (miner: number, sectorNumber: number, upgraded: boolean) => Promise<SectorFiles | null>;
  network: () => { devnet: boolean };
  clock: { sleep(ms: number, signal?: AbortSignal): Promise<void> };
  logger: Logger;
  prover?: VanillaProver;
  reconnectMs?: number;
  /** Closes the gateway connection at stop: an open channel only ends when its socket does. */
  closeGateway?: () => Promise<void>;
}

export interface WinningProver {
  start(): void;
  stop(): Promise<void>;
  /** Answers one request event (what the listeners do for each event); exported for tests. */
  handle(miner: number, ev: RequestEvent): Promise<void>;
  /** ComputeProof requests answered with a proof / with an error. */
  readonly counts: { proved: number; failed: number };
}

export function createWinningProver(deps: WinningProverDeps): WinningProver {
  const log = deps.logger;
  const prover = deps.prover ?? threadVanillaProver;
  const life = new AbortController();
  const loops = new Map<number, Promise<void>>();
  const counts = { proved: 0, failed: 0 };

  async function computeProof(miner: number, req: ComputeProofRequest): Promise<Uint8Array> {
    if (!deps.network().devnet) throw new Error("no Groth16 prover configured: external winning_post processor needed (devnet proofs go only to damocles-devnet)");
    if (req.SectorInfos.length === 0) throw new Error("ComputeProof lists no sector");
    const postProof = sealProofType(req.SectorInfos[0]!.SealProof).winningPostProof;
    const sectors = [];
    for (const s of req.SectorInfos) {
      const loc = await deps.locate(miner, s.SectorNumber, s.SectorKey !== null);
      if (!loc) throw new Error(`sector ${s.SectorNumber} of miner ${miner}: no persisted files in the sector index`);
      sectors.push({ sectorNumber: s.SectorNumber, ...loc });
    }
    const vp = await prover({ postProof, minerId: miner, randomness: req.Rand, sectors }, life.signal);
    return encodeEventPayload(ComputeProofResponse, [{ PoStProof: postProof, ProofBytes: encodeDevnetWinningPoSt(vp) }]);
  }

  async function handle(miner: number, ev: RequestEvent): Promise<void> {
    if (ev.Method === EVENT_METHODS.InitConnect) {
      log.info({ miner, channel: ev.Id }, "proof event channel connected");
      return;
    }
    if (ev.Method !== EVENT_METHODS.ComputeProof) {
      await deps.gateway.ResponseProofEvent({ Id: ev.Id, Payload: null, Error: `unsupported method ${ev.Method}` });
      return;
    }
    let answer: { Payload: Uint8Array | null; Error: string };
    try {
      const req = decodeEventPayload(ComputeProofRequest, ev.Payload, "ComputeProof payload");
      const started = Date.now();
      answer = { Payload: await computeProof(miner, req), Error: "" };
      counts.proved++;
      log.debug({ miner, height: req.Height, sectors: req.SectorInfos.map((s) => s.SectorNumber), ms: Date.now() - started }, "WinningPoSt computed");
    } catch (e) {
      counts.failed++;
      const msg = e instanceof Error ? e.message : String(e);
      log.warn({ miner, id: ev.Id, err: msg }, "WinningPoSt failed");
      answer = { Payload: null, Error: msg };
    }
    await deps.gateway.ResponseProofEvent({ Id: ev.Id, ...answer });
  }

  async function listen(miner: number): Promise<void> {
    const MinerAddress = formatIdAddress(miner, "t");
    while (!life.signal.aborted) {
      try {
        const channel = await deps.gateway.ListenProofEvent({ MinerAddress });
        for await (const ev of channel) {
          if (life.signal.aborted) break;
          // Each request is answered on its own: a slow proof must not hold the channel.
          void handle(miner, ev).catch((e: unknown) => log.warn({ miner, id: ev.Id, err: e }, "ResponseProofEvent failed"));
        }
        if (!life.signal.aborted) log.warn({ miner }, "proof event channel closed; re-opening");
      } catch (e) {
        if (!life.signal.aborted) log.warn({ miner, err: e }, "ListenProofEvent failed; retrying");
      }
      await deps.clock.sleep(deps.reconnectMs ?? RECONNECT_MS, life.signal).catch(() => {});
    }
  }

  return {
    start() {
      // Listen only once a prover thread is warm: an answer is due within one block time.
      const warm = deps.prover ? Promise.resolve() : prewarmVanillaThread().catch((e: unknown) => log.warn({ err: e }, "prover thread did not start"));
      for (const cfg of deps.miners()) {
        if (!cfg.Proof.Enabled || loops.has(cfg.Actor)) continue;
        loops.set(cfg.Actor, warm.then(() => listen(cfg.Actor)));
      }
    },
    async stop() {
      life.abort(new Error("winning prover stopping"));
      await deps.closeGateway?.().catch(() => {});
      await Promise.allSettled(loops.values());
    },
    handle,
    counts,
  };
}
