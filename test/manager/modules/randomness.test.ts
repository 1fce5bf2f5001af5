import assert from "node:assert/strict";
import { test } from "node:test";
import { seedWait } from "../../../src/manager/modules/randomness.js";

test("seedWait: seed at PreCommitEpoch + delay, served from 6 epochs later; the wait is the remaining epochs × block time", () => {
  // mainnet values: delay 150, 30 s blocks; pre-committed at 1000 ⇒ seed 1150, served from 1156
  assert.deepEqual(seedWait(1000, 1000, 150, 30), { ready: false, seedEpoch: 1150, delaySecs: 156 * 30 });
  assert.deepEqual(seedWait(1155, 1000, 150, 30), { ready: false, seedEpoch: 1150, delaySecs: 30 });
  assert.deepEqual(seedWait(1156, 1000, 150, 30), { ready: true, seedEpoch: 1150 });
  assert.deepEqual(seedWait(5000, 1000, 150, 30), { ready: true, seedEpoch: 1150 });
  // a devnet with 3-epoch delay and sub-second blocks (BlockDelaySecs 0 ⇒ no sleep, the worker asks again)
  assert.deepEqual(seedWait(10, 10, 3, 0), { ready: false, seedEpoch: 13, delaySecs: 0 });
});
