import assert from "node:assert/strict";
import { test } from "node:test";
import { blake2b } from "@noble/hashes/blake2.js";
import { minerEntropy } from "../../src/filecoin/address.js";
import { messageCid, signedMessageCid, type Message } from "../../src/filecoin/message.js";
import { drawRandomness } from "../../src/filecoin/randomness.js";
import { signMessageCid } from "../../src/filecoin/secp256k1.js";
import { accountKey, beaconData, ticketVrfProof } from "../../src/devnet/genesis.js";
import type { HeadChange } from "../../src/devnet/chain.js";
import { FIL, GENESIS_MS, SEED, makeChain } from "./chain-helpers.js";

const b2 = (b: Uint8Array): Uint8Array => blake2b(b, { dkLen: 32 });

const transfer = (from: string, to: string, value: bigint): Message => ({
  Version: 0,
  To: to,
  From: from,
  Nonce: 0,
  Value: value,
  GasLimit: 0,
  GasFeeCap: 0n,
  GasPremium: 0n,
  Method: 0,
  Params: new Uint8Array(0),
});

test("genesis: accounts funded, miners created, a deterministic genesis tipset", async (t) => {
  const { chain, genesis } = await makeChain(t);
  assert.equal(chain.height, 0);
  const head = chain.head();
  assert.equal(head.blocks[0].timestampMs, GENESIS_MS);
  assert.deepEqual(head.blocks[0].vrfProof, ticketVrfProof(SEED, 0, 0));
  const owner = genesis.accounts[0]!;
  assert.equal(chain.resolveId(owner.address), 100);
  assert.equal(chain.resolveId("t0100"), 100);
  assert.equal(chain.resolveId("t0555"), null);
  assert.equal(chain.balanceOf(100), 10_000n * FIL);
  assert.equal(chain.actorAddress(100), owner.address);
  assert.deepEqual(chain.minerIds(), [1000]);
  assert.equal(chain.minerState(1000)?.Info.Worker, 101);
  assert.equal(chain.genesis.dealClient, 102);
  // Same seed, same genesis block CID.
  const again = await makeChain(t);
  assert.equal(again.chain.head().key, head.key);
});

test("production links tipsets; randomness follows filecoin.md §15 with the devnet's tickets and beacon", async (t) => {
  const { chain } = await makeChain(t);
  const g = chain.head();
  const ts1 = chain.produceNext();
  const ts2 = chain.produceNext();
  assert.equal(ts1.height, 1);
  assert.deepEqual(ts1.blocks[0].parents, g.cids);
  assert.deepEqual(ts2.blocks[0].parents, ts1.cids);
  assert.equal(ts2.blocks[0].parentBaseFee, 100n);
  assert.deepEqual(ts2.blocks[0].beacon, { round: 2, data: beaconData(SEED, 2) });
  assert.equal(chain.tipsetByKey(ts1.cids)?.height, 1);
  assert.equal(chain.tipsetAt(3), null);
  const entropy = minerEntropy(1000);
  assert.deepEqual(chain.ticketRandomness(5, 1, entropy), drawRandomness(b2(ticketVrfProof(SEED, 0, 1)), 5, 1, entropy));
  assert.deepEqual(chain.beaconRandomness(6, 2, entropy), drawRandomness(b2(beaconData(SEED, 2)), 6, 2, entropy));
  // Negative epochs: epoch 0's digest, the negative epoch in the hash.
  assert.deepEqual(chain.ticketRandomness(4, -5, entropy), drawRandomness(b2(ticketVrfProof(SEED, 0, 0)), 4, -5, entropy));
  assert.deepEqual(chain.beaconRandomness(4, -5, entropy), drawRandomness(b2(beaconData(SEED, 0)), 4, -5, entropy));
  assert.throws(() => chain.ticketRandomness(5, 3, entropy), /above the head/);
  assert.throws(() => chain.beaconRandomness(5, 3, entropy), /above the head/);
});

test("a transfer: included in e, executed at e, receipt with e + 1; gas burnt to f099; nonces advance", async (t) => {
  const { chain, genesis } = await makeChain(t);
  const [owner, , client] = genesis.accounts;
  const sm = chain.pushMessage(transfer(owner!.address, client!.idAddress, 5n * FIL));
  assert.equal(sm.Message.Nonce, 0);
  assert.ok(sm.Message.GasLimit > 0);
  const sm2 = chain.pushMessage(transfer("t0100", client!.address, 1n * FIL));
  assert.equal(sm2.Message.Nonce, 1, "the next nonce counts the mpool");
  assert.equal(sm2.Message.From, owner!.address, "signed with the key address");
  assert.equal(chain.mpoolNonce(owner!.address), 2);
  const cid = messageCid(sm.Message);
  const signedCid = chain.mpoolPending()[0]!.cid;
  const waited = chain.waitMessage(signedCid, 0);
  const ts1 = chain.produceNext();
  assert.equal(ts1.blocks[0].messages.length, 2);
  assert.equal(chain.searchMessage(signedCid), null, "no receipt before tipset e + 1");
  assert.equal(chain.mpoolNonce(owner!.address), 2, "included but unexecuted messages still count");
  chain.produceNext();
  const lookup = chain.searchMessage(signedCid)!;
  assert.equal(lookup.height, 2);
  assert.equal(lookup.receipt.exitCode, 0);
  assert.equal((await waited).height, 2);
  assert.equal(chain.searchMessage(cid)?.height, 2, "found by the unsigned CID too");
  assert.equal(chain.balanceOf(102), 10_006n * FIL);
  const gas = lookup.receipt.gasUsed * 100n * 2n;
  assert.equal(chain.balanceOf(100), 10_000n * FIL - 6n * FIL - gas);
  assert.equal(chain.balanceOf(99), gas);
  assert.equal(chain.view().actor(100)?.nonce, 2);
  assert.deepEqual(chain.listMessages({ from: 100 }).map(String), [signedCid.toString(), chain.listMessages({ from: 100 })[1]!.toString()]);
  assert.equal(chain.listMessages({ to: 102, fromHeight: 2 }).length, 0);
  // State at an older tipset still shows the old balance.
  assert.equal(chain.view(ts1.cids).balanceOf(102), 10_000n * FIL);
});

test("MpoolPush refuses bad signatures, unknown senders, short balances and keys it does not hold", async (t) => {
  const { chain, genesis } = await makeChain(t);
  const owner = genesis.accounts[0]!;
  const msg: Message = { ...transfer(owner.address, "t0102", 1n), GasLimit: 1_000_000, GasFeeCap: 200n, GasPremium: 100n };
  const pk = accountKey(SEED, 1).privateKey; // the worker's key, not the owner's
  assert.throws(() => chain.mpoolPush({ Message: msg, Signature: { Type: 1, Data: signMessageCid(pk, messageCid(msg).bytes) } }), /invalid signature/);
  const rich: Message = { ...msg, Value: 20_000n * FIL };
  const ownerPk = accountKey(SEED, 0).privateKey;
  assert.throws(
    () => chain.mpoolPush({ Message: rich, Signature: { Type: 1, Data: signMessageCid(ownerPk, messageCid(rich).bytes) } }),
    /below Value \+ GasLimit × GasFeeCap/,
  );
  assert.throws(() => chain.pushMessage(transfer("t01000", "t0100", 1n)), /no key for t01000/);
  assert.throws(() => chain.pushMessage(transfer("t0555", "t0100", 1n)), /no key for t0555/);
  const ok = chain.mpoolPush({ Message: msg, Signature: { Type: 1, Data: signMessageCid(ownerPk, messageCid(msg).bytes) } });
  assert.equal(chain.mpoolPush({ Message: msg, Signature: { Type: 1, Data: signMessageCid(ownerPk, messageCid(msg).bytes) } }).toString(), ok.toString());
  assert.equal(chain.status().mpoolSize, 1);
});

test("exit codes: 7 for a short GasLimit, 6 for a Value no longer held, 22 for an unhandled method", async (t) => {
  const { chain, genesis } = await makeChain(t);
  const owner = genesis.accounts[0]!;
  const pk = accountKey(SEED, 0).privateKey;
  const short: Message = { ...transfer(owner.address, "t0102", 1n), GasLimit: 10, GasFeeCap: 200n, GasPremium: 100n };
  const c1 = chain.mpoolPush({ Message: short, Signature: { Type: 1, Data: signMessageCid(pk, messageCid(short).bytes) } });
  const c2 = signedMessageCid(chain.pushMessage(transfer(owner.address, "t0102", 6000n * FIL)));
  const c3 = signedMessageCid(chain.pushMessage(transfer(owner.address, "t0102", 6000n * FIL)));
  const c4 = signedMessageCid(chain.pushMessage({ ...transfer(owner.address, "t0102", 0n), Method: 2 }));
  chain.produceNext();
  chain.produceNext();
  assert.equal(chain.searchMessage(c1)?.receipt.exitCode, 7);
  assert.equal(chain.searchMessage(c1)?.receipt.gasUsed, 10n);
  assert.equal(chain.searchMessage(c2)?.receipt.exitCode, 0);
  assert.equal(chain.searchMessage(c3)?.receipt.exitCode, 6);
  assert.equal(chain.searchMessage(c4)?.receipt.exitCode, 22);
  assert.equal(chain.view().actor(100)?.nonce, 4, "every message used its nonce");
  assert.equal(chain.balanceOf(102), 16_000n * FIL);
});

test("FailMessages and DelayMessages; Revert returns messages to the mpool and changes tickets", async (t) => {
  const { chain, genesis } = await makeChain(t);
  const owner = genesis.accounts[0]!;
  chain.failMessages(0, 18, 1);
  chain.pushMessage(transfer(owner.address, "t0102", 1n * FIL));
  chain.produceNext();
  chain.produceNext();
  const failed = chain.listMessages({ from: 100 })[0]!;
  assert.equal(chain.searchMessage(failed)?.receipt.exitCode, 18);
  assert.equal(chain.balanceOf(102), 10_000n * FIL, "no state change");
  assert.equal(chain.view().actor(100)?.nonce, 1, "nonce used");

  chain.delayMessages(1, 3);
  chain.pushMessage(transfer(owner.address, "t0102", 1n * FIL)); // nonce 1, delayed
  chain.pushMessage(transfer(owner.address, "t0102", 1n * FIL)); // nonce 2 waits behind it
  const h = chain.height;
  for (let i = 0; i < 3; i++) assert.equal(chain.produceNext().blocks[0].messages.length, 0, `epoch ${h + i + 1}`);
  assert.equal(chain.produceNext().blocks[0].messages.length, 2);
  chain.produceNext();
  assert.equal(chain.balanceOf(102), 10_002n * FIL);

  const events: HeadChange[][] = [];
  chain.onHeadChange((c) => events.push(c));
  const top = chain.height;
  const oldTicket = chain.head().blocks[0].vrfProof;
  const newHead = chain.revert(2);
  assert.equal(newHead.height, top - 2);
  assert.deepEqual(events[0]!.map((c) => [c.type, c.tipset.height]), [["revert", top], ["revert", top - 1]]);
  assert.equal(chain.mpoolPending().length, 2, "the reverted tipset's messages are back in the mpool");
  assert.equal(chain.balanceOf(102), 10_000n * FIL);
  chain.produceNext();
  const again = chain.produceNext();
  assert.notDeepEqual(again.blocks[0].vrfProof, oldTicket, "a new fork draws new tickets");
  chain.produceNext();
  assert.equal(chain.balanceOf(102), 10_002n * FIL);
  assert.throws(() => chain.revert(0), /must be in 1…/);
  assert.throws(() => chain.revert(chain.height + 1), /must be in 1…/);
});

test("a reopened chain continues from the last committed tipset with its mpool", async (t) => {
  const tc = await makeChain(t);
  const owner = tc.genesis.accounts[0]!;
  tc.chain.produceNext();
  tc.chain.produceNext();
  const head = tc.chain.head().key;
  tc.chain.pushMessage(transfer(owner.address, "t0102", 1n * FIL));
  const tc2 = tc.reopen();
  assert.equal(tc2.chain.head().key, head);
  assert.equal(tc2.chain.mpoolPending().length, 1);
  tc2.chain.produceNext();
  tc2.chain.produceNext();
  assert.equal(tc2.chain.balanceOf(102), 10_001n * FIL);
});

test("timer production: one tipset per block time, pause and resume, the round winner named and credited", async (t) => {
  const { chain, clock } = await makeChain(t, { blockReward: 10n * FIL });
  let wins = 0;
  chain.onRoundStart(async (round) => {
    assert.equal(round.epoch, chain.height + 1, "the round starts on the state after e − 1");
    if (round.epoch === 2) {
      wins++;
      return { minerId: 1000 };
    }
    return null;
  });
  chain.start();
  await Promise.resolve();
  clock.advance(999);
  assert.equal(chain.height, 0);
  clock.advance(1);
  assert.equal(chain.height, 1);
  await new Promise((r) => setImmediate(r)); // let the round-2 hook settle
  clock.advance(1000);
  assert.equal(chain.height, 2);
  assert.equal(chain.head().blocks[0].miner, 1000);
  assert.equal(chain.head().blocks[0].winCount, 1);
  assert.equal(wins, 1);
  chain.pause();
  clock.advance(5000);
  assert.equal(chain.height, 2);
  assert.equal(chain.status().paused, true);
  chain.resume();
  clock.advance(999);
  assert.equal(chain.height, 2);
  clock.advance(1);
  assert.equal(chain.height, 3);
  assert.equal(chain.head().blocks[0].miner, 0);
  assert.equal(chain.minerState(1000)?.Balance, 10n * FIL, "block 2's reward lands when it executes");
  await chain.stop();
  clock.advance(5000);
  assert.equal(chain.height, 3);
});

test("state versions older than the deepest revert are pruned; the head state and revert stay whole", async (t) => {
  const { chain, genesis } = await makeChain(t);
  const owner = genesis.accounts[0]!;
  const versions = (): number => (chain.db.prepare("SELECT COUNT(*) AS n FROM state WHERE ns = 'actor' AND key = ?").get("00000000000000000102") as { n: number }).n;
  for (let i = 0; i < 3; i++) {
    chain.pushMessage(transfer(owner.address, "t0102", 1n * FIL));
    chain.produceNext();
  }
  const early = chain.tipsetAt(2)!;
  while (chain.height < 999) chain.produceNext();
  assert.equal(versions(), 4, "genesis and three transfers");
  chain.produceNext(); // height 1000: prunes below 100
  assert.equal(versions(), 1, "only the newest version at or below the cut is kept");
  assert.equal(chain.balanceOf(102), 10_003n * FIL);
  assert.throws(() => chain.view(early.cids), /pruned/);
  assert.equal(chain.view(chain.tipsetAt(100)!.cids).balanceOf(102), 10_003n * FIL);
  chain.revert(900);
  assert.equal(chain.height, 100);
  assert.equal(chain.balanceOf(102), 10_003n * FIL);
});
