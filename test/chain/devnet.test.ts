// src/chain against `damocles-devnet run` as a real process: the network read from the node, randomness, and a
// plain transfer through MpoolMessager, including a crash between the push and its record.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { createChainClient } from "../../src/chain/lotus-client.js";
import { memoryMessageLog, MpoolMessager, type MessageLog } from "../../src/chain/messager.js";
import { selectSender } from "../../src/chain/sender.js";
import { initDevnetHome, spawnDevnet, waitHealthy } from "../helpers/devnet-process.js";
import { tempDir } from "../helpers/tmp.js";

test("devnet: network info, a ticket, and transfers through MpoolMessager pushed exactly once", { timeout: 60_000 }, async (t) => {
  const home = join(await tempDir(t, "chain-devnet-"), "devnet");
  const init = await initDevnetHome(home, ["--block-time", "200ms", "--seed", "24".repeat(32)]);
  const devnet = spawnDevnet(t, ["run", "--home", home]);
  await waitHealthy(init.port, devnet);
  const { owner, worker } = init.output.miners[0]!;

  const chain = createChainClient({ url: `ws://127.0.0.1:${init.port}/rpc/v1`, token: init.token, timeoutMs: 30_000 });
  t.after(() => chain.close());
  const info = await chain.networkInfo();
  assert.equal(info.devnet, true);
  assert.equal(info.name, "damocles-devnet");
  assert.ok(info.blockDelaySecs >= 0 && info.preCommitChallengeDelay >= 1);
  const ticket = await chain.sealTicket(1000);
  assert.equal(ticket.ticket.length, 32);
  assert.equal(ticket.epoch, 0, "a young chain draws tickets at epoch 0");

  const sender = await selectSender(chain, 1000, [owner, worker]);
  assert.ok([owner, worker].includes(sender.address));

  const log = memoryMessageLog();
  const transfer = (uid: string, value: bigint) => ({ uid, from: sender.address, to: "t0102", method: 0, params: new Uint8Array(0), value });
  const m = new MpoolMessager({ chain, log, pollMs: 100 });
  await m.push(transfer("plain", 1234n));
  const r = await m.wait("plain", 1);
  assert.equal(r.receipt.ExitCode, 0);
  assert.equal(r.cid.toString(), log.records.get("plain")!.cid);

  // The node takes the push, the process dies before recording the CID; the next process finds it on chain.
  const dying: MessageLog = {
    ...log,
    markPushed: () => {
      throw new Error("crash before markPushed");
    },
  };
  await assert.rejects(new MpoolMessager({ chain, log: dying, pollMs: 100 }).push(transfer("crashed", 4321n)), /crash/);
  const restarted = new MpoolMessager({ chain, log, pollMs: 100 });
  assert.deepEqual((await restarted.recover()).resumed, ["crashed"]);
  const landed = await restarted.wait("crashed", 1);
  assert.equal(landed.receipt.ExitCode, 0);

  const head = await chain.head();
  const sent = await chain.StateListMessages({ From: sender.address }, head.Cids, 0);
  const values = await Promise.all(sent.map(async (c) => (await chain.ChainGetMessage(c)).Value));
  assert.deepEqual(values.sort(), [1234n, 4321n], "each transfer is on chain exactly once");
});
