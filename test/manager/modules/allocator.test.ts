// The allocator over a real SQLite store; the three chain reads it makes come from a small in-memory chain
// (the sealer-api test runs it against a real devnet).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { openSqliteManagerStore } from "../../../src/db/sqlite-manager-store.js";
import { defaultManagerConfig, defaultMinerConfig, type ManagerConfig } from "../../../src/manager/config/schema.js";
import { createAllocator, type AllocatorChain } from "../../../src/manager/modules/allocator.js";
import { createSectorStateManager } from "../../../src/manager/modules/sector-state.js";
import { RpcError } from "../../../src/rpc/errors.js";
import { tempDir } from "../../helpers/tmp.js";

const KiB2 = 2048;
const MiB8 = 8 << 20;

function chainOf(sizes: Record<string, number>, allocated: Set<string>, nv = 21): AllocatorChain & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    StateMinerInfo: (async (addr: string) => {
      calls.push(`info ${addr}`);
      return { SectorSize: sizes[addr], WindowPoStProofType: sizes[addr] === KiB2 ? 10 : 11 };
    }) as unknown as AllocatorChain["StateMinerInfo"],
    StateNetworkVersion: (async () => nv) as AllocatorChain["StateNetworkVersion"],
    StateMinerSectorAllocated: (async (addr: string, n: number) => {
      calls.push(`allocated ${addr} ${n}`);
      return allocated.has(`${addr}/${n}`);
    }) as AllocatorChain["StateMinerSectorAllocated"],
  };
}

function config(): ManagerConfig {
  const c = defaultManagerConfig();
  const a = defaultMinerConfig(1000);
  a.Sector.MinNumber = 10;
  a.Sector.MaxNumber = 12;
  const b = defaultMinerConfig(1001);
  b.Sector.InitNumber = 5;
  c.Miners = [a, b];
  return c;
}

test("allocator: two miners, spec filters, Min/Init numbers, MaxNumber drops a miner, on-chain allocated numbers stay consumed", async (t) => {
  const store = openSqliteManagerStore(join(await tempDir(t), "m.db"));
  t.after(() => store.close());
  const states = createSectorStateManager(store);
  const allocated = new Set(["t01000/11"]);
  const chain = chainOf({ t01000: KiB2, t01001: MiB8 }, allocated);
  const cfg = config();
  const counted: number[] = [];
  let pick = 0; // random() → first candidate
  const alloc = createAllocator({ store, chain, states, config: () => cfg, random: () => pick, metrics: { newSector: (m) => counted.push(m) } });

  // 2KiB V1_1 is 5: the first number above MinNumber 10 is 11, already allocated on chain ⇒ code 1, consumed
  await assert.rejects(alloc.allocate({ AllowedMiners: [1000], AllowedProofTypes: null }), (e: unknown) => e instanceof RpcError && e.code === 1 && /11/.test(e.message));
  assert.equal(await states.load({ Miner: 1000, Number: 11 }), null, "no state for the refused number");
  assert.deepEqual(await alloc.allocate({ AllowedMiners: [1000], AllowedProofTypes: null }), { ID: { Miner: 1000, Number: 12 }, ProofType: 5 });
  assert.equal((await states.mustLoad({ Miner: 1000, Number: 12 })).SectorType, 5, "the online state exists");
  // MaxNumber 12 reached: miner 1000 is dropped
  assert.equal(await alloc.allocate({ AllowedMiners: [1000], AllowedProofTypes: [] }), null);
  // with no restriction the exhausted miner is skipped and 1001 (InitNumber 5) gets 6, 8MiB V1_1 = 6
  assert.deepEqual(await alloc.allocate({ AllowedMiners: null, AllowedProofTypes: null }), { ID: { Miner: 1001, Number: 6 }, ProofType: 6 });
  // proof-type filter
  assert.equal(await alloc.allocate({ AllowedMiners: null, AllowedProofTypes: [5] }), null);
  pick = 0.99;
  assert.deepEqual(await alloc.allocate({ AllowedMiners: null, AllowedProofTypes: [6, 5] }), { ID: { Miner: 1001, Number: 7 }, ProofType: 6 });
  // disabled miners get nothing
  cfg.Miners[1]!.Sector.Enabled = false;
  assert.equal(await alloc.allocate({ AllowedMiners: [1001], AllowedProofTypes: null }), null);
  assert.deepEqual(counted, [1000, 1001, 1001]);
  // MinNumber raised at run time takes effect; lowering it has no effect
  cfg.Miners[1]!.Sector.Enabled = true;
  cfg.Miners[1]!.Sector.MinNumber = 100;
  assert.equal((await alloc.allocate({ AllowedMiners: [1001], AllowedProofTypes: null }))?.ID.Number, 101);
  cfg.Miners[1]!.Sector.MinNumber = 1;
  assert.equal((await alloc.allocate({ AllowedMiners: [1001], AllowedProofTypes: null }))?.ID.Number, 102);
});

test("allocator: seal proof type from the network version and UseSyntheticPoRep; GetInfo", async (t) => {
  const store = openSqliteManagerStore(join(await tempDir(t), "m.db"));
  t.after(() => store.close());
  const cfg = config();
  cfg.Miners[0]!.Sealing.UseSyntheticPoRep = true;
  const states = createSectorStateManager(store);
  const modern = createAllocator({ store, chain: chainOf({ t01000: KiB2, t01001: MiB8 }, new Set()), states, config: () => cfg });
  assert.deepEqual(await modern.minerInfo(1000), { ID: 1000, Addr: "t01000", SectorSize: KiB2, WindowPoStProofType: 10, SealProofType: 10 });
  assert.equal(await modern.minerInfo(4242), null, "not a configured miner");
  const old = createAllocator({ store, chain: chainOf({ t01000: KiB2, t01001: MiB8 }, new Set(), 6), states, config: () => cfg });
  assert.equal((await old.minerInfo(1001))?.SealProofType, 1, "V1 before network version 7");
});
