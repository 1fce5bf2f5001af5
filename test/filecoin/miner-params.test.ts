import { test } from "node:test";
import assert from "node:assert/strict";
import { CID } from "multiformats/cid";
import { BitField } from "../../src/filecoin/bitfield.js";
import {
  BatchReturn,
  DeclareFaultsParams,
  DeclareFaultsRecoveredParams,
  ExtendSectorExpiration2Params,
  MINER_METHOD_PARAMS,
  MinerMethod,
  PreCommitSectorBatchParams2,
  ProveCommitSectors3Params,
  ProveCommitSectorsNIParams,
  ProveReplicaUpdates3Params,
  SubmitWindowedPoStParams,
  TerminateSectorsParams,
  TerminateSectorsReturn,
  type TupleCodec,
} from "../../src/filecoin/miner-params.js";
import { encodeCbor } from "../../src/filecoin/cbor.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";

const vectors = loadVector("cbor-bitfield.json").params_derived as Array<{ name: string; method: number; cbor_hex: string }>;
const seal = loadVector("seal-2k.json").cases.find((c: { name: string }) => c.name === "2k-v1_1-random");
const commR = CID.parse(seal.comm_r);
const commD = CID.parse(seal.comm_d);
const fill = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b);

/** The inputs that each vector's description spells out. */
const inputs: Record<string, unknown> = {
  DeclareFaultsRecoveredParams: { Recoveries: [{ Deadline: 3, Partition: 0, Sectors: BitField.fromSet([5]) }] },
  DeclareFaultsParams: { Faults: [{ Deadline: 3, Partition: 0, Sectors: BitField.fromSet([5, 6, 7]) }] },
  TerminateSectorsParams: { Terminations: [{ Deadline: 1, Partition: 2, Sectors: BitField.fromSet([42]) }] },
  PreCommitSectorBatchParams2: {
    Sectors: [{ SealProof: 5, SectorNumber: 42, SealedCID: commR, SealRandEpoch: 1000, DealIDs: [], Expiration: 600000, UnsealedCid: commD }],
  },
  "PreCommitSectorBatchParams2 (CC, no UnsealedCid)": {
    Sectors: [{ SealProof: 5, SectorNumber: 42, SealedCID: commR, SealRandEpoch: 1000, DealIDs: [], Expiration: 600000, UnsealedCid: null }],
  },
  ProveCommitSectors3Params: {
    SectorActivations: [{ SectorNumber: 42, Pieces: [] }],
    SectorProofs: [fill(192, 0xab)],
    AggregateProof: new Uint8Array(0),
    AggregateProofType: null,
    RequireActivationSuccess: true,
    RequireNotificationSuccess: false,
  },
  SubmitWindowedPoStParams: {
    Deadline: 7,
    Partitions: [{ Index: 0, Skipped: BitField.EMPTY }],
    Proofs: [{ PoStProof: 10, ProofBytes: fill(192, 0xcd) }],
    ChainCommitEpoch: 2000,
    ChainCommitRand: fill(32, 0x11),
  },
  ExtendSectorExpiration2Params: {
    Extensions: [{ Deadline: 3, Partition: 0, Sectors: BitField.fromSet([5]), SectorsWithClaims: [], NewExpiration: 2000000 }],
  },
  ProveCommitSectorsNIParams: {
    Sectors: [{ SealingNumber: 42, SealerID: 1234, SealedCID: commR, SectorNumber: 42, SealRandEpoch: 1000, Expiration: 600000 }],
    AggregateProof: fill(16, 0xef),
    SealProofType: 15,
    AggregateProofType: 1,
    ProvingDeadline: 7,
    RequireActivationSuccess: true,
  },
  ProveReplicaUpdates3Params: {
    SectorUpdates: [
      {
        Sector: 42,
        Deadline: 3,
        Partition: 0,
        NewSealedCID: commR,
        Pieces: [{ CID: commD, Size: 2048, VerifiedAllocationKey: null, Notify: [] }],
      },
    ],
    SectorProofs: [fill(16, 0x77)],
    AggregateProof: new Uint8Array(0),
    UpdateProofsType: 0,
    AggregateProofType: null,
    RequireActivationSuccess: true,
    RequireNotificationSuccess: false,
  },
};

/** Compares decoded params with the input: BitFields by members, CIDs by bytes. */
function normalize(x: unknown): unknown {
  if (x instanceof BitField) return { bitfield: x.toArray() };
  const cid = CID.asCID(x);
  if (cid) return { cid: cid.toString() };
  if (x instanceof Uint8Array) return { bytes: toHex(x) };
  if (Array.isArray(x)) return x.map(normalize);
  if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, normalize(v)]));
  return x;
}

test("params_derived: every vector encodes byte-exactly and decodes back", () => {
  assert.equal(vectors.length, 10);
  for (const vec of vectors) {
    const input = inputs[vec.name];
    assert.ok(input, `no input for ${vec.name}`);
    const c = MINER_METHOD_PARAMS[vec.method as MinerMethod] as TupleCodec<unknown>;
    assert.equal(toHex(c.encode(input)), vec.cbor_hex, vec.name);
    assert.deepEqual(normalize(c.decode(hex(vec.cbor_hex))), normalize(input), vec.name);
  }
});

test("method numbers and codecs", () => {
  assert.equal(MinerMethod.PreCommitSectorBatch2, 28);
  assert.equal(MinerMethod.ProveCommitSectors3, 34);
  assert.equal(MinerMethod.ProveCommitSectorsNI, 36);
  assert.equal(MINER_METHOD_PARAMS[28], PreCommitSectorBatchParams2);
  assert.equal(MINER_METHOD_PARAMS[34], ProveCommitSectors3Params);
  assert.equal(MINER_METHOD_PARAMS[36], ProveCommitSectorsNIParams);
  assert.equal(MINER_METHOD_PARAMS[5], SubmitWindowedPoStParams);
  assert.equal(MINER_METHOD_PARAMS[10], DeclareFaultsParams);
  assert.equal(MINER_METHOD_PARAMS[11], DeclareFaultsRecoveredParams);
  assert.equal(MINER_METHOD_PARAMS[9], TerminateSectorsParams);
  assert.equal(MINER_METHOD_PARAMS[32], ExtendSectorExpiration2Params);
  assert.equal(MINER_METHOD_PARAMS[35], ProveReplicaUpdates3Params);
});

test("pieces with allocation keys and notifications round-trip", () => {
  const p = {
    SectorActivations: [
      {
        SectorNumber: 7,
        Pieces: [
          {
            CID: commD,
            Size: 1024,
            VerifiedAllocationKey: { Client: 1001, ID: 5 },
            Notify: [{ Address: hex("0006"), Payload: hex("c0ffee") }],
          },
        ],
      },
    ],
    SectorProofs: [],
    AggregateProof: fill(3, 1),
    AggregateProofType: 1,
    RequireActivationSuccess: false,
    RequireNotificationSuccess: true,
  };
  const bytes = ProveCommitSectors3Params.encode(p);
  assert.deepEqual(normalize(ProveCommitSectors3Params.decode(bytes)), normalize(p));
  const ext = {
    Extensions: [
      { Deadline: 1, Partition: 1, Sectors: BitField.fromSet([1, 2]), SectorsWithClaims: [{ SectorNumber: 3, MaintainClaims: [9], DropClaims: [] }], NewExpiration: -1 },
    ],
  };
  assert.deepEqual(normalize(ExtendSectorExpiration2Params.decode(ExtendSectorExpiration2Params.encode(ext))), normalize(ext));
});

test("returns", () => {
  const r = { SuccessCount: 2, FailCodes: [{ Idx: 1, Code: 16 }] };
  assert.equal(toHex(BatchReturn.encode(r)), "820281820110"); // [2, [[1, 16]]]
  assert.deepEqual(BatchReturn.decode(hex("820281820110")), r);
  assert.deepEqual(TerminateSectorsReturn.decode(hex("81f5")), { Done: true });
});

test("decode errors name the field path", () => {
  // DeclareFaultsParams with Sectors not being a byte string
  const bad = encodeCbor([[[3, 0, 5]]]);
  assert.throws(() => DeclareFaultsParams.decode(bad), /DeclareFaultsParams\.Faults\[0\]\.Sectors: expected a byte string, got number/);
  const badRle = encodeCbor([[[3, 0, hex("0c00")]]]);
  assert.throws(() => DeclareFaultsParams.decode(badRle), /Faults\[0\]\.Sectors: RLE\+: not minimally encoded/);
  assert.throws(() => SubmitWindowedPoStParams.decode(encodeCbor([1, [], []])), /SubmitWindowedPoStParams: expected a tuple of 5 fields, got 3/);
});
