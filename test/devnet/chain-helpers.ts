// Shared by the devnet unit tests: a chain over a temporary chain.db with a fixed seed and a manual clock.
import { join } from "node:path";
import type { TestContext } from "node:test";
import { openSqlite } from "../../src/db/sqlite.js";
import { DEVNET_POLICY, type Policy } from "../../src/filecoin/policy.js";
import { openChain, type Clock, type DevnetChain } from "../../src/devnet/chain.js";
import { buildGenesis, type Genesis } from "../../src/devnet/genesis.js";
import { DEVNET_MIGRATIONS } from "../../src/devnet/schema.js";
import { tempDir } from "../helpers/tmp.js";

export const SEED = new Uint8Array(32).fill(7);
export const GENESIS_MS = 1_700_000_000_000;
export const FIL = 10n ** 18n;

/** A clock whose time moves only with advance(); due timers fire in order. */
export class ManualClock implements Clock {
  private t = 1_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  /** Moves time forward, firing every timer that falls due (timers set while firing included). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = end;
  }
}

export interface TestChain {
  chain: DevnetChain;
  genesis: Genesis;
  clock: ManualClock;
  dbPath: string;
  reopen(): TestChain;
}

export async function makeChain(
  t: TestContext,
  opts: { policy?: Policy; blockTimeMs?: number; blockReward?: bigint; miners?: number[] } = {},
): Promise<TestChain> {
  const dir = await tempDir(t, "devnet-chain-");
  const dbPath = join(dir, "chain.db");
  const policy = opts.policy ?? DEVNET_POLICY;
  const blockTimeMs = opts.blockTimeMs ?? 1000;
  const genesis = buildGenesis({ seed: SEED, miners: (opts.miners ?? [2048]).map((sectorSize) => ({ sectorSize })), profile: policy, blockTimeMs });
  const open = (): TestChain => {
    const clock = new ManualClock();
    const db = openSqlite(dbPath, { exclusive: true, migrations: DEVNET_MIGRATIONS });
    const chain = openChain({
      db,
      setup: { genesis, seed: SEED, policy, genesisTimestampMs: GENESIS_MS },
      blockTimeMs,
      blockReward: opts.blockReward ?? 10n * FIL,
      clock,
    });
    const tc: TestChain = {
      chain,
      genesis,
      clock,
      dbPath,
      reopen: () => {
        chain.close();
        return open();
      },
    };
    t.after(() => tc.chain.close());
    return tc;
  };
  return open();
}
