import assert from "node:assert/strict";
import { test } from "node:test";
import { CID } from "multiformats/cid";
import { parseApiEndpoint } from "../../src/chain/endpoints.js";
import { createChainClient, DEVNET_NETWORK_NAME, minerActorId, rpcOptions, type NetworkInfo } from "../../src/chain/lotus-client.js";
import { minerEntropy } from "../../src/filecoin/address.js";
import { beaconDigest, drawRandomness, ticketDigest } from "../../src/filecoin/randomness.js";
import { RpcError, TransportError } from "../../src/rpc/errors.js";
import { toHex } from "../helpers/vectors.js";
import { serveFake } from "./fake-lotus.js";

const FAST = { attempts: 100, minMs: 20, maxMs: 100 };

test("typed results over HTTP and WebSocket with the bearer token; a missing token is a 401 RpcError", async (t) => {
  const f = await serveFake(t);
  const acct = f.node.addAccount(123_456_789_012_345_678_901n);
  f.node.mine(3);
  for (const base of [f.http, f.ws]) {
    const c = createChainClient({ url: `${base}/rpc/v1`, token: f.token, retry: FAST });
    t.after(() => c.close());
    const head = await c.head();
    assert.equal(head.Height, 3);
    assert.ok(CID.asCID(head.Cids[0]) !== null);
    assert.ok(head.Cids[0]!.equals(f.node.head.cid));
    assert.equal(head.Blocks[0]!.ParentBaseFee, 100n);
    const actor = await c.StateGetActor(acct.key, []);
    assert.equal(actor.Balance, 123_456_789_012_345_678_901n);
    assert.equal(await c.StateLookupID(acct.key, []), acct.id);
    const info = await c.networkInfo();
    assert.deepEqual([info.name, info.blockDelaySecs, info.preCommitChallengeDelay, info.devnet], [DEVNET_NETWORK_NAME, 30, 150, true]);
    assert.equal(info.params.ConsensusMinerMinPower, 2048n);
  }
  const anon = createChainClient({ url: `${f.http}/rpc/v1`, retry: FAST });
  await assert.rejects(anon.head(), (e: unknown) => e instanceof RpcError && e.code === 401);
  const absent = createChainClient({ url: `${f.http}/rpc/v1`, token: f.token });
  await assert.rejects(absent.StateMinerPower("t01000", []), (e: unknown) => e instanceof RpcError && e.code === -32601);
});

test("networkInfo: devnet only when both names say so; cached until the connection is lost", async (t) => {
  const f = await serveFake(t);
  const c = createChainClient({ url: `${f.http}/rpc/v1`, token: f.token, retry: FAST });
  t.after(() => c.close());
  f.node.network = { name: DEVNET_NETWORK_NAME, paramsName: "calibrationnet", blockDelaySecs: 30, preCommitChallengeDelay: 150 };
  const info = await c.networkInfo();
  assert.equal(info.devnet, false);
  f.node.network = { name: "mainnet", blockDelaySecs: 30, preCommitChallengeDelay: 150 };
  assert.equal((await c.networkInfo()).name, DEVNET_NETWORK_NAME, "cached while the link holds");
  assert.equal(await c.networkInfo(), await c.networkInfo());
});

test("sealTicket: tag 5 at max(0, head − 900) with CBOR(miner address) on the head's chain", async (t) => {
  const f = await serveFake(t);
  const c = createChainClient({ url: `${f.http}/rpc/v1`, token: f.token, retry: FAST });
  f.node.mine(1000);
  const head = await c.head();
  const { ticket, epoch } = await c.sealTicket(1000, head);
  assert.equal(epoch, 100);
  assert.equal(toHex(ticket), toHex(drawRandomness(ticketDigest(f.node.tipsets[100]!.vrfProof), 5, 100, minerEntropy(1000))));
  const call = f.node.randomnessCalls.at(-1)!;
  assert.deepEqual([call.kind, call.tag, call.epoch, toHex(call.entropy)], ["tickets", 5, 100, "4300e807"]);
  assert.ok(call.tsk[0]!.equals(head.Cids[0]!), "drawn on the chain of the head used");
  assert.equal(toHex((await c.sealTicket("t01000", head)).ticket), toHex(ticket), "an ID address is the same miner");

  const young = await serveFake(t);
  young.node.mine(10);
  const y = createChainClient({ url: `${young.http}/rpc/v1`, token: young.token, retry: FAST });
  const early = await y.sealTicket(1000);
  assert.equal(early.epoch, 0, "a chain younger than 900 epochs gives tickets at epoch 0");
  assert.equal(toHex(early.ticket), toHex(drawRandomness(ticketDigest(young.node.tipsets[0]!.vrfProof), 5, 0, minerEntropy(1000))));
  await assert.rejects(c.sealTicket("t1abc", head), RangeError);
  assert.throws(() => minerActorId(-1), RangeError);
});

test("interactiveSeed: tag 6 beacon draw at PreCommitEpoch + the node's PreCommitChallengeDelay", async (t) => {
  const f = await serveFake(t);
  f.node.network.preCommitChallengeDelay = 15;
  const c = createChainClient({ url: `${f.http}/rpc/v1`, token: f.token, retry: FAST });
  f.node.mine(40);
  const s = await c.interactiveSeed(1000, 20);
  assert.equal(s.epoch, 35);
  assert.equal(toHex(s.seed), toHex(drawRandomness(beaconDigest(f.node.tipsets[35]!.beacon), 6, 35, minerEntropy(1000))));
  assert.equal(f.node.randomnessCalls.at(-1)!.kind, "beacon");
  assert.equal((await c.interactiveSeed(1000, 20, 5)).epoch, 25);
  const head = await c.head();
  await assert.rejects(c.interactiveSeed(1000, 30, undefined, head), /seed epoch 45 is above head 40/);
});

test("WebSocket: the client reconnects to a node restarted on the same port and re-reads the network", async (t) => {
  const f = await serveFake(t);
  const c = createChainClient({ url: `${f.ws}/rpc/v1`, token: f.token, retry: FAST, reconnect: { minMs: 10, maxMs: 50 } });
  t.after(() => c.close());
  assert.equal((await c.networkInfo()).blockDelaySecs, 30);
  const reconnected = new Promise<NetworkInfo>((resolve) => c.onReconnect(resolve));

  await f.stop();
  f.node.network = { name: "restarted-net", blockDelaySecs: 4, preCommitChallengeDelay: 10 };
  f.node.mine(2);
  await new Promise((r) => setTimeout(r, 100));
  await f.start();

  const info = await reconnected;
  assert.deepEqual([info.name, info.blockDelaySecs, info.preCommitChallengeDelay, info.devnet], ["restarted-net", 4, 10, false]);
  assert.equal((await c.networkInfo()).name, "restarted-net");
  assert.equal((await c.head()).Height, 2);
});

test("HTTP: reads retry with backoff while the node is down; network info is re-read after the outage", async (t) => {
  const f = await serveFake(t);
  const c = createChainClient({ url: `${f.http}/rpc/v1`, token: f.token, retry: FAST });
  assert.equal((await c.networkInfo()).name, DEVNET_NETWORK_NAME);
  await f.stop();
  await assert.rejects(c.ChainHead(), (e: unknown) => e instanceof TransportError && e.kind === "network", "raw calls are not retried");
  const pending = c.head();
  await new Promise((r) => setTimeout(r, 150));
  f.node.network = { name: "other-net", blockDelaySecs: 6, preCommitChallengeDelay: 20 };
  await f.start();
  assert.equal((await pending).Height, 0);
  assert.equal((await c.networkInfo()).name, "other-net");

  const bounded = createChainClient({ url: `http://127.0.0.1:1/rpc/v1`, retry: { attempts: 3, minMs: 5, maxMs: 10 } });
  await assert.rejects(bounded.head(), TransportError);
  const ac = new AbortController();
  ac.abort(new Error("stop now"));
  await assert.rejects(c.head(ac.signal), /stop now/);
});

test("an endpoint parsed from a Damocles config dials the node, with the Venus namespace header", async (t) => {
  const f = await serveFake(t);
  const e = parseApiEndpoint(`/ip4/127.0.0.1/tcp/${f.port}`, "Chain", f.token);
  assert.equal(e.url, `ws://127.0.0.1:${f.port}/rpc/v1`);
  assert.deepEqual(rpcOptions(e), { url: e.url, token: f.token, headers: { "X-VENUS-API-NAMESPACE": "v1.FullNode" } });
  assert.deepEqual(rpcOptions({ url: "http://x/rpc/v1", headers: { A: "b" } }), { url: "http://x/rpc/v1", headers: { A: "b" } });
  const c = createChainClient({ ...e, retry: FAST });
  t.after(() => c.close());
  assert.equal((await c.head()).Height, 0);
});
