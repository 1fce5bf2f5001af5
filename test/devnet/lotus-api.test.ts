import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { lotusApi, type HeadChange } from "../../src/api/lotus.js";
import { formatAddress, minerEntropy } from "../../src/filecoin/address.js";
import { BitField } from "../../src/filecoin/bitfield.js";
import { commRToCid } from "../../src/filecoin/cid.js";
import { messageCid, signedMessageCid } from "../../src/filecoin/message.js";
import { verifySecpSignature } from "../../src/filecoin/secp256k1.js";
import { allowUpTo, createToken, randomSecret } from "../../src/rpc/auth.js";
import { rpcCall, rpcClient } from "../../src/rpc/client.js";
import { RpcError } from "../../src/rpc/errors.js";
import { cloneMinerState, newPartition, type MinerState, type Partition, type SectorOnChainInfo } from "../../src/devnet/actors/miner-state.js";
import { accountKey, beaconData } from "../../src/devnet/genesis.js";
import { createDevnetServer } from "../../src/devnet/server.js";
import { FIL, GENESIS_MS, SEED, makeChain } from "./chain-helpers.js";
import type { Perm } from "../../src/api/define.js";

async function serve(t: TestContext) {
  const tc = await makeChain(t);
  const secret = randomSecret();
  const server = createDevnetServer({ chain: tc.chain, secret });
  const { port } = await server.listen("127.0.0.1", 0);
  t.after(() => server.close());
  const client = async (perm: Perm, ws = false) => {
    const c = rpcClient(lotusApi, { url: `${ws ? "ws" : "http"}://127.0.0.1:${port}/rpc/v1`, token: await createToken(secret, allowUpTo(perm)) });
    t.after(() => c.close());
    return c;
  };
  return { ...tc, port, secret, client };
}

const rpcCode = async (p: Promise<unknown>): Promise<number> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcError) return e.code;
    throw e;
  }
  throw new Error("the call succeeded");
};

test("chain, network and randomness methods answer in Lotus shapes", async (t) => {
  const { chain, client } = await serve(t);
  chain.produceNext();
  chain.produceNext();
  const api = await client("read");
  const head = await api.ChainHead();
  assert.equal(head.Height, 2);
  assert.equal(head.Cids[0]!.toString(), chain.head().cids[0]!.toString());
  const b = head.Blocks[0]!;
  assert.equal(b.Miner, "t00");
  assert.equal(b.ParentBaseFee, 100n);
  assert.equal(b.ElectionProof, null);
  assert.deepEqual(b.BeaconEntries.map((e) => e.Round), [2]);
  assert.deepEqual(b.Parents.map(String), chain.tipsetAt(1)!.cids.map(String));
  const byHeight = await api.ChainGetTipSetByHeight(1, []);
  assert.equal(byHeight.Height, 1);
  assert.equal((await api.ChainGetTipSet(byHeight.Cids)).Height, 1);
  assert.equal(await api.StateNetworkName(), "damocles-devnet");
  assert.equal(await api.StateNetworkVersion([]), 28);
  const np = await api.StateGetNetworkParams();
  assert.equal(np.BlockDelaySecs, 1);
  assert.equal(np.ConsensusMinerMinPower, 2048n);
  assert.equal(np.PreCommitChallengeDelay, 10);
  assert.equal(np.GenesisTimestamp, GENESIS_MS / 1000);
  assert.ok(Object.entries(np.ForkUpgradeParams).every(([k, v]) => k === "BreezeGasTampingDuration" || (v as number) < 0));
  const entropy = minerEntropy(1000);
  assert.deepEqual(await api.StateGetRandomnessFromTickets(5, 1, entropy, []), chain.ticketRandomness(5, 1, entropy));
  assert.deepEqual(await api.StateGetRandomnessFromBeacon(6, 2, entropy, []), chain.beaconRandomness(6, 2, entropy));
  assert.deepEqual(await api.StateGetRandomnessDigestFromTickets(1, []), chain.ticketDigest(1));
  assert.equal(await rpcCode(api.StateGetRandomnessFromTickets(5, 3, entropy, [])), 1, "above the head");
  assert.equal(await rpcCode(api.StateGetRandomnessFromBeacon(5, 2, entropy, byHeight.Cids)), 1, "above the given tipset");
  assert.equal(await rpcCode(api.StateNetworkVersion([chain.tipsetAt(0)!.cids[0]!, chain.tipsetAt(1)!.cids[0]!])), 1, "unknown tipset key");
  assert.equal((await api.StateGetBeaconEntry(5)).Round, 5);
  assert.equal((await api.Version()).APIVersion, 0x020300);
});

test("miner views: info, deadlines, partitions, allocation, deposit and pledge estimates", async (t) => {
  const { chain, client } = await serve(t);
  chain.produceNext();
  const api = await client("read");
  const info = await api.StateMinerInfo("t01000", []);
  assert.equal(info.Owner, "t0100");
  assert.equal(info.Worker, "t0101");
  assert.equal(info.SectorSize, 2048);
  assert.equal(info.WindowPoStProofType, 10);
  assert.equal(info.WindowPoStPartitionSectors, 2);
  const dl = await api.StateMinerProvingDeadline("t01000", []);
  assert.equal(dl.CurrentEpoch, 1);
  assert.equal(dl.WPoStChallengeWindow, 10);
  assert.equal(dl.WPoStProvingPeriod, 480);
  assert.equal(dl.WPoStChallengeLookback, 4);
  assert.equal(dl.FaultDeclarationCutoff, 6);
  assert.ok(dl.Open <= 1 && 1 < dl.Close);
  assert.equal((await api.StateMinerDeadlines("t01000", [])).length, 48);
  assert.deepEqual(await api.StateMinerPartitions("t01000", 0, []), []);
  assert.equal(await api.StateMinerSectorAllocated("t01000", 1, []), false);
  assert.equal((await api.StateMinerAllocated("t01000", [])).toArray().length, 0);
  assert.equal(await api.StateSectorPreCommitInfo("t01000", 1, []), null);
  assert.equal(await api.StateSectorGetInfo("t01000", 1, []), null);
  assert.deepEqual(await api.StateMinerActiveSectors("t01000", []), []);
  assert.equal(await api.StateMinerAvailableBalance("t01000", []), 0n);
  assert.equal((await api.StateMinerPower("t01000", [])).HasMinPower, false);
  const pci = { SealProof: 5, SectorNumber: 1, SealedCID: chain.head().cids[0]!, SealRandEpoch: 0, DealIDs: [], Expiration: 600_000, UnsealedCid: null };
  assert.equal(await api.StateMinerPreCommitDepositForPower("t01000", pci, []), 2252n, "110 % of 2048 attoFIL");
  assert.equal(await api.StateMinerInitialPledgeForSector(518_400, 2048, 2048, []), 22528n, "verified bytes count 10×");
  const base = await api.MinerGetBaseInfo("t01000", 2, []);
  assert.equal(base?.WorkerKey.startsWith("t1"), true);
  assert.equal(base?.EligibleForMining, false);
  assert.equal(await rpcCode(api.StateMinerInfo("t0100", [])), 1, "an account is not a miner");
  assert.equal(await api.StateLookupID(chain.actorAddress(100), []), "t0100");
  assert.equal(await api.StateAccountKey("t0100", []), chain.actorAddress(100));
  const actor = await api.StateGetActor("t0102", []);
  assert.equal(actor.Balance, 10_000n * FIL);
  assert.equal(await api.WalletBalance("t0102"), 10_000n * FIL);
  assert.equal(await rpcCode(api.StateMarketStorageDeal(1, [])), 1, "no market: no deal");
});

test("messages: MpoolPushMessage needs sign, StateWaitMsg reports the receipt tipset, lists and lookups", async (t) => {
  const { chain, client } = await serve(t);
  const read = await client("read");
  const sign = await client("sign");
  const msg = {
    Version: 0,
    To: "t0102",
    From: chain.actorAddress(100),
    Nonce: 0,
    Value: 3n * FIL,
    GasLimit: 0,
    GasFeeCap: 0n,
    GasPremium: 0n,
    Method: 0,
    Params: new Uint8Array(0),
  };
  assert.equal(await rpcCode(read.MpoolPushMessage(msg, null)), 1, "read may not push");
  const est = await read.GasEstimateMessageGas(msg, null, []);
  assert.equal(est.GasLimit, Math.ceil(500_000 * 1.25));
  const sm = await sign.MpoolPushMessage(msg, null);
  assert.equal(sm.Message.Nonce, 0);
  assert.equal(await read.MpoolGetNonce(chain.actorAddress(100)), 1);
  const waiting = read.StateWaitMsg(sm.CID!, 1, -1, true);
  chain.produceNext();
  assert.equal(await read.StateSearchMsg([], sm.CID!, -1, true), null);
  chain.produceNext();
  chain.produceNext();
  const lookup = await waiting;
  assert.equal(lookup.Height, 2);
  assert.equal(lookup.Receipt.ExitCode, 0);
  assert.deepEqual(lookup.TipSet.map(String), chain.tipsetAt(2)!.cids.map(String));
  assert.equal((await read.StateSearchMsg([], sm.CID!, -1, true))?.Height, 2);
  assert.equal((await read.ChainGetMessage(sm.CID!)).Value, 3n * FIL);
  assert.deepEqual((await read.StateListMessages({ From: "t0100" }, [], 0)).map(String), [sm.CID!.toString()]);
  assert.deepEqual(await read.StateListMessages({ To: "t0101" }, [], 0), []);
  const data = new Uint8Array([1, 2, 3]);
  const sig = await sign.WalletSign("t0100", data);
  assert.ok(verifySecpSignature(sig.Data, data, chain.actorAddress(100)));
  assert.equal(await rpcCode(sign.WalletSign("t01000", data)), 1, "no key for a miner");
  assert.ok((await sign.WalletList()).includes(chain.actorAddress(100)));
  // MpoolPush of a message signed elsewhere.
  const unsigned = { ...msg, Nonce: 1, GasLimit: 1_000_000, GasFeeCap: 200n, GasPremium: 100n };
  const s2 = await sign.WalletSign("t0100", messageCid(unsigned).bytes);
  const write = await client("write");
  const cid = await write.MpoolPush({ Message: unsigned, Signature: s2 });
  assert.equal(chain.getMessage(cid)?.signed.Message.Nonce, 1);
});

test("ChainNotify over WebSocket: current first, then apply and revert", async (t) => {
  const { chain, client } = await serve(t);
  const ws = await client("read", true);
  const changes = await ws.ChainNotify();
  const it = changes[Symbol.asyncIterator]();
  const first = await it.next();
  assert.deepEqual(first.value?.map((c: HeadChange) => [c.Type, c.Val.Height]), [["current", 0]]);
  chain.produceNext();
  chain.produceNext();
  assert.deepEqual((await it.next()).value?.map((c: HeadChange) => [c.Type, c.Val.Height]), [["apply", 1]]);
  assert.deepEqual((await it.next()).value?.map((c: HeadChange) => [c.Type, c.Val.Height]), [["apply", 2]]);
  chain.revert(1);
  assert.deepEqual((await it.next()).value?.map((c: HeadChange) => [c.Type, c.Val.Height]), [["revert", 2]]);
  const http = await client("read");
  assert.equal(await rpcCode(http.ChainNotify()), -32601, "channels are WebSocket only");
  await it.return?.();
});

test("every call needs a token, read methods included", async (t) => {
  const { port, secret } = await serve(t);
  const res = await fetch(`http://127.0.0.1:${port}/rpc/v1`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "Filecoin.ChainHead", params: [] }),
  });
  assert.equal(res.status, 401);
  const body = (await res.json()) as { id: number; error: { code: number } };
  assert.equal(body.id, 7);
  assert.equal(body.error.code, 401);
  const token = await createToken(secret, allowUpTo("read"));
  await assert.rejects(rpcCall(`http://127.0.0.1:${port}/rpc/v0`, "Filecoin.ChainHead", [], { token }), (e: unknown) => e instanceof RpcError && e.code === -32601);
  await assert.rejects(rpcCall(`http://127.0.0.1:${port}/rpc/v1`, "Filecoin.NoSuchMethod", [], { token }), (e: unknown) => e instanceof RpcError && e.code === -32601);
  await assert.rejects(
    rpcCall(`http://127.0.0.1:${port}/rpc/v1`, "Filecoin.StateMinerInfo", [42, null], { token }),
    (e: unknown) => e instanceof RpcError && e.code === -32602 && /params\[0\]/.test(e.message),
  );
  const health = await fetch(`http://127.0.0.1:${port}/healthcheck`);
  assert.equal(health.status, 200);
});

// ---- sector views over a hand-built miner state (the actor rules themselves are tested in actors/miner.test.ts) ----

const sectorInfo = (n: number, pledge: bigint): SectorOnChainInfo => ({
  SectorNumber: n, SealProof: 5, SealedCID: commRToCid(new Uint8Array(32).fill(n)), DeprecatedDealIDs: [], Activation: 1, Expiration: 700_000,
  DealWeight: 0n, VerifiedDealWeight: 0n, InitialPledge: pledge, ExpectedDayReward: null, ExpectedStoragePledge: null, PowerBaseEpoch: 1,
  ReplacedDayReward: null, SectorKeyCID: null, Flags: 1, DailyFee: 0n,
});

/**
 * Miner t01000 with, in deadline D (20 after the current one, so no deadline end touches it here): partition 0
 * = {1 active, 2 faulty with a declared recovery}, partition 1 = {3 unproven}; in D + 1: {4 terminated};
 * sector 9 pre-committed; balance 1,000,000 attoFIL.
 */
function craftMiner(s: MinerState): { state: MinerState; d: number } {
  const c = cloneMinerState(s);
  const d = (c.CurrentDeadline + 20) % 48;
  for (const n of [1, 2, 3, 4]) c.Sectors.set(n, sectorInfo(n, 2048n));
  const part = (sectors: number[], over: Partial<Partition> = {}): Partition => ({ ...newPartition(), Sectors: BitField.fromSet(sectors), ...over });
  c.Deadlines[d]!.Partitions = [
    part([1, 2], { Faults: BitField.fromSet([2]), Recoveries: BitField.fromSet([2]), FaultExpirations: new Map([[2, 100_000]]) }),
    part([3], { Unproven: BitField.fromSet([3]) }),
  ];
  c.Deadlines[(d + 1) % 48]!.Partitions = [part([4], { Terminated: BitField.fromSet([4]) })];
  c.PreCommittedSectors.set(9, {
    Info: { SealProof: 5, SectorNumber: 9, SealedCID: commRToCid(new Uint8Array(32).fill(9)), SealRandEpoch: 0, DealIDs: [], Expiration: 700_000, UnsealedCid: null },
    PreCommitDeposit: 2048n,
    PreCommitEpoch: 1,
  });
  c.AllocatedSectors = BitField.fromSet([1, 2, 3, 4, 9]);
  c.PreCommitDeposits = 2048n;
  c.InitialPledge = 3n * 2048n;
  c.Balance = 1_000_000n;
  return { state: c, d };
}

async function serveCrafted(t: TestContext) {
  const s = await serve(t);
  let d = -1;
  // Test-only: t07's end-of-epoch hook writes the hand-built state once.
  s.chain.registerActor(7, {
    invoke: () => null,
    endOfEpoch(_epoch, tx) {
      if (d >= 0) return;
      const crafted = craftMiner(tx.minerState(1000)!);
      d = crafted.d;
      tx.setMinerState(1000, crafted.state);
    },
  });
  s.chain.produceNext();
  s.chain.produceNext();
  return { ...s, d };
}

test("StateMinerSectors (null filter: all; bitfield: those), StateMinerActiveSectors, Faults, Recoveries, SectorPartition", async (t) => {
  const { client, d } = await serveCrafted(t);
  const api = await client("read");
  const all = await api.StateMinerSectors("t01000", null, []);
  assert.deepEqual(all.map((x) => x.SectorNumber), [1, 2, 3, 4], "null filter: every sector on chain, terminated ones included");
  assert.equal(all[0]!.SealedCID.toString(), commRToCid(new Uint8Array(32).fill(1)).toString());
  assert.equal(all[0]!.InitialPledge, 2048n);
  assert.equal(all[0]!.Expiration, 700_000);
  assert.equal("DeprecatedDealIDs" in all[0]!, false, "Lotus's SectorOnChainInfo JSON has no DeprecatedDealIDs");
  const some = await api.StateMinerSectors("t01000", BitField.fromSet([1, 3, 7]), []);
  assert.deepEqual(some.map((x) => x.SectorNumber), [1, 3], "a bitfield filter: those of its numbers that exist");
  assert.deepEqual(await api.StateMinerSectors("t01000", BitField.EMPTY, []), []);
  assert.deepEqual((await api.StateMinerActiveSectors("t01000", [])).map((x) => x.SectorNumber), [1], "live, not faulty, proven");
  assert.deepEqual((await api.StateMinerFaults("t01000", [])).toArray(), [2]);
  assert.deepEqual((await api.StateMinerRecoveries("t01000", [])).toArray(), [2]);
  assert.deepEqual(await api.StateSectorPartition("t01000", 3, []), { Deadline: d, Partition: 1 });
  assert.deepEqual(await api.StateSectorPartition("t01000", 2, []), { Deadline: d, Partition: 0 });
  assert.equal(await rpcCode(api.StateSectorPartition("t01000", 9, [])), 1, "a pre-committed sector is in no partition");
  const parts = await api.StateMinerPartitions("t01000", d, []);
  assert.deepEqual(parts.map((p) => [p.AllSectors.toArray(), p.LiveSectors.toArray(), p.ActiveSectors.toArray(), p.FaultySectors.toArray(), p.RecoveringSectors.toArray()]), [
    [[1, 2], [1, 2], [1], [2], [2]],
    [[3], [3], [], [], []],
  ]);
  assert.equal((await api.StateSectorPreCommitInfo("t01000", 9, []))?.PreCommitDeposit, 2048n);
  assert.equal(await api.StateMinerSectorAllocated("t01000", 9, []), true);
});

test("StateMinerDeadlines, StateMinerAvailableBalance, StateMinerPower and MinerGetBaseInfo over the same state", async (t) => {
  const { chain, client } = await serveCrafted(t);
  const api = await client("read");
  const dls = await api.StateMinerDeadlines("t01000", []);
  assert.equal(dls.length, 48);
  assert.deepEqual(Object.keys(dls[0]!).sort(), ["DailyFee", "DisputableProofCount", "PostSubmissions"]);
  assert.ok(dls.every((x) => x.PostSubmissions.toArray().length === 0 && x.DisputableProofCount === 0 && x.DailyFee === 0n));
  assert.equal(await api.StateMinerAvailableBalance("t01000", []), 1_000_000n - 2048n - 3n * 2048n, "balance less deposits and pledge");
  const power = await api.StateMinerPower("t01000", []);
  assert.deepEqual(power.MinerPower, { RawBytePower: 2048n, QualityAdjPower: 2048n }, "only sector 1 has power");
  assert.equal(power.HasMinPower, true);
  const h = chain.height;
  const base = (await api.MinerGetBaseInfo("t01000", h + 1, []))!;
  assert.equal(base.MinerPower, 2048n);
  assert.equal(base.NetworkPower, 2048n);
  assert.deepEqual(base.Sectors.map((x) => [x.SectorNumber, x.SealProof, x.SealedCID.toString()]), [[1, 5, commRToCid(new Uint8Array(32).fill(1)).toString()]]);
  assert.equal(base.WorkerKey, chain.actorAddress(101));
  assert.equal(base.SectorSize, 2048);
  assert.deepEqual(base.PrevBeaconEntry, { Round: h, Data: beaconData(SEED, h) });
  assert.deepEqual(base.BeaconEntries, [{ Round: h + 1, Data: beaconData(SEED, h + 1) }]);
  assert.equal(base.EligibleForMining, true);
});

test("ChainGetTipSetAfterHeight, StateGetBeaconEntry data, StateLookupID / StateAccountKey / StateGetActor on a miner", async (t) => {
  const { chain, client } = await serve(t);
  for (let i = 0; i < 3; i++) chain.produceNext();
  const api = await client("read");
  const at2 = await api.ChainGetTipSetAfterHeight(2, []);
  assert.equal(at2.Height, 2, "no null rounds: the tipset at the height itself");
  assert.deepEqual(at2.Cids.map(String), chain.tipsetAt(2)!.cids.map(String));
  assert.equal((await api.ChainGetTipSetAfterHeight(-5, [])).Height, 0);
  assert.equal((await api.ChainGetTipSetAfterHeight(1, chain.tipsetAt(2)!.cids)).Height, 1);
  assert.equal(await rpcCode(api.ChainGetTipSetAfterHeight(4, [])), 1, "above the head");
  assert.deepEqual(await api.StateGetBeaconEntry(7), { Round: 7, Data: beaconData(SEED, 7) }, "deterministic, future rounds too");
  assert.equal(await api.StateLookupID("t01000", []), "t01000");
  assert.equal(await rpcCode(api.StateLookupID("t0555", [])), 1, "no such actor");
  assert.equal(await rpcCode(api.StateAccountKey("t01000", [])), 1, "a miner has no key address");
  const miner = await api.StateGetActor("t01000", []);
  assert.equal(miner.Balance, 0n);
  assert.equal(miner.Nonce, 0);
  assert.equal((await api.StateGetActor(chain.actorAddress(101), [])).Nonce, 0, "by key address");
  assert.equal(await api.WalletBalance(formatAddress(accountKey(SEED, 77).address, "t")), 0n, "an unknown key address holds nothing");
});

test("StateSearchMsg honours the lookback limit; StateWaitMsg and StateSearchMsg with allowReplaced either way", async (t) => {
  const { chain, client } = await serve(t);
  const sign = await client("sign");
  const read = await client("read");
  const msg = { Version: 0, To: "t0102", From: "t0100", Nonce: 0, Value: 1n, GasLimit: 0, GasFeeCap: 0n, GasPremium: 0n, Method: 0, Params: new Uint8Array(0) };
  const sm = await sign.MpoolPushMessage(msg, null);
  assert.equal(sm.Message.From, chain.actorAddress(100), "signed by the key address");
  assert.equal(sm.CID!.toString(), signedMessageCid({ Message: { ...sm.Message }, Signature: sm.Signature }).toString());
  chain.produceNext();
  chain.produceNext(); // receipt tipset: 2
  for (const allowReplaced of [true, false]) {
    const w = await read.StateWaitMsg(sm.CID!, 0, 10, allowReplaced);
    assert.equal(w.Height, 2);
    assert.equal(w.Message.toString(), sm.CID!.toString());
    assert.equal(w.Receipt.GasUsed, 500_000);
    assert.equal((await read.StateSearchMsg([], sm.CID!, 0, allowReplaced))?.Height, 2, "receipt at the head: within lookback 0");
  }
  for (let i = 0; i < 5; i++) chain.produceNext(); // head 7
  assert.equal(await read.StateSearchMsg([], sm.CID!, 4, true), null, "5 epochs back is beyond a lookback of 4");
  assert.equal((await read.StateSearchMsg([], sm.CID!, 5, true))?.Height, 2);
  assert.equal((await read.StateSearchMsg([], sm.CID!, -1, false))?.Height, 2, "-1: no limit");
  assert.equal((await read.StateSearchMsg(chain.tipsetAt(3)!.cids, sm.CID!, 1, false))?.Height, 2, "the limit counts from the given tipset");
  assert.equal(await read.StateSearchMsg(chain.tipsetAt(1)!.cids, sm.CID!, -1, false), null, "not yet executed at tipset 1");
});
