import assert from "node:assert/strict";
import { test } from "node:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { blake2b } from "@noble/hashes/blake2.js";
import type { CID } from "multiformats/cid";
import { minerEntropy } from "../../src/filecoin/address.js";
import { messageCid, signedMessageCid, type Message } from "../../src/filecoin/message.js";
import { drawRandomness } from "../../src/filecoin/randomness.js";
import { signMessageCid } from "../../src/filecoin/secp256k1.js";
import { decodeCbor, readFilBigInt } from "../../src/filecoin/cbor.js";
import { commDToCid, commRToCid } from "../../src/filecoin/cid.js";
import { MinerMethod, PreCommitSectorBatchParams2, ProveCommitSectors3Params } from "../../src/filecoin/miner-params.js";
import { DEVNET_POLICY } from "../../src/filecoin/policy.js";
import { DomainSeparationTag } from "../../src/filecoin/randomness.js";
import { encodeDevnetPoRep } from "../../src/proofs/devnet-proof.js";
import { generateVanillaPoRep } from "../../src/proofs/porep-proof.js";
import { sealSector } from "../../src/proofs/seal.js";
import { MinerExtraMethod, WithdrawBalanceParams } from "../../src/devnet/actors/miner.js";
import { cloneMinerState } from "../../src/devnet/actors/miner-state.js";
import { accountKey, beaconData, ticketVrfProof } from "../../src/devnet/genesis.js";
import type { ActorRecord, DevnetChain, HeadChange, StateView } from "../../src/devnet/chain.js";
import { tempDir } from "../helpers/tmp.js";
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

// ---- money: every attoFIL is accounted for (spec/devnet.md §4 "Money") ----

/** Sum of every actor's balance (miners: their state's Balance; f099 holds what was burnt). */
function totalSupply(chain: DevnetChain, tsk?: readonly CID[]): bigint {
  const view = chain.view(tsk) as StateView & { actors(): ActorRecord[] };
  return view.actors().reduce((a, x) => a + view.balanceOf(x.id), 0n);
}

/** Block rewards minted up to the state of `height`: one per won tipset executed (heights below it). */
function mintedBelow(chain: DevnetChain, height: number, reward: bigint): bigint {
  let n = 0n;
  for (let h = 0; h < height; h++) if (chain.tipsetAt(h)!.blocks[0].miner !== 0) n += reward;
  return n;
}

/** Gas burnt by the messages included at `height` (price = min(GasFeeCap, base fee 100)). */
function gasBurntAt(chain: DevnetChain, height: number): bigint {
  return chain.tipsetAt(height)!.blocks[0].messages.reduce((a, cid) => {
    const m = chain.getMessage(cid)!.signed.Message;
    const price = m.GasFeeCap < 100n ? m.GasFeeCap : 100n;
    return a + chain.searchMessage(cid)!.receipt.gasUsed * price;
  }, 0n);
}

const EXPIRATION = 700_000;
const minerCall = (from: string, method: number, params: Uint8Array, value = 0n): Message => ({ ...transfer(from, "t01000", value), Method: method, Params: params });
const preCommit = (n: number, commR: Uint8Array, commD: Uint8Array | null = null): Uint8Array =>
  PreCommitSectorBatchParams2.encode({
    Sectors: [{ SealProof: 5, SectorNumber: n, SealedCID: commRToCid(commR), SealRandEpoch: 0, DealIDs: [], Expiration: EXPIRATION, UnsealedCid: commD && commDToCid(commD) }],
  });

test("supply is conserved: transfers, gas, pre-commit deposit, pledge and withdrawal move funds; only block rewards mint", async (t) => {
  const REWARD = 10n * FIL;
  const { chain, genesis, clock } = await makeChain(t, { blockReward: REWARD });
  const [owner, worker, client] = genesis.accounts;
  const genesisSupply = totalSupply(chain);
  assert.equal(genesisSupply, 3n * 10_000n * FIL, "owner, worker and client hold everything at genesis");
  chain.onRoundStart((round) => (round.epoch % 3 === 0 ? { minerId: 1000 } : null));
  chain.start();
  const step = async (): Promise<void> => {
    await new Promise((r) => setImmediate(r)); // the round hook settles
    clock.advance(chain.blockTimeMs);
    assert.equal(totalSupply(chain), genesisSupply + mintedBelow(chain, chain.height, REWARD), `supply at height ${chain.height}`);
  };
  await step();

  // A real 2KiB sector sealed with the chain's ticket at epoch 0.
  const dir = await tempDir(t, "devnet-supply-");
  await writeFile(join(dir, "payload"), new Uint8Array(0));
  const entropy = minerEntropy(1000);
  const sealed = await sealSector({
    sealProofId: 5, minerId: 1000, sectorNumber: 1, ticket: chain.ticketRandomness(DomainSeparationTag.SealRandomness, 0, entropy),
    inputPath: join(dir, "payload"), storeDir: join(dir, "store"), parentCacheDir: join(dir, "parents"),
  });

  chain.pushMessage(transfer(owner!.address, client!.idAddress, 3n * FIL));
  const pc = chain.pushMessage(minerCall(worker!.address, MinerMethod.PreCommitSectorBatch2, preCommit(1, sealed.commR), 5000n));
  await step();
  const pcEpoch = chain.height;
  await step();
  assert.equal(chain.searchMessage(signedMessageCid(pc))?.receipt.exitCode, 0);
  assert.equal(chain.minerState(1000)!.PreCommitDeposits, 2048n, "the deposit is locked in the miner's balance");
  while (chain.height <= pcEpoch + DEVNET_POLICY.PreCommitChallengeDelay) await step();

  const vp = await generateVanillaPoRep({
    sealProof: 5, minerId: 1000, sectorNumber: 1, ticket: chain.ticketRandomness(DomainSeparationTag.SealRandomness, 0, entropy),
    seed: chain.beaconRandomness(DomainSeparationTag.InteractiveSealChallengeSeed, pcEpoch + DEVNET_POLICY.PreCommitChallengeDelay, entropy),
    commD: sealed.commD, commR: sealed.commR, cacheDir: sealed.paths.cacheDir, sealedFile: sealed.paths.sealed,
  });
  const prove = ProveCommitSectors3Params.encode({
    SectorActivations: [{ SectorNumber: 1, Pieces: [] }], SectorProofs: [encodeDevnetPoRep(vp)], AggregateProof: new Uint8Array(0),
    AggregateProofType: null, RequireActivationSuccess: true, RequireNotificationSuccess: false,
  });
  const pr = chain.pushMessage(minerCall(worker!.address, MinerMethod.ProveCommitSectors3, prove));
  await step();
  await step();
  assert.equal(chain.searchMessage(signedMessageCid(pr))?.receipt.exitCode, 0);
  const s = chain.minerState(1000)!;
  assert.equal(s.InitialPledge, 2048n, "deposit became pledge");
  assert.equal(s.PreCommitDeposits, 0n);

  const before = chain.balanceOf(100);
  const available = s.Balance - s.InitialPledge;
  const wd = chain.pushMessage(minerCall(owner!.address, MinerExtraMethod.WithdrawBalance, WithdrawBalanceParams.encode({ AmountRequested: 10n ** 30n })));
  await step();
  await step();
  const receipt = chain.searchMessage(signedMessageCid(wd))!.receipt;
  assert.equal(receipt.exitCode, 0);
  const withdrawn = readFilBigInt(decodeCbor(receipt.return), "WithdrawBalance return");
  assert.ok(withdrawn >= available, "at least what was available before (rewards may have landed since)");
  assert.equal(chain.balanceOf(100), before + withdrawn - receipt.gasUsed * 100n, "the owner got the available balance, less gas");
  assert.ok(mintedBelow(chain, chain.height, REWARD) > 0n, "some rounds were won");
  await chain.stop();
});

test("an expired pre-commit burns exactly its deposit once, through a miner message or the deadline cron", async (t) => {
  const { chain, genesis } = await makeChain(t);
  const [owner, worker, client] = genesis.accounts;
  const genesisSupply = totalSupply(chain);
  // Test-only actor t07: its method 2 ages every pre-commit of t01000 past MaxProveCommitDuration and, with
  // params [1], moves the proving period one period back, so the miner's next message processes a whole period.
  chain.registerActor(7, {
    invoke(call, tx) {
      const s = cloneMinerState(tx.minerState(1000)!);
      for (const pc of s.PreCommittedSectors.values()) pc.PreCommitEpoch = call.epoch - 100_000;
      if (call.params.length > 0) s.ProvingPeriodStart -= DEVNET_POLICY.WPoStProvingPeriod;
      tx.setMinerState(1000, s);
      return null;
    },
  });
  const age = (rewind: boolean): Message => ({ ...transfer(client!.address, "t07", 0n), Method: 2, Params: rewind ? Uint8Array.of(0x81, 0x01) : new Uint8Array(0) });
  chain.produceNext();
  const check = (at: string): void => assert.equal(totalSupply(chain), genesisSupply, `no reward is minted: supply unchanged ${at}`);

  for (const [n, viaMiner] of [[1, true], [2, false]] as const) {
    // More than the deposit, so a second debit of the burnt amount would not simply fail the message.
    const pc = chain.pushMessage(minerCall(worker!.address, MinerMethod.PreCommitSectorBatch2, preCommit(n, new Uint8Array(32).fill(n)), 5000n));
    chain.produceNext();
    chain.produceNext();
    assert.equal(chain.searchMessage(signedMessageCid(pc))?.receipt.exitCode, 0);
    assert.equal(chain.minerState(1000)!.PreCommitDeposits, 2048n, `sector ${n} pre-committed`);
    check(`after pre-commit ${n}`);
    const burntBefore = chain.balanceOf(99);
    const minerBefore = chain.balanceOf(1000);
    chain.pushMessage(age(viaMiner)); // pushed first: executes first in the tipset
    if (viaMiner) chain.pushMessage(minerCall(owner!.address, MinerExtraMethod.WithdrawBalance, WithdrawBalanceParams.encode({ AmountRequested: 0n })));
    const h = chain.produceNext().height;
    const included = chain.tipsetAt(h)!.blocks[0].messages;
    assert.equal(included.length, viaMiner ? 2 : 1);
    // Through the miner: burnt while the message runs. Through cron: at the close of the current deadline.
    for (let i = 0; i < (viaMiner ? 1 : DEVNET_POLICY.WPoStChallengeWindow); i++) chain.produceNext();
    const gas = gasBurntAt(chain, h);
    for (const cid of included) assert.equal(chain.searchMessage(cid)?.receipt.exitCode, 0);
    assert.equal(chain.minerState(1000)!.PreCommittedSectors.size, 0, `pre-commit ${n} expired`);
    assert.equal(chain.minerState(1000)!.PreCommitDeposits, 0n);
    assert.equal(chain.balanceOf(1000), minerBefore - 2048n, "the miner's balance drops by the deposit");
    assert.equal(chain.balanceOf(99) - burntBefore, 2048n + gas, "f099 grows by the deposit (once) and the gas");
    check(`after pre-commit ${n} expired`);
  }
});
