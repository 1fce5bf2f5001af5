import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assignProvingPeriodOffset,
  currentDeadlineIndex,
  currentProvingPeriodStart,
  deadlineInfoAt,
  deadlineIsMutable,
  faultCutoffPassed,
  hasElapsed,
  isOpen,
  lastEpoch,
  newDeadlineInfo,
  nextNotElapsed,
  periodEnd,
  quantizeDown,
  recoveryDeadlineIndex,
} from "../../src/filecoin/deadlines.js";
import { DEVNET_POLICY, MAINNET_POLICY } from "../../src/filecoin/policy.js";
import { idAddress } from "../../src/filecoin/address.js";

test("mainnet deadline 3 of a period starting at 1000", () => {
  const d = newDeadlineInfo(1000, 3, 1190, MAINNET_POLICY);
  assert.deepEqual(d, {
    CurrentEpoch: 1190,
    PeriodStart: 1000,
    Index: 3,
    Open: 1180,
    Close: 1240,
    Challenge: 1160,
    FaultCutoff: 1110,
    WPoStPeriodDeadlines: 48,
    WPoStProvingPeriod: 2880,
    WPoStChallengeWindow: 60,
    WPoStChallengeLookback: 20,
    FaultDeclarationCutoff: 70,
  });
  assert.ok(isOpen(d));
  assert.ok(!hasElapsed(d));
  assert.ok(faultCutoffPassed(d));
  assert.equal(lastEpoch(d), 1239);
  assert.equal(periodEnd(d), 3879);
  assert.equal(currentDeadlineIndex(1190, 1000, MAINNET_POLICY), 3);
  assert.ok(hasElapsed(newDeadlineInfo(1000, 3, 1240, MAINNET_POLICY)));
});

test("devnet deadline 0: challenge before open, cutoff before challenge", () => {
  const d = newDeadlineInfo(100, 0, 95, DEVNET_POLICY);
  assert.deepEqual([d.Open, d.Close, d.Challenge, d.FaultCutoff], [100, 110, 96, 94]);
  assert.ok(!isOpen(d));
  assert.ok(faultCutoffPassed(d));
  assert.ok(!faultCutoffPassed(newDeadlineInfo(100, 0, 93, DEVNET_POLICY)));
  const last = newDeadlineInfo(100, 47, 100, DEVNET_POLICY);
  assert.deepEqual([last.Open, last.Close], [570, 580]);
  assert.equal(periodEnd(last), 579);
});

test("an index past the last deadline is the no-duty deadline after the period", () => {
  const d = newDeadlineInfo(0, 48, 10, MAINNET_POLICY);
  assert.deepEqual([d.Open, d.Close, d.Challenge, d.FaultCutoff], [2880, 2880, 2880, 0]);
});

test("next occurrence that has not elapsed", () => {
  const open = newDeadlineInfo(0, 0, 30, MAINNET_POLICY);
  assert.equal(nextNotElapsed(open), open);
  const n = nextNotElapsed(newDeadlineInfo(0, 0, 5000, MAINNET_POLICY));
  assert.deepEqual([n.PeriodStart, n.Open, n.Close, n.CurrentEpoch], [5760, 5760, 5820, 5000]);
  const m = nextNotElapsed(newDeadlineInfo(0, 5, 60, DEVNET_POLICY));
  assert.equal(m.Open, 50 + 480);
  assert.equal(nextNotElapsed(newDeadlineInfo(0, 5, 59, DEVNET_POLICY)).Open, 50);
});

test("deadline mutability: neither the current nor the next deadline", () => {
  // devnet: deadline 2 opens at 20; mutable until one window (10) before
  assert.equal(deadlineIsMutable(0, 2, 9, DEVNET_POLICY), true);
  assert.equal(deadlineIsMutable(0, 2, 10, DEVNET_POLICY), false);
  assert.equal(deadlineIsMutable(0, 2, 25, DEVNET_POLICY), false);
  assert.equal(deadlineIsMutable(0, 2, 30, DEVNET_POLICY), true, "closed: next occurrence at 500");
  assert.equal(deadlineIsMutable(0, 10, 539, MAINNET_POLICY), true);
  assert.equal(deadlineIsMutable(0, 10, 540, MAINNET_POLICY), false);
});

test("recoveries go to deadline current + 2", () => {
  assert.equal(recoveryDeadlineIndex(5, MAINNET_POLICY), 7);
  assert.equal(recoveryDeadlineIndex(47, DEVNET_POLICY), 1);
});

test("proving period offset and starts (builtin-actors rules)", () => {
  // Expected offsets computed with Python: int.from_bytes(blake2b(bytes.fromhex('4300e807') +
  // struct.pack('>q', 0), digest_size=32).digest()[:8], 'big') % period → 658 (2880), 178 (480)
  assert.equal(assignProvingPeriodOffset(idAddress(1000), 0, MAINNET_POLICY), 658);
  assert.equal(assignProvingPeriodOffset(idAddress(1000), 0, DEVNET_POLICY), 178);
  assert.equal(currentProvingPeriodStart(10_000, 658, MAINNET_POLICY), 9298);
  assert.equal(currentProvingPeriodStart(100, 658, MAINNET_POLICY), -2222);
  assert.equal(quantizeDown(10_000, 2880, 658), 9298);
  assert.equal(quantizeDown(9298, 2880, 658), 9298);
  assert.equal(quantizeDown(100, 2880, 658), -2222);
  const d = deadlineInfoAt(658, 10_000, MAINNET_POLICY);
  assert.deepEqual([d.PeriodStart, d.Index, d.Open], [9298, 11, 9958]);
  assert.ok(isOpen(d));
  const e = deadlineInfoAt(178, 100, DEVNET_POLICY);
  assert.deepEqual([e.PeriodStart, e.Index, e.Open, e.Close], [-302, 40, 98, 108]);
});
