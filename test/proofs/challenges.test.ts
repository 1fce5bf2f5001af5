// PoRep challenge derivation against vectors/challenges.json (spec/filecoin.md §11).
// synthetic_public is rust-fil-proofs' own test_synth_challenges_against_hardcoded (challenges.rs); the
// derived_on_seal_vector sets have no public source: computed by an implementation checked against that vector.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { hex, loadVector } from "../helpers/vectors.js";
import {
  SYNTHETIC_CHALLENGE_COUNT_MAX,
  allSyntheticChallenges,
  challengeFromDigest,
  interactiveChallenges,
  nonInteractiveChallenges,
  porepChallenges,
  syntheticChallenge,
  syntheticChallengeCount,
  syntheticPorepChallenges,
  syntheticSelection,
} from "../../src/proofs/challenges.js";

const v = loadVector("challenges.json");

test("challengeFromDigest is (LE integer) mod (n-1) + 1, never node 0", () => {
  const d = new Uint8Array(32);
  assert.equal(challengeFromDigest(d, 64), 1);
  d[0] = 63;
  assert.equal(challengeFromDigest(d, 64), 1); // 63 mod 63 = 0
  d[0] = 62;
  assert.equal(challengeFromDigest(d, 64), 63);
  for (let i = 0; i < 20; i++) {
    const h = createHash("sha256").update(`x${i}`).digest();
    const big = BigInt("0x" + Buffer.from(h).reverse().toString("hex"));
    for (const n of [64, 1024, 2 ** 18, 2 ** 30, 2 ** 31, 2 ** 32])
      assert.equal(challengeFromDigest(h, n), Number((big % BigInt(n - 1)) + 1n), `n=${n} i=${i}`);
  }
  assert.throws(() => challengeFromDigest(d, 2), RangeError);
  assert.throws(() => challengeFromDigest(d, 2 ** 32 + 1), RangeError);
});

test("public synthetic vector: 1024 nodes, 21 synthetic challenges", () => {
  const s = v.synthetic_public;
  const p = { nodes: s.sector_nodes, replicaId: hex(s.replica_id_le_hex), commR: hex(s.comm_r_le_hex) };
  assert.deepEqual(allSyntheticChallenges(p, s.num_synth_challenges), s.synthetic_challenges);
  // random access gives the same values, odd and even indexes alike
  for (let i = 0; i < s.num_synth_challenges; i++) assert.equal(syntheticChallenge(p, i), s.synthetic_challenges[i]);
});

test("public synthetic vector: partition 0, 10 porep challenges selected from the 21", () => {
  const s = v.synthetic_public;
  const p = {
    nodes: s.sector_nodes,
    replicaId: hex(s.replica_id_le_hex),
    commR: hex(s.comm_r_le_hex),
    seed: hex(s.porep_randomness_hex),
    partition: 0,
    challengesPerPartition: 10,
    count: s.num_synth_challenges,
  };
  const idx = syntheticSelection(p);
  assert.equal(idx.length, 10);
  assert.deepEqual(idx.map((i) => s.synthetic_challenges[i]), s.porep_challenges_partition0_count10);
  assert.deepEqual(syntheticPorepChallenges(p), s.porep_challenges_partition0_count10);
});

test("synthetic selection of partition k continues the keystream where partition k-1 stopped", () => {
  const s = v.synthetic_public;
  const base = { nodes: s.sector_nodes, replicaId: hex(s.replica_id_le_hex), seed: hex(s.porep_randomness_hex), count: 21 };
  const all = syntheticSelection({ ...base, partition: 0, challengesPerPartition: 60 });
  for (const cpp of [3, 7, 10, 16, 20]) {
    const parts: number[] = [];
    for (let k = 0; k * cpp < 60; k++) parts.push(...syntheticSelection({ ...base, partition: k, challengesPerPartition: cpp }));
    assert.deepEqual(parts.slice(0, 60), all, `cpp=${cpp}`);
  }
});

const d = v.derived_on_seal_vector;
const seal = {
  nodes: d.inputs.sector_nodes as number,
  replicaId: hex(d.inputs.replica_id_hex),
  commR: hex(d.inputs.comm_r_le_hex),
  seed: hex(d.inputs.seed_hex),
};

test("the vector's seed is sha256 of its definition and is used unmasked", () => {
  assert.deepEqual(seal.seed, Uint8Array.from(createHash("sha256").update("damocles/vector/seed/1").digest()));
  assert.equal(seal.seed[31], 0xdf); // top bits set: the seed enters sha256/blake2b as raw bytes
});

test("2KiB seal vector: interactive challenges of partition 0", () => {
  const c = interactiveChallenges({ ...seal, partition: 0, challengesPerPartition: 2 });
  assert.deepEqual(c, d.interactive_partition0_2_challenges);
  assert.deepEqual(porepChallenges({ ...seal, sealProof: 5, partition: 0, challengesPerPartition: 2 }), c); // V1_1
  assert.deepEqual(porepChallenges({ ...seal, sealProof: 0, partition: 0, challengesPerPartition: 2 }), c); // V1
});

test("2KiB seal vector: non-interactive challenges, 13 partitions x 2", () => {
  const got = d.non_interactive_13_partitions_x_2.map((_: number[], k: number) =>
    nonInteractiveChallenges({ ...seal, partition: k, challengesPerPartition: 2 }),
  );
  assert.deepEqual(got, d.non_interactive_13_partitions_x_2);
  const { seed: _seed, ...noSeed } = seal; // NI needs no seed
  assert.deepEqual(porepChallenges({ ...noSeed, sealProof: 15, partition: 12, challengesPerPartition: 2 }), got[12]);
});

test("2KiB seal vector: all 64 synthetic challenges and the selection of partition 0", () => {
  assert.equal(syntheticChallengeCount(64), 64);
  assert.deepEqual(allSyntheticChallenges(seal), d.synthetic_all_64);
  const sel = { ...seal, partition: 0, challengesPerPartition: 2, count: 64 };
  assert.deepEqual(syntheticSelection(sel), d.synthetic_selected_indexes_partition0);
  assert.deepEqual(syntheticPorepChallenges(sel), d.synthetic_porep_challenges_partition0);
  assert.deepEqual(
    porepChallenges({ ...seal, sealProof: 10, partition: 0, challengesPerPartition: 2 }),
    d.synthetic_porep_challenges_partition0,
  );
});

test("porepChallenges names the missing input and the bad proof type", () => {
  const { seed: _s, commR: _c, ...bare } = seal;
  const q = { ...bare, partition: 0, challengesPerPartition: 2 };
  assert.throws(() => porepChallenges({ ...q, sealProof: 5 }), /seed/);
  assert.throws(() => porepChallenges({ ...q, sealProof: 10, seed: seal.seed }), /commR/);
  assert.throws(() => porepChallenges({ ...q, sealProof: 10, commR: seal.commR }), /seed/);
  assert.throws(() => porepChallenges({ ...q, sealProof: 15 }), /commR/);
  assert.throws(() => porepChallenges({ ...seal, sealProof: 20, partition: 0, challengesPerPartition: 2 }), /20/);
  assert.throws(() => interactiveChallenges({ ...seal, replicaId: new Uint8Array(31), partition: 0, challengesPerPartition: 2 }), /replicaId/);
});

test("syntheticChallengeCount is min(n, 2^18)", () => {
  assert.equal(SYNTHETIC_CHALLENGE_COUNT_MAX, 262144);
  assert.equal(syntheticChallengeCount(2 ** 18), 2 ** 18);
  assert.equal(syntheticChallengeCount(2 ** 30), 2 ** 18);
});

test("2^18 synthetic challenges of an 8MiB sector come out in one pass, all in [1, n-1]", () => {
  const nodes = 2 ** 18;
  const p = { nodes, replicaId: seal.replicaId, commR: seal.commR };
  const all = allSyntheticChallenges(p, 2 ** 18);
  assert.equal(all.length, 262144);
  let bad = 0;
  for (const c of all) if (!(Number.isInteger(c) && c >= 1 && c <= nodes - 1)) bad++;
  assert.equal(bad, 0);
  for (const i of [0, 1, 4095, 4096, 4097, 131071, 262143]) assert.equal(all[i], syntheticChallenge(p, i), `index ${i}`);
});
