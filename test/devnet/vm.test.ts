import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeCbor, filBigInt } from "../../src/filecoin/cbor.js";
import { formatAddress } from "../../src/filecoin/address.js";
import { signedMessageCid, type Message } from "../../src/filecoin/message.js";
import { accountKey } from "../../src/devnet/genesis.js";
import { ActorError } from "../../src/devnet/actors/actor-error.js";
import { estimateGasLimit, gasUsedBy } from "../../src/devnet/vm.js";
import type { ActorHandler, DevnetChain } from "../../src/devnet/chain.js";
import { FIL, makeChain } from "./chain-helpers.js";

const msg = (from: string, to: string, method: number, value = 0n, params: Uint8Array = new Uint8Array(0)): Message => ({
  Version: 0,
  To: to,
  From: from,
  Nonce: 0,
  Value: value,
  GasLimit: 0,
  GasFeeCap: 0n,
  GasPremium: 0n,
  Method: method,
  Params: params,
});

/** Pushes, produces the inclusion and the receipt tipsets, returns the receipt. */
function run(chain: DevnetChain, m: Message) {
  const cid = signedMessageCid(chain.pushMessage(m));
  chain.produceNext();
  chain.produceNext();
  const l = chain.searchMessage(cid);
  assert.ok(l, `receipt of ${cid.toString()}`);
  return l.receipt;
}

test("gas: a fixed charge per method plus one per params byte; the estimate adds 25 %", () => {
  assert.equal(gasUsedBy(0, 0), 500_000);
  assert.equal(gasUsedBy(28, 100), 5_000_100);
  assert.equal(estimateGasLimit(28, 100), Math.ceil(5_000_100 * 1.25));
});

test("transfers: a new key address gets an account; an unknown ID address is an invalid receiver (2)", async (t) => {
  const { chain } = await makeChain(t);
  const fresh = formatAddress(accountKey(new Uint8Array(32).fill(9), 0).address, "t");
  assert.equal(run(chain, msg("t0100", fresh, 0, 7n * FIL)).exitCode, 0);
  const id = chain.resolveId(fresh);
  assert.equal(id, 2000);
  assert.equal(chain.balanceOf(2000), 7n * FIL);
  assert.equal(chain.actorAddress(2000), fresh);
  const before = chain.balanceOf(100);
  const r = run(chain, msg("t0100", "t0555", 0, 1n * FIL));
  assert.equal(r.exitCode, 2);
  assert.equal(chain.balanceOf(100), before - r.gasUsed * 100n, "only gas was paid");
});

test("miner methods: value reaches the miner once, WithdrawBalance pays the owner, unhandled methods exit 22", async (t) => {
  const { chain } = await makeChain(t);
  assert.equal(run(chain, msg("t0100", "t01000", 0, 1000n)).exitCode, 0);
  assert.equal(chain.minerState(1000)?.Balance, 1000n, "method 0 to a miner is a plain transfer");
  const owner = chain.balanceOf(100);
  const r = run(chain, msg("t0100", "t01000", 16, 0n, encodeCbor([filBigInt(400n)])));
  assert.equal(r.exitCode, 0);
  assert.deepEqual(r.return, encodeCbor(filBigInt(400n)));
  assert.equal(chain.minerState(1000)?.Balance, 600n);
  assert.equal(chain.balanceOf(100), owner + 400n - r.gasUsed * 100n);
  assert.equal(run(chain, msg("t0102", "t01000", 16, 0n, encodeCbor([filBigInt(1n)]))).exitCode, 18, "only the owner withdraws");
  assert.equal(run(chain, msg("t0101", "t01000", 35, 5n)).exitCode, 22, "ProveReplicaUpdates3 is not handled");
  assert.equal(chain.minerState(1000)?.Balance, 600n, "a failed method keeps no value");
  assert.equal(run(chain, msg("t0102", "t05", 4)).exitCode, 22, "no market registered");
});

test("registered actors: writes commit with the message, an ActorError rolls back state and SQL alike; hooks run", async (t) => {
  const { chain } = await makeChain(t);
  chain.db.exec("CREATE TABLE ext (v INTEGER)");
  const ends: number[] = [];
  const reverts: number[] = [];
  const handler: ActorHandler = {
    invoke(call, tx) {
      chain.db.prepare("INSERT INTO ext (v) VALUES (?)").run(call.params[0]);
      tx.put("ext", `k${call.params[0]}`, call.params[0]!);
      tx.transfer(call.to, 100, 1n);
      if (call.params[0] === 2) throw new ActorError(16, "refused");
      return encodeCbor(call.epoch);
    },
    endOfEpoch: (epoch) => ends.push(epoch),
    revertTo: (h) => reverts.push(h),
  };
  chain.registerActor(5, handler);
  const ok = run(chain, msg("t0102", "t05", 4, 10n, Uint8Array.of(1)));
  assert.equal(ok.exitCode, 0);
  assert.deepEqual(ok.return, encodeCbor(1), "executed at its inclusion epoch");
  assert.equal(chain.view().get("ext", "k1"), 1);
  assert.equal(chain.balanceOf(5), 9n);
  const bad = run(chain, msg("t0102", "t05", 4, 10n, Uint8Array.of(2)));
  assert.equal(bad.exitCode, 16);
  assert.equal(chain.view().get("ext", "k2"), undefined);
  assert.deepEqual(chain.db.prepare("SELECT v FROM ext ORDER BY v").all(), [{ v: 1 }]);
  assert.equal(chain.balanceOf(5), 9n, "the failed message's value stayed with the sender");
  assert.deepEqual(ends, [0, 1, 2, 3]);
  chain.failMessages(4, 33, 1);
  assert.equal(run(chain, msg("t0102", "t05", 4, 10n, Uint8Array.of(3))).exitCode, 33);
  assert.equal(chain.view().get("ext", "k3"), undefined);
  assert.equal(run(chain, msg("t0102", "t05", 4, 10n, Uint8Array.of(3))).exitCode, 0, "the rule fired once");
  chain.revert(2);
  assert.deepEqual(reverts, [chain.height]);
  assert.equal(chain.view().get("ext", "k3"), undefined, "versioned values revert with the chain");
  assert.throws(() => chain.registerActor(1000, handler), /not a builtin singleton/);
});
