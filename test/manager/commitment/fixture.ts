// Setup shared by the commitment manager tests: the miner and proof type they seal for, a devnet with CC
// sectors sealed against its ticket, a sector record as Init leaves it plus a ticket (built on the manager's own
// newSectorState, so the tests follow its zero values), a clock the test moves, and a logger that says nothing.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { SectorState } from "../../../src/api/sealer-types.js";
import { createChainClient, type ChainClient, type ChainClientOptions } from "../../../src/chain/index.js";
import type { Clock, Logger } from "../../../src/manager/commitment/index.js";
import { newSectorState } from "../../../src/manager/modules/sector-state.js";
import { sealSector, type SealSectorOutput } from "../../../src/proofs/seal.js";
import { initDevnetHome, spawnDevnet, waitHealthy } from "../../helpers/devnet-process.js";

export const MINER = 1000;
export const SEAL_PROOF = 5; // 2KiB V1_1

/** The devnet's PreCommitChallengeDelay: short, so ProveCommit seeds come a few 100 ms blocks after PreCommit. */
export const DELAY = 3;

export interface SealedDevnet {
  rpcUrl: string;
  token: string;
  /** Closed when the test ends. */
  chain: ChainClient;
  /** MINER's worker address. */
  worker: string;
  ticket: { Ticket: Uint8Array; Epoch: number };
  sealed: Map<number, SealSectorOutput>;
}

/** A running devnet (100 ms blocks) under `dir` and empty sectors `numbers` of MINER sealed with its current ticket. */
export async function sealedOnDevnet(t: TestContext, dir: string, numbers: readonly number[], chainOpts: Partial<ChainClientOptions> = {}): Promise<SealedDevnet> {
  const home = join(dir, "devnet");
  const init = await initDevnetHome(home, ["--block-time", "100ms", "--seed", "42".repeat(32), "--set", `pre_commit_challenge_delay=${DELAY}`]);
  const worker = init.output.miners[0]!.worker;
  const devnet = spawnDevnet(t, ["run", "--home", home]);
  await waitHealthy(init.port, devnet);
  const chain = createChainClient({ ...chainOpts, url: init.rpcUrl, token: init.token });
  t.after(() => chain.close());
  const st = await chain.sealTicket(MINER);
  const empty = join(dir, "empty");
  await writeFile(empty, new Uint8Array(0));
  const sealed = new Map<number, SealSectorOutput>();
  for (const n of numbers)
    sealed.set(n, await sealSector({ sealProofId: SEAL_PROOF, minerId: MINER, sectorNumber: n, ticket: st.ticket, inputPath: empty, storeDir: join(dir, "store"), parentCacheDir: join(dir, "parents") }));
  return { rpcUrl: init.rpcUrl, token: init.token, chain, worker, ticket: { Ticket: st.ticket, Epoch: st.epoch }, sealed };
}

export const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Sector `number` of MINER after Init, with its ticket assigned; `extra` overrides any field. */
export function sectorDoc(number: number, ticket: { Ticket: Uint8Array; Epoch: number }, extra: Partial<SectorState> = {}): SectorState {
  return { ...newSectorState({ Miner: MINER, Number: number }, SEAL_PROOF), Ticket: ticket, ...extra };
}

/** A clock the test moves: sleeps end when `advance` passes their deadline. */
export class ManualClock implements Clock {
  private t = 1_000_000;
  private waiters: { at: number; resolve: () => void }[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const w = { at: this.t + ms, resolve };
      this.waiters.push(w);
      signal?.addEventListener("abort", () => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(signal.reason as Error);
      });
    });
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.waiters.filter((w) => w.at <= this.t);
    this.waiters = this.waiters.filter((w) => w.at > this.t);
    for (const w of due) w.resolve();
  }
}
