import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEVNET_POLICY,
  MAINNET_POLICY,
  checkPolicyInvariants,
  checkPreCommitEpochs,
  interactiveSeedEpoch,
  maxProveCommitDuration,
  sealTicketEpoch,
  sectorMaxLifetime,
} from "../../src/filecoin/policy.js";

test("mainnet constants of spec §16", () => {
  const p = MAINNET_POLICY;
  assert.equal(p.MaxPreCommitRandomnessLookback, 3780);
  assert.equal(p.PreCommitChallengeDelay, 150);
  assert.equal(p.MinSectorExpiration, 518_400);
  assert.equal(p.MaxSectorExpirationExtension, 3_680_640);
  assert.equal(p.MaxProveCommitNiLookback, 518_400);
  assert.deepEqual(
    [p.WPoStProvingPeriod, p.WPoStChallengeWindow, p.WPoStPeriodDeadlines, p.WPoStChallengeLookback, p.FaultDeclarationCutoff],
    [2880, 60, 48, 20, 70],
  );
  assert.equal(p.FaultMaxAge, 120_960);
  assert.equal(p.ConsensusMinerMinPower, 10n * 2n ** 40n);
  assert.equal(maxProveCommitDuration(p, 8), 86_550);
  assert.equal(maxProveCommitDuration(p, 13), 86_550);
  assert.equal(maxProveCommitDuration(p, 3), 3030);
  assert.throws(() => maxProveCommitDuration(p, 18), /NI PoRep/);
  assert.equal(sectorMaxLifetime(8), 5 * 1_051_200);
  assert.equal(sectorMaxLifetime(18), 5 * 1_051_200);
  assert.equal(sectorMaxLifetime(0), 540 * 2880);
});

test("devnet profile of devnet.md §2.1", () => {
  const p = DEVNET_POLICY;
  assert.deepEqual(
    [p.BlockDelaySecs, p.PreCommitChallengeDelay, p.WPoStChallengeWindow, p.WPoStProvingPeriod, p.WPoStChallengeLookback, p.FaultDeclarationCutoff, p.WPoStDisputeWindow, p.FaultMaxAge],
    [1, 10, 10, 480, 4, 6, 60, 20_160],
  );
  assert.equal(p.ConsensusMinerMinPower, 2048n);
  assert.equal(p.NetworkName, "damocles-devnet");
  assert.equal(maxProveCommitDuration(p, 5), 86_410);
  assert.deepEqual([...p.AllowedSealProofs], [5, 6, 7, 10, 11, 12, 15, 16, 17]);
  assert.deepEqual([...p.AllowedPoStProofs], [10, 11, 12]);
});

test("both profiles satisfy the invariants; broken ones are named", () => {
  assert.deepEqual(checkPolicyInvariants(DEVNET_POLICY), []);
  // Mainnet's cutoff (70) exceeds its challenge window (60): rule 4 of devnet.md §2.2 does not hold
  // for real mainnet numbers, so a devnet "mainnet" profile with them would be refused.
  const mainnet = checkPolicyInvariants(MAINNET_POLICY);
  assert.equal(mainnet.length, 1);
  assert.match(mainnet[0]!, /^rule 4: FaultDeclarationCutoff \(70\) must not exceed WPoStChallengeWindow \(60\)/);
  const bad = { ...DEVNET_POLICY, WPoStChallengeLookback: 7, WPoStDisputeWindow: 1800 };
  const errors = checkPolicyInvariants(bad);
  assert.equal(errors.length, 2);
  assert.match(errors[0]!, /^rule 3: WPoStChallengeLookback \(7\) must be below FaultDeclarationCutoff \(6\)/);
  assert.match(errors[1]!, /^rule 5:/);
});

test("ticket and seed epochs", () => {
  assert.equal(sealTicketEpoch(MAINNET_POLICY, 100), 0);
  assert.equal(sealTicketEpoch(MAINNET_POLICY, 5000), 4100);
  assert.equal(interactiveSeedEpoch(DEVNET_POLICY, 100), 110);
});

test("pre-commit epoch checks", () => {
  const p = MAINNET_POLICY;
  const current = 1_000_000;
  const minExp = current + 86_550 + 518_400;
  const ok = { sealProof: 8, current, sealRandEpoch: current - 900, expiration: minExp };
  assert.equal(checkPreCommitEpochs(p, ok), null);
  assert.match(checkPreCommitEpochs(p, { ...ok, sealRandEpoch: current })!, /must be before the current epoch/);
  assert.match(checkPreCommitEpochs(p, { ...ok, sealRandEpoch: current - 3781 })!, /older than 3780/);
  assert.equal(checkPreCommitEpochs(p, { ...ok, sealRandEpoch: current - 3780 }), null);
  assert.match(checkPreCommitEpochs(p, { ...ok, expiration: minExp - 1 })!, /at least 518400 epochs/);
  assert.match(checkPreCommitEpochs(p, { ...ok, expiration: current + 3_680_641 })!, /MaxSectorExpirationExtension/);
  assert.equal(checkPreCommitEpochs(p, { ...ok, expiration: current + 3_680_640 }), null);
});
