import assert from "node:assert/strict";
import { test } from "node:test";
import { createChainClient } from "../../src/chain/lotus-client.js";
import { selectSender } from "../../src/chain/sender.js";
import { FakeNode, serveFake } from "./fake-lotus.js";

const FAST = { attempts: 5, minMs: 5, maxMs: 20 };

test("selectSender: the valid sender (owner, worker or control of the miner) with the highest balance", async (t) => {
  const node = new FakeNode();
  const owner = node.addAccount(5n * 10n ** 18n);
  const worker = node.addAccount(9n * 10n ** 18n);
  const control = node.addAccount(7n * 10n ** 18n);
  const stranger = node.addAccount(100n * 10n ** 18n);
  node.addMiner(1000, owner.id, worker.key, [control.key]);
  const f = await serveFake(t, node);
  const chain = createChainClient({ url: `${f.http}/rpc/v1`, token: f.token, retry: FAST });

  const best = await selectSender(chain, 1000, [owner.key, control.id, worker.key, stranger.key]);
  assert.deepEqual(best, { address: worker.key, id: worker.id, balance: 9n * 10n ** 18n }, "the richest stranger is not valid");
  assert.equal((await selectSender(chain, "t01000", [owner.key, control.key])).address, control.key);

  node.actors.get(Number(worker.id.slice(2)))!.balance = 1n;
  assert.equal((await selectSender(chain, 1000, [worker.id, owner.id, control.id])).address, control.id, "balances are read each time");

  node.actors.get(Number(control.id.slice(2)))!.balance = 5n * 10n ** 18n;
  assert.equal((await selectSender(chain, 1000, [control.id, owner.id])).address, control.id, "a tie keeps the configured order");

  await assert.rejects(selectSender(chain, 1000, [worker.id], { minBalance: 2n }), /t0\d+: balance 1 attoFIL is below 2/);
  await assert.rejects(selectSender(chain, 1000, [stranger.key]), new RegExp(`no valid sender for miner t01000: ${stranger.key}: not the owner, worker or a control address`));
  await assert.rejects(selectSender(chain, 1000, ["t0999"]), /t0999: not the owner/);
  const unknown = new FakeNode().addAccount(0n, 999).key; // a valid address without an actor on this chain
  await assert.rejects(selectSender(chain, 1000, [unknown]), new RegExp(`${unknown}: no actor on chain`));
  await assert.rejects(selectSender(chain, 1000, ["t1nonsense"]), RangeError);
  await assert.rejects(selectSender(chain, 1000, []), /has no Senders configured/);
  await assert.rejects(selectSender(chain, 2000, [owner.key]), /not a miner/);
});
