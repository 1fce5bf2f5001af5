// sophon-messager subset over the devnet server: PushMessageWithId is idempotent (also across a restart),
// the record follows the message from the mpool to the chain and back on a revert, WaitMessage waits
// for the asked confidence.
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { messagerApi } from "../../src/api/messager.js";
import { formatAddress } from "../../src/filecoin/address.js";
import { secpKeyPair } from "../../src/filecoin/secp256k1.js";
import { createMessagerApi } from "../../src/devnet/messager-api.js";
import { createDevnetServer } from "../../src/devnet/server.js";
import type { DevnetChain } from "../../src/devnet/chain.js";
import { createToken, randomSecret } from "../../src/rpc/auth.js";
import { rpcClient } from "../../src/rpc/client.js";
import { RpcError } from "../../src/rpc/errors.js";
import { FIL, makeChain } from "./chain-helpers.js";

async function serve(t: TestContext, chain: DevnetChain) {
  const secret = randomSecret();
  const server = createDevnetServer({ chain, secret, services: { messager: createMessagerApi(chain) } });
  const { port } = await server.listen("127.0.0.1", 0);
  const token = await createToken(secret, ["read", "write"]);
  const client = rpcClient(messagerApi, { url: `ws://127.0.0.1:${port}/rpc/v0`, token });
  t.after(async () => {
    await client.close();
    await server.close();
  });
  return client;
}

const transfer = (from: string, to: string, value: bigint) => ({
  Version: 0, To: to, From: from, Nonce: 0, Value: value, GasLimit: 0, GasFeeCap: 0n, GasPremium: 0n, Method: 0, Params: new Uint8Array(),
});

test("PushMessageWithId: pushed once, record FillMsg → OnChainMsg with receipt and confidence; a known id pushes nothing", async (t) => {
  const tc = await makeChain(t);
  const { chain, genesis } = tc;
  const client = await serve(t, chain);
  const owner = genesis.accounts[0]!.address;
  const msg = transfer(owner, "t0101", FIL);
  assert.equal(await client.PushMessageWithId("pc-1", msg, null), "pc-1");
  assert.equal(await client.HasMessageByUid("pc-1"), true);
  assert.equal(await client.HasMessageByUid("pc-2"), false);
  assert.equal(await client.PushMessageWithId("pc-1", transfer(owner, "t0101", 2n * FIL), null), "pc-1");
  assert.equal(chain.mpoolPending().length, 1, "the repeated id sent nothing");

  const pending = await client.GetMessageByUid("pc-1");
  assert.equal(pending.State, 2);
  assert.equal(pending.ID, "pc-1");
  assert.equal(pending.From, owner);
  assert.equal(pending.Value, FIL);
  assert.ok(pending.SignedCid && pending.UnsignedCid);
  assert.equal(pending.Signature?.Type, 1);
  assert.equal(pending.Receipt, null);

  const wait = client.WaitMessage("pc-1", 2);
  let settled = false;
  void wait.then(() => (settled = true));
  chain.produceNext(); // included at 1
  chain.produceNext(); // receipt with 2
  const on = await client.GetMessageByUid("pc-1");
  assert.equal(on.State, 3);
  assert.equal(on.Height, 2);
  assert.equal(on.Confidence, 0);
  assert.equal(on.Receipt?.ExitCode, 0);
  assert.deepEqual(on.TipSetKey.map(String), chain.tipsetAt(2)!.cids.map(String));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(settled, false, "confidence 2 not reached yet");
  chain.produceNext();
  chain.produceNext();
  const done = await wait;
  assert.equal(done.State, 3);
  assert.equal(done.Confidence, 2);

  // a revert of the receipt's tipset puts the message back in the mpool: FillMsg again
  chain.revert(3);
  assert.equal((await client.GetMessageByUid("pc-1")).State, 2);
});

test("idempotent across a restart; a refused message is FailedMsg with the reason; an unknown id is code 1", async (t) => {
  const tc = await makeChain(t);
  const owner = tc.genesis.accounts[0]!.address;
  let client = await serve(t, tc.chain);
  await client.PushMessageWithId("commit-7", transfer(owner, "t0101", FIL), null);
  tc.chain.produceNext();
  const again = tc.reopen();
  client = await serve(t, again.chain);
  assert.equal(await client.HasMessageByUid("commit-7"), true);
  assert.equal(await client.PushMessageWithId("commit-7", transfer(owner, "t0101", FIL), null), "commit-7");
  assert.equal(again.chain.mpoolPending().length, 0, "already included: nothing new in the mpool");
  assert.equal(again.chain.listMessages({}).length, 1);

  const stranger = formatAddress(secpKeyPair(new Uint8Array(32).fill(9)).address, "t"); // not in the genesis wallet
  assert.equal(await client.PushMessageWithId("bad-1", transfer(stranger, "t0101", FIL), null), "bad-1");
  const failed = await client.GetMessageByUid("bad-1");
  assert.equal(failed.State, 4);
  assert.match(failed.ErrorMsg, /no key/);
  assert.equal(failed.SignedCid, null);
  assert.equal((await client.WaitMessage("bad-1", 0)).State, 4, "no wait for a refused message");
  await assert.rejects(client.GetMessageByUid("nope"), (e: unknown) => e instanceof RpcError && e.code === 1);
  await assert.rejects(client.WaitMessage("nope", 1), (e: unknown) => e instanceof RpcError && e.code === 1);
});
