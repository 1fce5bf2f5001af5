import { test } from "node:test";
import assert from "node:assert/strict";
import {
  POST_PROOF_TYPES,
  SEAL_PROOF_TYPES,
  parsePoStProofType,
  parseSealProofType,
  postProofType,
  sealProofFor,
  sealProofType,
  updateProofForSeal,
  updateProofType,
} from "../../src/filecoin/proof-types.js";
import { GiB, KiB, MiB } from "../../src/filecoin/sizes.js";

test("seal proof ids of spec §2", () => {
  assert.equal(SEAL_PROOF_TYPES.length, 20);
  assert.deepEqual(
    { ...sealProofType(5) },
    {
      id: 5,
      goName: "StackedDrg2KiBV1_1",
      rustName: "StackedDrg2KiBV1_1",
      sectorSize: 2 * KiB,
      apiVersion: "1.1.0",
      kind: "v1_1",
      winningPostProof: 0,
      windowPostProof: 10,
    },
  );
  const t3 = sealProofType(3);
  assert.equal(t3.goName, "StackedDrg32GiBV1");
  assert.equal(t3.apiVersion, "1.0.0");
  const t13 = sealProofType(13);
  assert.equal(t13.goName, "StackedDrg32GiBV1_1_Feat_SyntheticPoRep");
  assert.equal(t13.apiVersion, "1.2.0");
  assert.equal(t13.windowPostProof, 13);
  const t19 = sealProofType(19);
  assert.equal(t19.goName, "StackedDrg64GiBV1_2_Feat_NiPoRep");
  assert.equal(t19.rustName, "StackedDrg64GiBV1_2_Feat_NonInteractivePoRep");
  assert.equal(t19.sectorSize, 64 * GiB);
  assert.equal(t19.winningPostProof, 4);
  assert.equal(sealProofType(12).sectorSize, 512 * MiB);
  assert.throws(() => sealProofType(20), /unknown registered seal proof id 20/);
});

test("parse seal proof spellings", () => {
  assert.equal(parseSealProofType("8").id, 8);
  assert.equal(parseSealProofType("StackedDrg2KiBV1_1").id, 5);
  assert.equal(parseSealProofType("RegisteredSealProof_StackedDrg8MiBV1_1_Feat_SyntheticPoRep").id, 11);
  assert.equal(parseSealProofType("StackedDrg2KiBV1_2_Feat_NiPoRep").id, 15);
  assert.equal(parseSealProofType("StackedDrg2KiBV1_2_Feat_NonInteractivePoRep").id, 15);
  assert.equal(parseSealProofType("StackedDrg2KiBV1").id, 0);
  assert.throws(() => parseSealProofType("StackedDrg2KiBV2"), /unknown seal proof type "StackedDrg2KiBV2".*StackedDrg2KiBV1_1/);
  assert.throws(() => parseSealProofType("99"), /unknown seal proof type "99"/);
});

test("no spelling names two ids", () => {
  for (const list of [SEAL_PROOF_TYPES, POST_PROOF_TYPES]) {
    const seen = new Map<string, number>();
    for (const t of list)
      for (const n of new Set([t.goName, t.rustName])) {
        assert.ok(!seen.has(n.toLowerCase()) || seen.get(n.toLowerCase()) === t.id, n);
        seen.set(n.toLowerCase(), t.id);
      }
  }
});

test("PoSt proof ids", () => {
  assert.equal(POST_PROOF_TYPES.length, 15);
  assert.deepEqual(
    { ...postProofType(10) },
    {
      id: 10,
      goName: "StackedDrgWindow2KiBV1_1",
      rustName: "StackedDrgWindow2KiBV1_2",
      sectorSize: 2048,
      kind: "window",
      retired: false,
    },
  );
  assert.equal(postProofType(3).goName, "StackedDrgWinning32GiBV1");
  assert.equal(postProofType(3).kind, "winning");
  assert.equal(postProofType(8).retired, true);
  assert.equal(parsePoStProofType("StackedDrgWindow32GiBV1_2").id, 13);
  assert.equal(parsePoStProofType("RegisteredPoStProof_StackedDrgWindow32GiBV1_1").id, 13);
  assert.equal(parsePoStProofType("StackedDrgWindow32GiBV1").id, 8);
  assert.equal(parsePoStProofType("0").id, 0);
  assert.throws(() => parsePoStProofType("15"), /unknown PoSt proof type "15"/);
  assert.throws(() => postProofType(-1), /unknown registered PoSt proof id -1/);
});

test("update proof types and lookups by size", () => {
  assert.deepEqual({ ...updateProofType(3) }, { id: 3, name: "StackedDrg32GiBV1", sectorSize: 32 * GiB });
  assert.equal(updateProofForSeal(13).id, 3);
  assert.equal(sealProofFor(8 * MiB, "synthetic").id, 11);
  assert.equal(sealProofFor(512 * MiB, "ni").id, 17);
  assert.throws(() => updateProofType(5), /unknown registered update proof id 5/);
});
