// Randomness for sealing and proving (spec/manager.md §8.6, protocols.md §1.6 AssignTicket / WaitSeed, §1.9
// RandomnessAPI): tickets and seeds drawn from the chain for a miner, and when a seed may be served.

import type { CID } from "multiformats/cid";
import type { Seed, Ticket, WindowPoStRandomness } from "../../api/sealer-types.js";
import type { ChainClient } from "../../chain/index.js";
import { minerEntropy } from "../../filecoin/address.js";
import { INTERACTIVE_POREP_CONFIDENCE } from "../../filecoin/policy.js";
import { DomainSeparationTag } from "../../filecoin/randomness.js";

export type RandomnessChain = Pick<ChainClient, "StateGetRandomnessFromTickets" | "StateGetRandomnessFromBeacon">;

export interface Randomness {
  /** SealRandomness (tickets) at `epoch` for the miner, on the chain of `tsk` ([] = head). */
  ticket(tsk: CID[], epoch: number, miner: number): Promise<Ticket>;
  /** InteractiveSealChallengeSeed (beacon) at `epoch`. */
  seed(tsk: CID[], epoch: number, miner: number): Promise<Seed>;
  /** WindowedPoStChallengeSeed (beacon) at `epoch`. */
  windowPoStChallenge(tsk: CID[], epoch: number, miner: number): Promise<WindowPoStRandomness>;
  /** PoStChainCommit (tickets, no entropy) at `epoch`. */
  windowPoStCommit(tsk: CID[], epoch: number): Promise<WindowPoStRandomness>;
}

export function createRandomness(chain: RandomnessChain): Randomness {
  return {
    async ticket(tsk, epoch, miner) {
      const t = await chain.StateGetRandomnessFromTickets(DomainSeparationTag.SealRandomness, epoch, minerEntropy(miner), tsk);
      return { Ticket: t, Epoch: epoch };
    },
    async seed(tsk, epoch, miner) {
      const s = await chain.StateGetRandomnessFromBeacon(DomainSeparationTag.InteractiveSealChallengeSeed, epoch, minerEntropy(miner), tsk);
      return { Seed: s, Epoch: epoch };
    },
    async windowPoStChallenge(tsk, epoch, miner) {
      const r = await chain.StateGetRandomnessFromBeacon(DomainSeparationTag.WindowedPoStChallengeSeed, epoch, minerEntropy(miner), tsk);
      return { Epoch: epoch, Rand: r };
    },
    async windowPoStCommit(tsk, epoch) {
      const r = await chain.StateGetRandomnessFromTickets(DomainSeparationTag.PoStChainCommit, epoch, new Uint8Array(0), tsk);
      return { Epoch: epoch, Rand: r };
    },
  };
}

export type SeedWait = { ready: true; seedEpoch: number } | { ready: false; seedEpoch: number; delaySecs: number };

/**
 * When the interactive seed of a sector pre-committed at `preCommitEpoch` may be served: it is drawn at
 * preCommitEpoch + challengeDelay and served once the head is 6 epochs past it; before that the worker waits
 * the remaining epochs × the block time. Both network values come from StateGetNetworkParams.
 */
export function seedWait(head: number, preCommitEpoch: number, challengeDelay: number, blockDelaySecs: number): SeedWait {
  const seedEpoch = preCommitEpoch + challengeDelay;
  const readyAt = seedEpoch + INTERACTIVE_POREP_CONFIDENCE;
  if (head >= readyAt) return { ready: true, seedEpoch };
  return { ready: false, seedEpoch, delaySecs: (readyAt - head) * blockDelaySecs };
}
