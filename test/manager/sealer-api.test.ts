// The manager's Venus.* handlers served over the real RPC layer, against `damocles-devnet run` as a real
// process (100 ms blocks, a 3-epoch PreCommitChallengeDelay, its VENUS_MARKET) and a real SQLite store:
// what a sealing worker sees, call by call, with two real 2KiB sectors sealed and pre-committed.
import assert from "node:assert/strict";
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { lotusApi, type Message } from "../../src/api/lotus.js";
import { sealerApi } from "../../src/api/sealer.js";
import { createChainClient, createMarketClient, type ChainClient } from "../../src/chain/index.js";
import { SectorNotFoundError } from "../../src/db/manager-store.js";
import { openSqliteManagerStore } from "../../src/db/sqlite-manager-store.js";
import { minerEntropy } from "../../src/filecoin/address.js";
import { commRToCid } from "../../src/filecoin/cid.js";
import { MinerMethod, PreCommitSectorBatchParams2 } from "../../src/filecoin/miner-params.js";
import { DomainSeparationTag } from "../../src/filecoin/randomness.js";
import type { CommitmentManager } from "../../src/manager/commitment/types.js";
import { defaultManagerConfig, defaultMinerConfig } from "../../src/manager/config/schema.js";
import { persistedPaths } from "../../src/manager/modules/persist-stores.js";
import { createSealerApi, IMPLEMENTED_SEALER_METHODS } from "../../src/manager/sealer-api.js";
import { sealSector, type SealSectorOutput } from "../../src/proofs/seal.js";
import { rpcClient } from "../../src/rpc/client.js";
import { RpcError } from "../../src/rpc/errors.js";
import { createRpcServer, implement } from "../../src/rpc/server.js";
import { runCli } from "../helpers/cli.js";
import { initDevnetHome, spawnDevnet, until, waitHealthy } from "../helpers/devnet-process.js";
import { tempDir } from "../helpers/tmp.js";

const MINER = 1000;
const MADDR = "t01000";
const SEAL_PROOF = 5;
const DELAY = 3;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const code = (c: number) => (e: unknown) => e instanceof RpcError && e.code === c;

test("sealer API on a devnet: allocation with the on-chain check, deals (idempotent, released on abort), tickets, persist, WaitSeed, reports, 11001", { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t, "sealer-api-");
  const home = join(dir, "devnet");
  const init = await initDevnetHome(home, ["--block-time", "100ms", "--seed", "37".repeat(32), "--set", `pre_commit_challenge_delay=${DELAY}`]);
  const workerAddr = init.output.miners[0]!.worker;
  const devnet = spawnDevnet(t, ["run", "--home", home]);
  await waitHealthy(init.port, devnet);

  const lotus = rpcClient(lotusApi, { url: init.rpcUrl, token: init.token, timeoutMs: 60_000 });
  const chain = createChainClient({ url: `ws://127.0.0.1:${init.port}/rpc/v1`, token: init.token, timeoutMs: 30_000 });
  const market = createMarketClient({ url: init.rpcUrl, token: init.token });
  const store = openSqliteManagerStore(join(dir, "manager.db"));
  const cfg = defaultManagerConfig();
  cfg.Miners = [defaultMinerConfig(MINER)];
  cfg.Common.PersistStores = [{ Name: "p", Path: join(dir, "persist"), Meta: {}, ReadOnly: false, Plugin: "", PluginName: "", Strict: false, Weight: 1, AllowMiners: [], DenyMiners: [] }];
  cfg.Common.WorkerDefaults.seal_interval = "30s";
  cfg.Common.WorkerDefaults.ByWorker = { w1: { ...cfg.Common.WorkerDefaults, seal_interval: "1min", max_deals: 3 } } as typeof cfg.Common.WorkerDefaults.ByWorker;
  delete (cfg.Common.WorkerDefaults.ByWorker["w1"] as Record<string, unknown>)["ByWorker"];
  cfg.Common.WorkerDefaults.ByWorker["w1"]!.seal_interval = "1min";
  await mkdir(join(dir, "persist"), { recursive: true });
  const impl = createSealerApi({ store, chain, market, commitment: null, config: () => cfg, clock: { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }, logger: silent });
  const server = createRpcServer({ routes: [{ path: "/rpc/v0", apis: [implement(sealerApi, impl)] }] });
  const { port } = await server.listen("127.0.0.1", 0);
  const venus = rpcClient(sealerApi, { url: `http://127.0.0.1:${port}/rpc/v0`, timeoutMs: 60_000 });
  t.after(async () => {
    await venus.close();
    await server.close();
    await store.close();
    await market?.close();
    await chain.close();
    await lotus.close();
  });

  const send = async (method: number, params: Uint8Array, value: bigint): Promise<number> => {
    const msg: Message = { Version: 0, To: MADDR, From: workerAddr, Nonce: 0, Value: value, GasLimit: 0, GasFeeCap: 0n, GasPremium: 0n, Method: method, Params: params };
    const sm = await lotus.MpoolPushMessage(msg, null);
    const lookup = await lotus.StateWaitMsg(sm.CID!, 0, -1, true);
    assert.equal(lookup.Receipt.ExitCode, 0);
    return lookup.Height;
  };
  const empty = join(dir, "empty");
  await writeFile(empty, new Uint8Array(0));
  const seal = (n: number, ticket: Uint8Array): Promise<SealSectorOutput> =>
    sealSector({ sealProofId: SEAL_PROOF, minerId: MINER, sectorNumber: n, ticket, inputPath: empty, storeDir: join(dir, "local"), parentCacheDir: join(dir, "parents") });
  const preCommit = async (n: number, s: SealSectorOutput, ticketEpoch: number): Promise<void> => {
    const head = await lotus.ChainHead();
    const info = { SealProof: SEAL_PROOF, SectorNumber: n, SealedCID: commRToCid(s.commR), SealRandEpoch: ticketEpoch, DealIDs: [], Expiration: head.Height + 86_400 + DELAY + 518_400 + 10_000, UnsealedCid: null };
    const deposit = await lotus.StateMinerPreCommitDepositForPower(MADDR, info, []);
    await send(MinerMethod.PreCommitSectorBatch2, PreCommitSectorBatchParams2.encode({ Sectors: [info] }), deposit);
  };

  // ---- GetInfo from the chain; Version ----
  assert.deepEqual(await venus.GetInfo(MINER), { ID: MINER, Addr: MADDR, SectorSize: 2048, WindowPoStProofType: 10, SealProofType: SEAL_PROOF });
  assert.equal(await venus.GetInfo(1234), null);
  assert.match(await venus.Version(), /damocles-manager/);

  // ---- number 1 is already used on chain (pre-committed by someone else): the call fails, the number stays consumed ----
  const zeroTicket = await lotus.StateGetRandomnessFromTickets(DomainSeparationTag.SealRandomness, 0, minerEntropy(MINER), []);
  await preCommit(1, await seal(1, zeroTicket), 0);
  await assert.rejects(venus.AllocateSector({ AllowedMiners: null, AllowedProofTypes: null }), (e: unknown) => code(1)(e) && /already allocated on chain/.test((e as Error).message));
  assert.deepEqual(await venus.AllocateSector({ AllowedMiners: null, AllowedProofTypes: [SEAL_PROOF] }), { ID: { Miner: MINER, Number: 2 }, ProofType: SEAL_PROOF });
  assert.equal(await venus.AllocateSector({ AllowedMiners: [1001], AllowedProofTypes: null }), null);
  assert.equal(await venus.AllocateSector({ AllowedMiners: null, AllowedProofTypes: [8] }), null, "32GiB is not this miner's type");
  const s2 = { Miner: MINER, Number: 2 };

  // ---- CC: deals are off for the miner ----
  assert.equal(await venus.AcquireDeals(s2, { MaxDeals: null, MinUsedSpace: null }), null);

  // ---- ticket at max(0, head − 900): epoch 0 on this young chain, stored in the state ----
  const ticket = await venus.AssignTicket(s2);
  assert.equal(ticket.Epoch, Math.max(0, (await lotus.ChainHead()).Height - 900));
  assert.deepEqual(ticket.Ticket, await lotus.StateGetRandomnessFromTickets(DomainSeparationTag.SealRandomness, ticket.Epoch, minerEntropy(MINER), []));
  assert.deepEqual((await venus.FindSector("online", s2))?.Ticket, ticket);

  // ---- WaitSeed before the PreCommit is on chain: an error (code 1), not an outcome ----
  await assert.rejects(venus.WaitSeed(s2, SEAL_PROOF), code(1));

  // ---- reserve, persist the real files under the store's name, SubmitPersistedEx checks them and indexes the store ----
  const sealed2 = await seal(2, ticket.Ticket);
  assert.deepEqual(await venus.StoreReserveSpace(s2, 4096, ["p"]), { Name: "p", Path: join(dir, "persist"), Strict: false, ReadOnly: false, Weight: 1, Meta: {} });
  assert.equal(await venus.StoreReserveSpace(s2, 4096, ["elsewhere"]), null, "only the named candidates");
  assert.equal((await venus.StoreList())[0]!.Reserved, 4096);
  const dst = persistedPaths(join(dir, "persist"), s2, false);
  assert.equal(await venus.SubmitPersistedEx(s2, "p", false), false, "nothing persisted yet");
  await mkdir(dst.cacheDir, { recursive: true });
  await mkdir(join(dir, "persist", "sealed"), { recursive: true });
  await copyFile(sealed2.paths.sealed, dst.sealedFile);
  for (const f of ["p_aux", "t_aux"]) await copyFile(join(sealed2.paths.cacheDir, f), join(dst.cacheDir, f));
  assert.equal(await venus.SubmitPersistedEx(s2, "p", false), false, "tree-r-last is missing");
  await copyFile(join(sealed2.paths.cacheDir, "sc-02-data-tree-r-last.dat"), join(dst.cacheDir, "sc-02-data-tree-r-last.dat"));
  assert.deepEqual(await venus.SectorIndexerFind("normal", s2), { Found: false, Instance: { SealedFile: "", CacheDir: "" } });
  assert.equal(await venus.SubmitPersistedEx(s2, "unknown-store", false), false);
  assert.equal(await venus.SubmitPersistedEx(s2, "p", false), true);
  assert.deepEqual(await venus.SectorIndexerFind("normal", s2), { Found: true, Instance: { SealedFile: "p", CacheDir: "p" } });

  // ---- WaitSeed after the PreCommit: wait (remaining epochs × BlockDelaySecs), then the chain's seed, stored ----
  await preCommit(2, sealed2, ticket.Epoch);
  const pci = (await lotus.StateSectorPreCommitInfo(MADDR, 2, []))!;
  const net = await lotus.StateGetNetworkParams();
  const readyAt = pci.PreCommitEpoch + DELAY + 6;
  const first = await venus.WaitSeed(s2, SEAL_PROOF);
  const afterHead = (await lotus.ChainHead()).Height;
  if (afterHead < readyAt - 1) {
    assert.equal(first.ShouldWait, true);
    assert.equal(first.Seed, null);
    assert.ok(first.Delay > 0 && first.Delay <= (readyAt - pci.PreCommitEpoch) * net.BlockDelaySecs, `Delay ${first.Delay}`);
    assert.equal(first.Delay % net.BlockDelaySecs, 0);
  }
  const ready = await until(async () => {
    const r = await venus.WaitSeed(s2, SEAL_PROOF);
    return r.ShouldWait ? null : r;
  }, "seed ready", 30_000, 100);
  assert.ok((await lotus.ChainHead()).Height >= readyAt);
  const seedEpoch = pci.PreCommitEpoch + DELAY;
  assert.equal(ready.Delay, 0);
  assert.deepEqual(ready.Seed, {
    Epoch: seedEpoch,
    Seed: await lotus.StateGetRandomnessFromBeacon(DomainSeparationTag.InteractiveSealChallengeSeed, seedEpoch, minerEntropy(MINER), []),
  });
  assert.deepEqual((await venus.FindSector("online", s2))?.Seed, ready.Seed);
  // RandomnessAPI draws the same values
  assert.deepEqual(await venus.GetTicket([], ticket.Epoch, MINER), ticket);
  assert.deepEqual(await venus.GetSeed([], seedEpoch, MINER), ready.Seed);
  const commit = await venus.GetWindowPoStCommitRand([], seedEpoch);
  assert.deepEqual(commit, { Epoch: seedEpoch, Rand: await lotus.StateGetRandomnessFromTickets(DomainSeparationTag.PoStChainCommit, seedEpoch, new Uint8Array(0), []) });
  const challenge = await venus.GetWindowPoStChanlleengeRand([], seedEpoch, MINER);
  assert.deepEqual(challenge.Rand, await lotus.StateGetRandomnessFromBeacon(DomainSeparationTag.WindowedPoStChallengeSeed, seedEpoch, minerEntropy(MINER), []));

  // ---- ReportState stores the latest state; ReportFinalized moves the sector offline and releases the reservation ----
  const report = { Worker: { Instance: "w1", Location: "/data/t1" }, StateChange: { Prev: "SeedAssigned", Next: "C1Done", Event: "C1" }, Failure: null };
  assert.deepEqual(await venus.ReportState(s2, report), { Id: s2, Finalized: false, AbortReason: "" });
  assert.deepEqual((await venus.ListSectors("online", 1)).map((s) => [s.ID.Number, s.LatestState?.StateChange.Next]), [[2, "C1Done"]]);
  assert.equal(await venus.ReportFinalized(s2), null);
  assert.equal(await venus.ReportFinalized(s2), null, "repeatable");
  assert.equal((await venus.StoreList())[0]!.Reserved, 0);
  assert.deepEqual(await venus.ReportState(s2, report), { Id: s2, Finalized: true, AbortReason: "" });
  assert.equal(await venus.FindSector("online", s2), null);
  assert.equal((await venus.FindSectorInAllStates(s2))?.Finalized, true);
  await assert.rejects(venus.StoreReserveSpace(s2, 4096, []), code(11001), "a finalized sector is not online");
  await assert.rejects(venus.RestoreSector(s2, false), code(1), "a finalized sector needs forced");
  await venus.RestoreSector(s2, true);
  assert.equal((await venus.FindSector("online", s2))?.Finalized, false);
  await assert.rejects(venus.FinalizeSector(s2), code(1), "force-finalize needs the sector on chain (this one was never proven)");
  await venus.ReportFinalized(s2);

  // ---- RemoveSector: the indexed store's files of a sector that is not live on chain ----
  assert.equal(await venus.RemoveSector(s2), null);
  await assert.rejects(venus.RemoveSector({ Miner: MINER, Number: 1 }), code(11001), "number 1 has no state here");
  assert.equal((await venus.FindSector("offline", s2))?.Removed, true);
  await assert.rejects(copyFile(dst.sealedFile, join(dir, "x")), /ENOENT/, "the sealed file is gone");
  assert.equal(await venus.RemoveSector(s2), null, "removing twice is a no-op");

  // ---- deals from the devnet market: idempotent, released by ReportAborted (with the reservation) ----
  const payload = join(dir, "deal.bin");
  await writeFile(payload, Uint8Array.from({ length: 900 }, (_, i) => i & 0xff));
  const added = await runCli("damocles-devnet", ["deal", "add", payload, "--home", home, "--start-delay", "5000"]);
  assert.equal(added.code, 0, added.stderr);
  const dealId = (JSON.parse(added.stdout) as { deal_id: number }).deal_id;
  cfg.Miners[0]!.Sector.EnableDeals = true;
  const s3 = (await venus.AllocateSector({ AllowedMiners: [MINER], AllowedProofTypes: null }))!.ID;
  assert.deepEqual(s3, { Miner: MINER, Number: 3 });
  const pieces = await venus.AcquireDeals(s3, { MaxDeals: null, MinUsedSpace: null });
  assert.ok(pieces && pieces.some((p) => p.DealInfo.DealID === dealId && p.DealInfo.IsBuiltinMarket), JSON.stringify(pieces));
  assert.deepEqual(await venus.AcquireDeals(s3, { MaxDeals: null, MinUsedSpace: null }), pieces, "a repeated call gets the same deals");
  assert.deepEqual((await venus.FindSectorsWithDeal("online", dealId)).map((s) => s.ID.Number), [3]);
  assert.equal((await venus.FindSectorWithPiece("online", pieces.find((p) => p.DealInfo.DealID === dealId)!.Piece.PieceCID))?.ID.Number, 3);
  assert.ok(await venus.StoreReserveSpace(s3, 4096, []));
  assert.equal(await venus.ReportAborted(s3, "wiped by the operator"), null);
  assert.equal((await venus.StoreList())[0]!.Reserved, 0, "the reservation is released");
  assert.deepEqual(await venus.ReportState(s3, report), { Id: s3, Finalized: true, AbortReason: "wiped by the operator" });
  assert.deepEqual(await venus.FindSectorsWithDeal("online", dealId), []);
  await assert.rejects(venus.FindSectorsWithDeal("online", 0), code(1));
  await assert.rejects(venus.RemoveSector(s3), code(1), "never persisted: no index entry");
  await assert.rejects(venus.RestoreSector(s3, false), code(1), "an aborted sector holding deals needs forced");
  const s4 = (await venus.AllocateSector({ AllowedMiners: [MINER], AllowedProofTypes: null }))!.ID;
  const again = await venus.AcquireDeals(s4, { MaxDeals: null, MinUsedSpace: null });
  assert.ok(again?.some((p) => p.DealInfo.DealID === dealId), "the released deal is assigned again");

  // two AcquireDeals at once for one sector: both answer the same deals, and they stay assigned to it
  await writeFile(payload, Uint8Array.from({ length: 700 }, (_, i) => (i * 7) & 0xff));
  const added2 = await runCli("damocles-devnet", ["deal", "add", payload, "--home", home, "--start-delay", "5000"]);
  assert.equal(added2.code, 0, added2.stderr);
  const dealId2 = (JSON.parse(added2.stdout) as { deal_id: number }).deal_id;
  const s5 = (await venus.AllocateSector({ AllowedMiners: [MINER], AllowedProofTypes: null }))!.ID;
  const [a, b] = await Promise.all([0, 1].map(() => venus.AcquireDeals(s5, { MaxDeals: null, MinUsedSpace: null })));
  assert.deepEqual(a, b);
  assert.ok(a?.some((p) => p.DealInfo.DealID === dealId2), JSON.stringify(a));
  assert.deepEqual((await venus.FindSectorsWithDeal("online", dealId2)).map((x) => x.ID.Number), [s5.Number]);
  const s6 = (await venus.AllocateSector({ AllowedMiners: [MINER], AllowedProofTypes: null }))!.ID;
  const other = await venus.AcquireDeals(s6, { MaxDeals: null, MinUsedSpace: null });
  assert.ok(!(other ?? []).some((p) => p.DealInfo.DealID === dealId2 || p.DealInfo.DealID === dealId), "deals held by sectors 4 and 5 are not handed out again");

  // ---- 11001 exactly for sectors without a state record ----
  const ghost = { Miner: MINER, Number: 999 };
  for (const call of [
    () => venus.AcquireDeals(ghost, { MaxDeals: null, MinUsedSpace: null }),
    () => venus.AssignTicket(ghost),
    () => venus.WaitSeed(ghost, SEAL_PROOF),
    () => venus.ReportState(ghost, report),
    () => venus.ReportFinalized(ghost),
    () => venus.ReportAborted(ghost, "x"),
    () => venus.StoreReserveSpace(ghost, 4096, []),
    () => venus.SubmitPersistedEx(ghost, "p", false),
  ])
    await assert.rejects(call(), code(11001));

  // ---- worker registry, defaults, unimplemented methods ----
  await venus.WorkerPing({ Name: "w1", Dest: "127.0.0.1:17890", Version: "test", Summary: { Threads: 2, Empty: 1, Paused: 0, Running: 1, Waiting: 0, Errors: 0 } });
  assert.equal((await venus.WorkerGetPingInfo("w1"))?.Info.Dest, "127.0.0.1:17890");
  assert.deepEqual((await venus.WorkerPingInfoList()).map((p) => p.Info.Name), ["w1"]);
  await assert.rejects(venus.WorkerPing({ Name: "w2", Dest: "", Version: "", Summary: { Threads: 0, Empty: 0, Paused: 0, Running: 0, Waiting: 0, Errors: 0 } }), code(1));
  await venus.WorkerPingInfoRemove("w1");
  assert.equal(await venus.WorkerGetPingInfo("w1"), null);
  assert.deepEqual(await venus.WorkerSealingDefaults("w1"), { seal_interval: "1min", max_deals: 3 });
  assert.deepEqual(await venus.WorkerSealingDefaults("w9"), { seal_interval: "30s" });
  await assert.rejects(venus.SubmitPreCommit({ ID: s4, ProofType: SEAL_PROOF }, { CommR: new Uint8Array(32), CommD: new Uint8Array(32), Ticket: ticket }, false), code(-32601));
  await assert.rejects(venus.AllocateSanpUpSector({ Sector: { AllowedMiners: null, AllowedProofTypes: null }, Deals: { MaxDeals: null, MinUsedSpace: null } }), code(-32601));

  await rm(join(dir, "local"), { recursive: true, force: true });
});

test("sealer API: Submit*/Poll* go to the commitment manager with the sector, and its SectorNotFoundError becomes 11001", async (t) => {
  const dir = await tempDir(t, "sealer-api-commit-");
  const store = openSqliteManagerStore(join(dir, "manager.db"));
  t.after(() => store.close());
  const calls: unknown[] = [];
  const commitment: CommitmentManager = {
    async submitPreCommit(sector, info, reset) {
      calls.push(["pre", sector, info.CommR.length, reset]);
      return { Res: 1, Desc: null };
    },
    async preCommitState(sid) {
      throw new SectorNotFoundError(sid.miner, sid.number);
    },
    async submitProof(sid, info, reset) {
      calls.push(["proof", sid, info.Proof.length, reset]);
      return { Res: 4, Desc: "bad proof" };
    },
    async proofState(sid) {
      calls.push(["proofState", sid]);
      return { State: 3, Desc: null };
    },
    async submitTerminate(sid) {
      calls.push(["terminate", sid]);
      return { Res: 1, Desc: null };
    },
    async terminateState(sid) {
      throw new SectorNotFoundError(sid.miner, sid.number, false);
    },
    forceSend: async () => {},
    start: () => {},
    stop: async () => {},
  };
  const cfg = defaultManagerConfig();
  const api = createSealerApi({ store, chain: {} as ChainClient, market: null, commitment, config: () => cfg, clock: { now: Date.now, sleep: async () => {} }, logger: silent });
  const ctx = { perms: ["admin" as const], signal: new AbortController().signal, transport: "http" as const };
  const ticket = { Ticket: new Uint8Array(32), Epoch: 0 };
  assert.deepEqual(await api.SubmitPreCommit({ ID: { Miner: 1000, Number: 5 }, ProofType: 5 }, { CommR: new Uint8Array(32), CommD: new Uint8Array(32), Ticket: ticket }, true, ctx), { Res: 1, Desc: null });
  assert.deepEqual(await api.SubmitProof({ Miner: 1000, Number: 5 }, { Proof: new Uint8Array(192) }, false, ctx), { Res: 4, Desc: "bad proof" });
  assert.deepEqual(await api.PollProofState({ Miner: 1000, Number: 5 }, ctx), { State: 3, Desc: null });
  assert.deepEqual(await api.TerminateSector({ Miner: 1000, Number: 5 }, ctx), { Res: 1, Desc: null });
  await assert.rejects(Promise.resolve(api.PollPreCommitState({ Miner: 1000, Number: 6 }, ctx)), code(11001));
  await assert.rejects(Promise.resolve(api.PollTerminateSectorState({ Miner: 1000, Number: 6 }, ctx)), code(11001));
  // every method outside IMPLEMENTED_SEALER_METHODS answers -32601 naming itself
  const missing = Object.keys(sealerApi.methods).filter((m) => !(IMPLEMENTED_SEALER_METHODS as readonly string[]).includes(m));
  assert.ok(missing.includes("WdPoStAllocateJobs") && missing.includes("AllocateSanpUpSector"));
  for (const name of missing) {
    const fn = (api as unknown as Record<string, () => unknown>)[name]!;
    assert.throws(() => fn(), (e: unknown) => code(-32601)(e) && (e as Error).message.includes(`Venus.${name}`), name);
  }
  assert.deepEqual(calls, [
    ["pre", { miner: 1000, number: 5, proofType: 5 }, 32, true],
    ["proof", { miner: 1000, number: 5 }, 192, false],
    ["proofState", { miner: 1000, number: 5 }],
    ["terminate", { miner: 1000, number: 5 }],
  ]);
});
