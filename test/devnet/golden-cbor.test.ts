// Golden CBOR (issue 3): the params of PreCommitSectorBatch2 (28), ProveCommitSectors3 (34) and SubmitWindowedPoSt (5)
// written out by hand, byte by byte, from the field order of go-state-types builtin/v18/miner/miner_types.go
// (SectorPreCommitInfo: miner_state.go; PoStProof: proof/proof_types.go) and cbor-gen's tuple encoding, then compared
// with src/filecoin/miner-params.ts's encoder and decoded back. Nothing here is produced by the code under test.
//
// CBOR major types used (RFC 8949): 0x00–0x17 uint, 0x18 xx / 0x19 xxxx / 0x1a xxxxxxxx longer uints, 0x20+n
// negint −1−n, 0x40+n / 0x58 nn byte strings, 0x80+n arrays (cbor-gen tuples are arrays in field order),
// 0xd8 0x2a tag 42 (a CID: byte string of 0x00 ‖ CID bytes), 0xf4 false, 0xf5 true, 0xf6 null.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CID } from "multiformats/cid";
import { BitField } from "../../src/filecoin/bitfield.js";
import { commDToCid, commRToCid } from "../../src/filecoin/cid.js";
import {
  PreCommitSectorBatchParams2,
  ProveCommitSectors3Params,
  SubmitWindowedPoStParams,
  SectorPreCommitInfo,
} from "../../src/filecoin/miner-params.js";
import { hex, toHex } from "../helpers/vectors.js";

/** Concatenates hex pieces; whitespace inside a piece is for reading only. */
const h = (...pieces: string[]): string => pieces.join("").replace(/\s+/g, "");

// 32-byte commitments (little-endian field elements: the top two bits of byte 31 are clear).
const COMM_R_7 = "0707070707070707070707070707070707070707070707070707070707070707";
const COMM_R_300 = "2c012c012c012c012c012c012c012c012c012c012c012c012c012c012c012c01";
const COMM_D_300 = "d3a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d0e";

// CID bytes: version 1 ‖ varint codec ‖ varint multihash code ‖ length 32 ‖ digest.
//   fil-commitment-sealed 0xf102 = varint 82 e2 03; poseidon-bls12_381-a2-fc1 0xb401 = varint 81 e8 02
//   fil-commitment-unsealed 0xf101 = varint 81 e2 03; sha2-256-trunc254-padded 0x1012 = varint 92 20
const sealedCidBytes = (commR: string): string => h("01", "82e203", "81e802", "20", commR); // 40 bytes
const unsealedCidBytes = (commD: string): string => h("01", "81e203", "9220", "20", commD); // 39 bytes
/** Tag 42, byte string (0x58 len) of 0x00 ‖ CID bytes. */
const tag42 = (cidBytes: string): string => h("d82a", "58", (cidBytes.length / 2 + 1).toString(16).padStart(2, "0"), "00", cidBytes);
const cidOf = (cidBytes: string): CID => CID.decode(hex(cidBytes));

test("the hand-built CIDs are the project's CommR / CommD CIDs", () => {
  assert.ok(cidOf(sealedCidBytes(COMM_R_7)).equals(commRToCid(hex(COMM_R_7))));
  assert.ok(cidOf(unsealedCidBytes(COMM_D_300)).equals(commDToCid(hex(COMM_D_300))));
});

test("PreCommitSectorBatch2 params: one CC sector (UnsealedCid null) and one data sector", () => {
  const golden = h(
    "81", //                               PreCommitSectorBatchParams2: tuple of 1 field
    "82", //                                 Sectors: array of 2 SectorPreCommitInfo
    // -- sector 7, committed capacity
    "87", //                                   SectorPreCommitInfo: tuple of 7 fields
    "05", //                                     SealProof 5 (StackedDrg2KiBV1_1)
    "07", //                                     SectorNumber 7
    tag42(sealedCidBytes(COMM_R_7)), //          SealedCID (CommR)
    "19 076c", //                                SealRandEpoch 1900
    "80", //                                     DealIDs [] (always empty with method 34)
    "1a 0017bb00", //                            Expiration 1,555,200
    "f6", //                                     UnsealedCid null: CC, the actor assumes zero(S)
    // -- sector 300, with data
    "87",
    "05", //                                     SealProof 5
    "19 012c", //                                SectorNumber 300
    tag42(sealedCidBytes(COMM_R_300)), //        SealedCID
    "19 076c", //                                SealRandEpoch 1900
    "80", //                                     DealIDs []
    "1a 0017bb00", //                            Expiration 1,555,200
    tag42(unsealedCidBytes(COMM_D_300)), //      UnsealedCid (CommD)
  );
  const value: PreCommitSectorBatchParams2 = {
    Sectors: [
      { SealProof: 5, SectorNumber: 7, SealedCID: cidOf(sealedCidBytes(COMM_R_7)), SealRandEpoch: 1900, DealIDs: [], Expiration: 1_555_200, UnsealedCid: null },
      {
        SealProof: 5,
        SectorNumber: 300,
        SealedCID: cidOf(sealedCidBytes(COMM_R_300)),
        SealRandEpoch: 1900,
        DealIDs: [],
        Expiration: 1_555_200,
        UnsealedCid: cidOf(unsealedCidBytes(COMM_D_300)),
      },
    ],
  };
  assert.equal(toHex(PreCommitSectorBatchParams2.encode(value)), golden);
  const back = PreCommitSectorBatchParams2.decode(hex(golden));
  assert.equal(back.Sectors.length, 2);
  assert.equal(back.Sectors[0]!.UnsealedCid, null);
  assert.ok(back.Sectors[0]!.SealedCID.equals(value.Sectors[0]!.SealedCID));
  assert.ok(back.Sectors[1]!.UnsealedCid!.equals(value.Sectors[1]!.UnsealedCid!));
  assert.deepEqual({ ...back.Sectors[1]!, SealedCID: null, UnsealedCid: null }, { ...value.Sectors[1]!, SealedCID: null, UnsealedCid: null });
  assert.equal(toHex(PreCommitSectorBatchParams2.encode(back)), golden, "decode ∘ encode is the identity");
});

test("SectorPreCommitInfo decodes a negative SealRandEpoch (major type 1) and refuses a short tuple", () => {
  const golden = h("87", "05", "07", tag42(sealedCidBytes(COMM_R_7)), "20" /* −1 */, "80", "1a 0017bb00", "f6");
  const v = SectorPreCommitInfo.decode(hex(golden));
  assert.equal(v.SealRandEpoch, -1);
  assert.equal(toHex(SectorPreCommitInfo.encode(v)), golden);
  assert.throws(() => SectorPreCommitInfo.decode(hex(h("86", "05", "07", tag42(sealedCidBytes(COMM_R_7)), "20", "80", "1a 0017bb00"))));
});

test("ProveCommitSectors3 params: a CC activation and a deal piece with a verified allocation key and a market notification", () => {
  const proof7 = "aabbcc"; //                  stand-ins for the kind-1 devnet proofs (golden bytes, not valid proofs)
  const proof300 = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e"; // 30 bytes
  const golden = h(
    "86", //                               ProveCommitSectors3Params: tuple of 6 fields
    "82", //                                 SectorActivations: array of 2 SectorActivationManifest
    "82", //                                   SectorActivationManifest: tuple of 2
    "07", //                                     SectorNumber 7
    "80", //                                     Pieces [] (CC)
    "82", //                                   SectorActivationManifest
    "19 012c", //                                SectorNumber 300
    "81", //                                     Pieces: array of 1
    "84", //                                       PieceActivationManifest: tuple of 4
    tag42(unsealedCidBytes(COMM_D_300)), //          CID (PieceCID v1)
    "19 0800", //                                    Size 2048 (padded)
    "82", //                                         VerifiedAllocationKey: tuple of 2
    "19 03ea", //                                      Client 1002
    "09", //                                           ID 9
    "81", //                                         Notify: array of 1
    "82", //                                           DataActivationNotification: tuple of 2
    "42 0005", //                                        Address t05 as address bytes (protocol 0, varint 5)
    "41 07", //                                          Payload CBOR(DealID 7)
    "82", //                                 SectorProofs: array of 2 byte strings
    "43", proof7, //                           3 bytes
    "58 1e", proof300, //                      30 bytes
    "40", //                                 AggregateProof: empty byte string
    "f6", //                                 AggregateProofType: null (*RegisteredAggregationProof)
    "f4", //                                 RequireActivationSuccess false
    "f5", //                                 RequireNotificationSuccess true
  );
  const value: ProveCommitSectors3Params = {
    SectorActivations: [
      { SectorNumber: 7, Pieces: [] },
      {
        SectorNumber: 300,
        Pieces: [
          {
            CID: cidOf(unsealedCidBytes(COMM_D_300)),
            Size: 2048,
            VerifiedAllocationKey: { Client: 1002, ID: 9 },
            Notify: [{ Address: Uint8Array.of(0x00, 0x05), Payload: Uint8Array.of(0x07) }],
          },
        ],
      },
    ],
    SectorProofs: [hex(proof7), hex(proof300)],
    AggregateProof: new Uint8Array(0),
    AggregateProofType: null,
    RequireActivationSuccess: false,
    RequireNotificationSuccess: true,
  };
  assert.equal(toHex(ProveCommitSectors3Params.encode(value)), golden);
  const back = ProveCommitSectors3Params.decode(hex(golden));
  const piece = back.SectorActivations[1]!.Pieces[0]!;
  assert.ok(piece.CID.equals(value.SectorActivations[1]!.Pieces[0]!.CID));
  assert.deepEqual({ ...back, SectorActivations: null }, { ...value, SectorActivations: null });
  assert.deepEqual(back.SectorActivations[0], { SectorNumber: 7, Pieces: [] });
  assert.deepEqual({ ...piece, CID: null }, { ...value.SectorActivations[1]!.Pieces[0]!, CID: null });
  assert.equal(toHex(ProveCommitSectors3Params.encode(back)), golden);

  // The other arms of the optional fields: no allocation key (null), an aggregate proof type 1.
  const plain = h("86", "81", "82", "07", "81", "84", tag42(unsealedCidBytes(COMM_D_300)), "19 0800", "f6", "80", "80", "42", "abcd", "01", "f5", "f4");
  const p = ProveCommitSectors3Params.decode(hex(plain));
  assert.equal(p.SectorActivations[0]!.Pieces[0]!.VerifiedAllocationKey, null);
  assert.equal(p.AggregateProofType, 1);
  assert.equal(toHex(ProveCommitSectors3Params.encode(p)), plain);
});

test("SubmitWindowedPoSt params: two partitions, one with Skipped sectors, one PoStProof", () => {
  const rand = "5f".repeat(31) + "1f"; //         ChainCommitRand: 32 bytes
  const proofBytes = "444d4445564e4554" + "01" + "02"; // "DMDEVNET", version 1, kind 2 (a header, as stand-in)
  // Skipped {2, 3} in RLE+ (go-bitfield rlepluslazy, bits filled LSB first):
  //   version 00 | first run value 0 | run of 2 zeros: short block "01" + 4-bit length 0010 LSB first
  //   | run of 2 ones: the same. Bits: 0 0 0 0 1 0 1 0 | 0 0 1 0 1 0 0 → bytes 0x50 0x14.
  const skipped = "5014";
  const golden = h(
    "85", //                               SubmitWindowedPoStParams: tuple of 5 fields
    "11", //                                 Deadline 17
    "82", //                                 Partitions: array of 2 PoStPartition
    "82", "00", "40", //                       {Index 0, Skipped: empty bitfield = empty byte string}
    "82", "01", "42", skipped, //              {Index 1, Skipped {2, 3}}
    "81", //                                 Proofs: array of 1 PoStProof
    "82", //                                   PoStProof: tuple of 2
    "0a", //                                     PoStProof 10 (StackedDrgWindow2KiBV1_1)
    "4a", proofBytes, //                         ProofBytes: 10 bytes
    "19 101b", //                            ChainCommitEpoch 4123
    "58 20", rand, //                        ChainCommitRand: 32 bytes
  );
  const value: SubmitWindowedPoStParams = {
    Deadline: 17,
    Partitions: [
      { Index: 0, Skipped: BitField.EMPTY },
      { Index: 1, Skipped: BitField.fromSet([2, 3]) },
    ],
    Proofs: [{ PoStProof: 10, ProofBytes: hex(proofBytes) }],
    ChainCommitEpoch: 4123,
    ChainCommitRand: hex(rand),
  };
  assert.equal(toHex(SubmitWindowedPoStParams.encode(value)), golden);
  const back = SubmitWindowedPoStParams.decode(hex(golden));
  assert.deepEqual(back.Partitions.map((x) => [x.Index, x.Skipped.toArray()]), [[0, []], [1, [2, 3]]]);
  assert.deepEqual({ ...back, Partitions: null }, { ...value, Partitions: null });
  assert.equal(toHex(SubmitWindowedPoStParams.encode(back)), golden);

  // Near genesis a deadline's Challenge is negative: ChainCommitEpoch −2 is negint 0x21.
  const early = h("85", "00", "81", "82", "00", "40", "80", "21", "40");
  const e = SubmitWindowedPoStParams.decode(hex(early));
  assert.equal(e.ChainCommitEpoch, -2);
  assert.equal(toHex(SubmitWindowedPoStParams.encode(e)), early);
});
