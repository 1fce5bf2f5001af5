import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { lotusApi, type HeadChange } from "../../src/api/lotus.js";
import { minerEntropy } from "../../src/filecoin/address.js";
import { messageCid } from "../../src/filecoin/message.js";
import { verifySecpSignature } from "../../src/filecoin/secp256k1.js";
import { allowUpTo, createToken, randomSecret } from "../../src/rpc/auth.js";
import { rpcCall, rpcClient } from "../../src/rpc/client.js";
import { RpcError } from "../../src/rpc/errors.js";
import { createDevnetServer } from "../../src/devnet/server.js";
import { FIL, GENESIS_MS, makeChain } from "./chain-helpers.js";
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
