// The WinningPoSt election of spec/devnet.md §6.2 with fixed beacons.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { electWinner, winningChallengeRandomness, winningSector } from "../../src/devnet/election.js";
import { minerEntropy } from "../../src/filecoin/address.js";
import { proverId } from "../../src/filecoin/ids.js";
import { beaconDigest, drawRandomness } from "../../src/filecoin/randomness.js";
import { winningSectorIndexes } from "../../src/proofs/post-challenges.js";

const sha256 = (s: string) => new Uint8Array(createHash("sha256").update(s).digest());
const digestAt = (e: number) => beaconDigest(sha256(`beacon ${e}`));
const KIB2 = 2048n;

test("x = draw(beacon, 2, e, empty) big-endian mod Q; the first miner whose running total exceeds x wins", () => {
  const digest = digestAt(42);
  const candidates = [
    { minerId: 1001, qaPower: 3n * KIB2, listening: true },
    { minerId: 1000, qaPower: KIB2, listening: true },
  ];
  const q = 4n * KIB2;
  const x = BigInt(`0x${Buffer.from(drawRandomness(digest, 2, 42, new Uint8Array())).toString("hex")}`) % q;
  const r = electWinner(candidates, digest, 42)!;
  assert.equal(r.ticket, x);
  assert.equal(r.totalPower, q);
  // ordered by actor id: 1000 holds [0, 2048), 1001 holds [2048, 8192)
  assert.equal(r.minerId, x < KIB2 ? 1000 : 1001);
});

test("eligibility: a listener and QA power ≥ 2048 bytes; none eligible, no winner", () => {
  const digest = digestAt(1);
  assert.equal(electWinner([{ minerId: 1000, qaPower: 10n * KIB2, listening: false }], digest, 1), null);
  assert.equal(electWinner([{ minerId: 1000, qaPower: KIB2 - 1n, listening: true }], digest, 1), null);
  assert.equal(electWinner([], digest, 1), null);
  for (let e = 0; e < 20; e++) {
    const r = electWinner(
      [
        { minerId: 1000, qaPower: 100n * KIB2, listening: false },
        { minerId: 1001, qaPower: KIB2, listening: true },
        { minerId: 1002, qaPower: 50n * KIB2, listening: true },
        { minerId: 1003, qaPower: 1000n, listening: true },
      ],
      digestAt(e),
      e,
    )!;
    assert.ok(r.minerId === 1001 || r.minerId === 1002, `epoch ${e}: only eligible miners win`);
    assert.equal(r.totalPower, 51n * KIB2);
  }
});

test("wins are proportional to QA power over many rounds, and the same for anyone holding the chain", () => {
  const candidates = [
    { minerId: 1000, qaPower: KIB2, listening: true },
    { minerId: 1001, qaPower: 3n * KIB2, listening: true },
  ];
  const wins = new Map<number, number>();
  const rounds = 4000;
  for (let e = 0; e < rounds; e++) {
    const w = electWinner(candidates, digestAt(e), e)!.minerId;
    wins.set(w, (wins.get(w) ?? 0) + 1);
    assert.equal(electWinner([...candidates].reverse(), digestAt(e), e)!.minerId, w, "input order does not matter");
  }
  const share = (wins.get(1000) ?? 0) / rounds;
  // expected 0.25; binomial sd ≈ 0.0068, so ±0.03 is over 4 sd
  assert.ok(Math.abs(share - 0.25) < 0.03, `miner 1000 won ${share} of rounds, expected about 0.25`);
});

test("challenge: draw(beacon, 3, e, CBOR(miner)) with the top two bits cleared", () => {
  const digest = digestAt(7);
  const raw = drawRandomness(digest, 3, 7, minerEntropy(1000));
  const rand = winningChallengeRandomness(digest, 7, 1000);
  assert.equal(rand[31], raw[31]! & 0x3f);
  assert.deepEqual(rand.subarray(0, 31), raw.subarray(0, 31));
  assert.notDeepEqual(winningChallengeRandomness(digest, 7, 1001), rand, "entropy is the miner");
});

test("sector choice: filecoin.md §14 index over the active sectors in number order", () => {
  const sectors = [{ sectorNumber: 9 }, { sectorNumber: 2 }, { sectorNumber: 5 }, { sectorNumber: 14 }];
  const sorted = [2, 5, 9, 14];
  const seen = new Set<number>();
  for (let e = 0; e < 40; e++) {
    const rand = winningChallengeRandomness(digestAt(e), e, 1000);
    const [i] = winningSectorIndexes(proverId(1000), rand, 4, 1);
    const s = winningSector(1000, rand, sectors)!;
    assert.equal(s.sectorNumber, sorted[i!]);
    seen.add(s.sectorNumber);
  }
  assert.equal(seen.size, 4, "every sector gets challenged");
  assert.equal(winningSector(1000, winningChallengeRandomness(digestAt(0), 0, 1000), []), null);
});
