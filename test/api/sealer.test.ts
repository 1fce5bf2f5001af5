// Contract tests of `Venus.*` (spec/protocols.md §1, §4h, §4i; manager.md §5.2–§5.3): the JSON a Rust
// damocles-worker or the Go CLI sends decodes with the method's schemas and re-encodes to the identical text,
// every result encodes to the documented names and forms, and wrong shapes are refused naming the field.

import { test } from "node:test";
import assert from "node:assert/strict";
import { CID } from "multiformats/cid";
import { z } from "zod";
import { decodeParams, decodeResult, encodeParams, encodeResult, wireName, type MethodDef, type Perm } from "../../src/api/define.js";
import {
  OnChainState,
  SECTOR_STATE_NAMES,
  SectorState,
  SubmitResult,
  WDPOST_STATE_NAMES,
  type AllocatedSector,
  type SectorStateResp,
  type WdPoStAllocatedJob,
} from "../../src/api/sealer-types.js";
import { SEALING_WORKER_METHODS, sealerApi, WDPOST_JOB_METHODS } from "../../src/api/sealer.js";
import { commDToCid, commRToCid } from "../../src/filecoin/cid.js";
import { BitField } from "../../src/filecoin/bitfield.js";

const methods = sealerApi.methods as Record<string, MethodDef>;
const def = (name: string): MethodDef => {
  const d = methods[name];
  assert.ok(d, `Venus.${name} is defined`);
  return d;
};

// ---- fixtures: the sector of §1.10, 32GiB V1_1 ----

const SID = { Miner: 1000, Number: 42 };
const TICKET_B64 = "pU3KGCUwux1tEyze1iN7LtkeP3IfyxlxF0SU1kk8nVw=";
const TICKET = { Ticket: TICKET_B64, Epoch: 4501100 };
const SEED = { Seed: "NGC+MSAeaf7aoO7ouZl/XHwpmf2v5ZMlPNZUr0361xQ=", Epoch: 4503420 };
const COMM_R = [39, 160, 174, 179, 254, 233, 35, 47, 138, 242, 33, 31, 158, 228, 145, 197, 177, 11, 236, 181, 86, 59, 252, 30, 111, 147, 66, 126, 203, 200, 254, 41];
const COMM_D = [85, 229, 205, 142, 70, 220, 142, 212, 183, 194, 118, 77, 42, 90, 77, 118, 119, 6, 248, 93, 134, 144, 2, 74, 214, 189, 163, 64, 27, 233, 200, 11];
const PIECE = { "/": "baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq" };
const SEALED = { "/": commRToCid(Uint8Array.from(COMM_R)).toString() };
const UNSEALED = { "/": commDToCid(Uint8Array.from(COMM_D)).toString() };
const MSG = { "/": "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4" };
const TSK = [{ "/": "bafy2bzacedo7hjsumaajt6sbor42qycvjyk6goqe4oi4o4ddsjxkdeqrqf42c" }];
/** A 1920-byte C2 proof (§1.10 example 7 shortens it). */
const PROOF = Buffer.from(Uint8Array.from({ length: 1920 }, (_, i) => (i * 7 + 3) & 0xff)).toString("base64");
const RAND32 = Buffer.alloc(32, 0x5a).toString("base64");
const SEED32 = Array.from({ length: 32 }, (_, i) => (i * 13 + 12) & 0xff);
const JOB_ID = "7Xq2mF9hTqz";
const WORKER = "10.0.0.11";

const DEAL_INFO = {
  DealID: 0,
  PublishCid: null,
  AllocationID: 23017,
  PieceCID: PIECE,
  PieceSize: 34359738368,
  Client: "f01234",
  Provider: "f01000",
  Offset: 0,
  Length: 34359738368,
  PayloadSize: 33822867456,
  StartEpoch: 4512000,
  EndEpoch: 6064000,
  IsBuiltinMarket: false,
  IsCompatible: false,
};
const SECTOR_PIECE = { Piece: { Size: 34359738368, PieceCID: PIECE }, DealInfo: DEAL_INFO };
const PLEDGE_PIECE = {
  Piece: { Size: 2048, PieceCID: { "/": "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy" } },
  DealInfo: { ...DEAL_INFO, AllocationID: 0, PieceSize: 2048, Length: 2048, PayloadSize: 2032, StartEpoch: 0, EndEpoch: 0 },
};
const PUBLIC = { CommR: COMM_R, SealedCID: SEALED, Activation: 3000000, Expiration: 4555000 };
const SPEC_32G = { AllowedMiners: [1000], AllowedProofTypes: [8, 13, 18] };
const REPORT = {
  Worker: { Instance: WORKER, Location: "/data/sealing/03" },
  StateChange: { Prev: "PC1Done", Next: "PC2Done", Event: "PC2" },
  Failure: null,
};
const WDPOST_SECTOR = { SectorId: 42, CommR: COMM_R, Upgrade: false, Accesses: { SealedFile: "persist-b", CacheDir: "persist-b" } };
const WDPOST_JOB = { Id: JOB_ID, Input: { Sectors: [WDPOST_SECTOR], MinerId: 1000, ProofType: "StackedDrgWindow32GiBV1_2", Seed: SEED32 } };
const EXT_SECTOR = { SealProof: 8, SectorNumber: 42, SectorKey: null, SealedCID: SEALED };
const STORE = { Name: "persist-b", Path: "/mnt/persist-b", Strict: false, ReadOnly: false, Weight: 1, Meta: null };
const PING = { Name: WORKER, Dest: "10.0.0.11:17890", Version: "v0.13.1-4235a89", Summary: { Threads: 8, Empty: 1, Paused: 0, Running: 5, Waiting: 2, Errors: 0 } };

/** A sealed sector's manager record, every field set (field order as Go marshals `core.SectorState`). */
const SECTOR_STATE = {
  ID: SID,
  SectorType: 8,
  Ticket: TICKET,
  Seed: SEED,
  Deals: [],
  Pieces: [SECTOR_PIECE],
  Pre: { CommR: SEALED, CommD: UNSEALED, Ticket: TICKET },
  Proof: { Proof: PROOF },
  MessageInfo: { PreCommitCid: MSG, CommitCid: null, NeedSend: true },
  TerminateInfo: { TerminateCid: null, TerminatedAt: 0, AddedHeight: 0 },
  LatestState: REPORT,
  Finalized: false,
  Removed: false,
  AbortReason: "",
  Upgraded: false,
  UpgradePublic: null,
  UpgradedInfo: null,
  UpgradeMessageID: null,
  UpgradeLandedEpoch: null,
  Imported: false,
  NeedRebuild: false,
  Unsealing: false,
};
/** A freshly allocated one: the `omitempty` pointers are absent. */
const FRESH_STATE = {
  ID: SID,
  SectorType: 8,
  Deals: [],
  Pieces: [],
  MessageInfo: { PreCommitCid: null, CommitCid: null, NeedSend: false },
  TerminateInfo: { TerminateCid: null, TerminatedAt: 0, AddedHeight: 0 },
  Finalized: false,
  Removed: false,
  AbortReason: "",
  Upgraded: true,
  UpgradePublic: PUBLIC,
  UpgradedInfo: { AccessInstance: "persist-b", SealedCID: SEALED, UnsealedCID: UNSEALED, Proof: PROOF },
  UpgradeMessageID: "5f2c9d1e-8b4a-4c3e-9a7d-1e2f3a4b5c6d",
  UpgradeLandedEpoch: 4600000,
  Imported: false,
  NeedRebuild: false,
  Unsealing: false,
};

// ---- helpers ----

const text = (v: unknown): string => JSON.stringify(v);

/** Params as a worker sends them: decode, re-encode, same text. */
function paramsRoundTrip(name: string, params: unknown[]): unknown[] {
  const d = def(name);
  const decoded = decodeParams(d, params);
  assert.ok(decoded.ok, `${name} params: ${decoded.ok ? "" : decoded.message}`);
  const encoded = encodeParams(d, decoded.value);
  assert.ok(encoded.ok, `${name} params re-encode: ${encoded.ok ? "" : encoded.message}`);
  assert.equal(text(encoded.value), text(params), `${name} params re-encode to the same JSON`);
  return decoded.value;
}

/** A result as the manager sends it: decode, re-encode, same text. */
function resultRoundTrip(name: string, result: unknown): unknown {
  const d = def(name);
  const decoded = decodeResult(d, result);
  assert.ok(decoded.ok, `${name} result: ${decoded.ok ? "" : decoded.message}`);
  const encoded = encodeResult(d, decoded.value);
  assert.ok(encoded.ok, `${name} result re-encode: ${encoded.ok ? "" : encoded.message}`);
  assert.equal(text(encoded.value), text(result), `${name} result re-encodes to the same JSON`);
  return decoded.value;
}

function paramsError(name: string, params: unknown[]): string {
  const r = decodeParams(def(name), params);
  assert.equal(r.ok, false, `${name} ${text(params)} must be rejected`);
  return (r as { message: string }).message;
}

function resultError(name: string, result: unknown): string {
  const r = decodeResult(def(name), result);
  assert.equal(r.ok, false, `${name} result ${text(result)} must be rejected`);
  return (r as { message: string }).message;
}

// ---- §1.10 examples, verbatim ----

/** The request and result bodies of §1.10 as printed (examples 7 and 12 shorten bytes: here expanded). */
const EXAMPLES = String.raw`
{"jsonrpc":"2.0","method":"Venus.AllocateSector","params":[{"AllowedMiners":[1000],"AllowedProofTypes":[8,13,18]}],"id":1}
{"jsonrpc":"2.0","result":{"ID":{"Miner":1000,"Number":42},"ProofType":8},"id":1}
{"jsonrpc":"2.0","result":null,"id":1}
{"jsonrpc":"2.0","method":"Venus.AcquireDeals","params":[{"Miner":1000,"Number":42},{"MaxDeals":null,"MinUsedSpace":null}],"id":2}
{"jsonrpc":"2.0","result":[{"Piece":{"Size":34359738368,"PieceCID":{"/":"baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq"}},"DealInfo":{"DealID":0,"PublishCid":null,"AllocationID":23017,"PieceCID":{"/":"baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq"},"PieceSize":34359738368,"Client":"f01234","Provider":"f01000","Offset":0,"Length":34359738368,"PayloadSize":33822867456,"StartEpoch":4512000,"EndEpoch":6064000,"IsBuiltinMarket":false,"IsCompatible":false}}],"id":2}
{"jsonrpc":"2.0","result":null,"id":2}
{"jsonrpc":"2.0","method":"Venus.AssignTicket","params":[{"Miner":1000,"Number":42}],"id":3}
{"jsonrpc":"2.0","result":{"Ticket":"pU3KGCUwux1tEyze1iN7LtkeP3IfyxlxF0SU1kk8nVw=","Epoch":4501100},"id":3}
{"jsonrpc":"2.0","method":"Venus.SubmitPreCommit","params":[{"ID":{"Miner":1000,"Number":42},"ProofType":8},{"CommR":[39,160,174,179,254,233,35,47,138,242,33,31,158,228,145,197,177,11,236,181,86,59,252,30,111,147,66,126,203,200,254,41],"CommD":[85,229,205,142,70,220,142,212,183,194,118,77,42,90,77,118,119,6,248,93,134,144,2,74,214,189,163,64,27,233,200,11],"Ticket":{"Ticket":"pU3KGCUwux1tEyze1iN7LtkeP3IfyxlxF0SU1kk8nVw=","Epoch":4501100}},false],"id":4}
{"jsonrpc":"2.0","result":{"Res":1,"Desc":null},"id":4}
{"jsonrpc":"2.0","method":"Venus.PollPreCommitState","params":[{"Miner":1000,"Number":42}],"id":5}
{"jsonrpc":"2.0","result":{"State":2,"Desc":null},"id":5}
{"jsonrpc":"2.0","method":"Venus.WaitSeed","params":[{"Miner":1000,"Number":42},8],"id":6}
{"jsonrpc":"2.0","result":{"ShouldWait":true,"Delay":2250,"Seed":null},"id":6}
{"jsonrpc":"2.0","result":{"ShouldWait":false,"Delay":0,"Seed":{"Seed":"NGC+MSAeaf7aoO7ouZl/XHwpmf2v5ZMlPNZUr0361xQ=","Epoch":4503420}},"id":7}
{"jsonrpc":"2.0","method":"Venus.SubmitProof","params":[{"Miner":1000,"Number":42},{"Proof":"${PROOF}"},false],"id":8}
{"jsonrpc":"2.0","result":{"Res":4,"Desc":"invalid proof"},"id":8}
{"jsonrpc":"2.0","method":"Venus.ReportState","params":[{"Miner":1000,"Number":42},{"Worker":{"Instance":"10.0.0.11","Location":"/data/sealing/03"},"StateChange":{"Prev":"PC1Done","Next":"PC2Done","Event":"PC2"},"Failure":null}],"id":9}
{"jsonrpc":"2.0","result":{"Id":{"Miner":1000,"Number":42},"Finalized":false,"AbortReason":""},"id":9}
{"jsonrpc":"2.0","result":{"Id":{"Miner":1000,"Number":42},"Finalized":true,"AbortReason":"aborted by operator"},"id":9}
{"jsonrpc":"2.0","method":"Venus.WorkerPing","params":[{"Name":"10.0.0.11","Dest":"10.0.0.11:17890","Version":"v0.13.1-4235a89","Summary":{"Threads":8,"Empty":1,"Paused":0,"Running":5,"Waiting":2,"Errors":0}}],"id":10}
{"jsonrpc":"2.0","result":null,"id":10}
{"jsonrpc":"2.0","method":"Venus.StoreReserveSpace","params":[{"Miner":1000,"Number":42},35046933135,["persist-a","persist-b"]],"id":11}
{"jsonrpc":"2.0","result":{"Name":"persist-b","Path":"/mnt/persist-b","Strict":false,"ReadOnly":false,"Weight":1,"Meta":null},"id":11}
{"jsonrpc":"2.0","method":"Venus.WdPoStAllocateJobs","params":[{"AllowedMiners":[1000],"AllowedProofTypes":["StackedDrgWinning32GiBV1","StackedDrgWindow32GiBV1","StackedDrgWindow32GiBV1_2"]},1,"10.0.0.11"],"id":13}
{"jsonrpc":"2.0","result":[{"Id":"7Xq2mF9hTqz","Input":{"Sectors":[{"SectorId":42,"CommR":${text(COMM_R)},"Upgrade":false,"Accesses":{"SealedFile":"persist-b","CacheDir":"persist-b"}}],"MinerId":1000,"ProofType":"StackedDrgWindow32GiBV1_2","Seed":${text(SEED32)}}}],"id":13}
{"jsonrpc":"2.0","method":"Venus.WdPoStFinishJob","params":["7Xq2mF9hTqz",{"proofs":["${PROOF}"],"faults":[]},""],"id":14}
{"jsonrpc":"2.0","result":null,"id":14}
`
  .trim()
  .split("\n")
  .map((line) => ({ line, body: JSON.parse(line) as { method?: string; params?: unknown[]; result?: unknown; id: number } }));

test("§1.10 examples: every request decodes and re-encodes to the same text; every result to the same text", () => {
  const methodOfId = new Map<number, string>();
  for (const { body } of EXAMPLES) {
    if (body.method === undefined) continue;
    assert.match(body.method, /^Venus\./);
    methodOfId.set(body.id, body.method.slice("Venus.".length));
  }
  methodOfId.set(7, "WaitSeed"); // the second WaitSeed call of example 6
  let requests = 0;
  let results = 0;
  for (const { body, line } of EXAMPLES) {
    if (body.method !== undefined) {
      const name = body.method.slice("Venus.".length);
      assert.equal(wireName(sealerApi, name), body.method);
      paramsRoundTrip(name, body.params!);
      requests++;
    } else {
      const name = methodOfId.get(body.id);
      assert.ok(name, `no request for ${line}`);
      resultRoundTrip(name, body.result);
      results++;
    }
  }
  assert.equal(requests, 12);
  assert.equal(results, 16);
});

test("§1.10 examples decode to the values the manager and worker work with", () => {
  const [alloc, info, reset] = paramsRoundTrip("SubmitPreCommit", [{ ID: SID, ProofType: 8 }, { CommR: COMM_R, CommD: COMM_D, Ticket: TICKET }, false]) as [
    AllocatedSector,
    { CommR: Uint8Array; CommD: Uint8Array; Ticket: { Ticket: Uint8Array; Epoch: number } },
    boolean,
  ];
  assert.deepEqual(alloc, { ID: { Miner: 1000, Number: 42 }, ProofType: 8 });
  assert.ok(info.CommR instanceof Uint8Array);
  assert.deepEqual([...info.CommR], COMM_R);
  assert.deepEqual([...info.CommD], COMM_D);
  assert.equal(Buffer.from(info.Ticket.Ticket).toString("base64"), TICKET_B64);
  assert.equal(info.Ticket.Ticket.length, 32);
  assert.equal(info.Ticket.Epoch, 4501100);
  assert.equal(reset, false);

  const pieces = resultRoundTrip("AcquireDeals", [SECTOR_PIECE]) as { Piece: { PieceCID: CID }; DealInfo: { PublishCid: CID | null; AllocationID: number } }[];
  assert.ok(pieces[0]!.Piece.PieceCID.equals(CID.parse(PIECE["/"])));
  assert.equal(pieces[0]!.DealInfo.PublishCid, null);
  assert.equal(pieces[0]!.DealInfo.AllocationID, 23017);

  const seed = resultRoundTrip("WaitSeed", { ShouldWait: false, Delay: 0, Seed: SEED }) as { Seed: { Seed: Uint8Array; Epoch: number } };
  assert.equal(seed.Seed.Seed.length, 32);
  assert.equal(seed.Seed.Epoch, 4503420);

  const [, proof] = paramsRoundTrip("SubmitProof", [SID, { Proof: PROOF }, false]) as [unknown, { Proof: Uint8Array }];
  assert.equal(proof.Proof.length, 1920);

  const [job] = resultRoundTrip("WdPoStAllocateJobs", [WDPOST_JOB]) as WdPoStAllocatedJob[];
  assert.equal(job!.Input.MinerId, 1000);
  assert.equal(job!.Input.Sectors[0]!.SectorId, 42);
  assert.deepEqual([...job!.Input.Seed], SEED32);
  assert.deepEqual(resultRoundTrip("PollPreCommitState", { State: 2, Desc: null }), { State: OnChainState.Packed, Desc: null });
  assert.deepEqual(resultRoundTrip("SubmitProof", { Res: 4, Desc: "invalid proof" }), { Res: SubmitResult.Rejected, Desc: "invalid proof" });
});

// ---- one request per remaining method (hand-written by §1.2's rules) ----

const REQUESTS: Record<string, unknown[][]> = {
  AllocateSector: [[SPEC_32G], [{ AllowedMiners: null, AllowedProofTypes: null }]],
  AcquireDeals: [[SID, { MaxDeals: 1, MinUsedSpace: 17179869184 }]],
  AssignTicket: [[SID]],
  SubmitPreCommit: [[{ ID: SID, ProofType: 13 }, { CommR: COMM_R, CommD: COMM_D, Ticket: TICKET }, true]],
  PollPreCommitState: [[SID]],
  SubmitPersisted: [[SID, "persist-b"]],
  SubmitPersistedEx: [[SID, "persist-b", false], [SID, "persist-b", true]],
  WaitSeed: [[SID, 18]],
  SubmitProof: [[SID, { Proof: PROOF }, true]],
  PollProofState: [[SID]],
  ReportState: [
    [SID, { ...REPORT, StateChange: { Prev: "PC2Done", Next: "PC2Done", Event: "None" }, Failure: { Level: "Temporary", Desc: "rpc timeout" } }],
  ],
  ReportFinalized: [[SID]],
  ReportAborted: [[SID, "ticket expired"]],
  AllocateSanpUpSector: [[{ Sector: { AllowedMiners: null, AllowedProofTypes: [8, 13, 18] }, Deals: { MaxDeals: 4, MinUsedSpace: null } }]],
  SubmitSnapUpProof: [[SID, { CommR: COMM_R, CommD: COMM_D, AccessInstance: "persist-b", Pieces: [PIECE], Proof: PROOF }]],
  AllocateRebuildSector: [[{ AllowedMiners: null, AllowedProofTypes: null }]],
  WorkerPing: [[PING]],
  StoreReserveSpace: [[SID, 4096, ["persist-a"]]],
  StoreBasicInfo: [["persist-a"]],
  AllocateUnsealSector: [[SPEC_32G]],
  AchieveUnsealSector: [[SID, PIECE, ""], [SID, PIECE, "upload: connection refused"]],
  AcquireUnsealDest: [[SID, PIECE]],
  WdPoStAllocateJobs: [[{ AllowedMiners: null, AllowedProofTypes: null }, 1, WORKER]],
  WdPoStHeartbeatJobs: [[[JOB_ID], WORKER]],
  WdPoStFinishJob: [[JOB_ID, null, "window_post: child process exited"]],
  WdPoStResetJob: [[JOB_ID]],
  WdPoStRemoveJob: [[JOB_ID]],
  WdPoStAllJobs: [[]],
  WorkerSealingDefaults: [[WORKER]],
  WdPoStHeartbeatJobsEx: [[[JOB_ID, "3pQ7vYx"], WORKER]],
  ListSectors: [["online", 0], ["offline", 4]],
  FindSector: [["offline", SID]],
  FindSectorInAllStates: [[SID]],
  FindSectorsWithDeal: [["online", 23017]],
  FindSectorWithPiece: [["online", PIECE]],
  ImportSector: [["online", SECTOR_STATE, false], ["offline", FRESH_STATE, true]],
  RestoreSector: [[SID, false]],
  CheckProvable: [[1000, 13, [EXT_SECTOR], false, true]],
  SimulateWdPoSt: [[3, 0, "f01000", 13, [EXT_SECTOR], RAND32]],
  SnapUpPreFetch: [[1000, null], [1000, 17]],
  SnapUpCandidates: [[1000]],
  SnapUpCancelCommitment: [[SID]],
  ProvingSectorInfo: [[SID]],
  WorkerGetPingInfo: [[WORKER]],
  WorkerPingInfoList: [[]],
  WorkerPingInfoRemove: [[WORKER]],
  SectorIndexerFind: [["normal", SID], ["upgrade", SID]],
  TerminateSector: [[SID]],
  PollTerminateSectorState: [[SID]],
  RemoveSector: [[SID]],
  FinalizeSector: [[SID]],
  StoreReleaseReserved: [[SID]],
  StoreList: [[]],
  SectorSetForRebuild: [[SID, { PiecesAvailable: true }]],
  UnsealPiece: [[SID, PIECE, 0, 1016, "store:///baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq"]],
  Version: [[]],
  GetTicket: [[TSK, 4501100, 1000]],
  GetSeed: [[TSK, 4503420, 1000]],
  GetWindowPoStChanlleengeRand: [[TSK, 4510000, 1000]],
  GetWindowPoStCommitRand: [[TSK, 4510060]],
  GetInfo: [[1000]],
  GetMinerConfig: [[1000]],
};

const ON_CHAIN = {
  SectorNumber: 42,
  SealProof: 8,
  SealedCID: SEALED,
  Activation: 4503500,
  Expiration: 6064000,
  DealWeight: "0",
  VerifiedDealWeight: "52135876608000000",
  InitialPledge: "8765432100000000000",
  ExpectedDayReward: null,
  ExpectedStoragePledge: null,
  PowerBaseEpoch: 4503500,
  ReplacedDayReward: null,
  SectorKeyCID: null,
  Flags: 1,
  DailyFee: "0",
};

/** Results for every method, as the manager sends them. */
const RESULTS: Record<string, unknown[]> = {
  AllocateSector: [{ ID: SID, ProofType: 8 }, null],
  AcquireDeals: [[SECTOR_PIECE, PLEDGE_PIECE], null],
  AssignTicket: [TICKET],
  SubmitPreCommit: [{ Res: 1, Desc: null }, { Res: 3, Desc: "mismatched CommR" }],
  PollPreCommitState: [{ State: 3, Desc: null }, { State: 7, Desc: "sector number already allocated" }],
  SubmitPersisted: [true],
  SubmitPersistedEx: [true, false],
  WaitSeed: [{ ShouldWait: true, Delay: 2250, Seed: null }],
  SubmitProof: [{ Res: 2, Desc: null }],
  PollProofState: [{ State: 1, Desc: null }, { State: 5, Desc: "exit code 7" }],
  ReportState: [{ Id: SID, Finalized: false, AbortReason: null }],
  ReportFinalized: [null],
  ReportAborted: [null],
  AllocateSanpUpSector: [{ Sector: { ID: SID, ProofType: 8 }, Pieces: [SECTOR_PIECE], Public: PUBLIC, Private: { AccessInstance: "persist-b" } }, null],
  SubmitSnapUpProof: [{ Res: 5, Desc: "update files missing in persist-b" }],
  AllocateRebuildSector: [
    { Sector: { ID: SID, ProofType: 8 }, Ticket: TICKET, Pieces: null, PiecesV2: [PLEDGE_PIECE], IsSnapUp: false, UpgradePublic: null },
    {
      Sector: { ID: SID, ProofType: 8 },
      Ticket: TICKET,
      Pieces: [{ ID: 7, PayloadSize: 2032, Piece: { Size: 2048, Offset: 0, Cid: PIECE }, Proposal: null, IsCompatible: true }],
      PiecesV2: null,
      IsSnapUp: true,
      UpgradePublic: PUBLIC,
    },
    null,
  ],
  WorkerPing: [null],
  StoreReserveSpace: [STORE, null],
  StoreBasicInfo: [{ ...STORE, Strict: true, ReadOnly: true, Weight: 3, Meta: { rack: "b2" } }, null],
  AllocateUnsealSector: [
    {
      Sector: { ID: SID, ProofType: 8 },
      PieceCid: PIECE,
      Offset: 0,
      Size: 34091302912,
      PrivateInfo: { AccessInstance: "persist-b" },
      Ticket: TICKET,
      CommD: COMM_D,
      Dest: ["store:///baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq"],
      State: "set_up",
      ErrorInfo: "",
    },
    null,
  ],
  AchieveUnsealSector: [null],
  AcquireUnsealDest: [["file:///data/unsealed/piece", "market://persist-a/baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq?host=10.0.0.2:41235&scheme=http&token=t"], []],
  WdPoStAllocateJobs: [[WDPOST_JOB], []],
  WdPoStHeartbeatJobs: [null],
  WdPoStFinishJob: [null],
  WdPoStResetJob: [null],
  WdPoStRemoveJob: [null],
  WdPoStAllJobs: [
    {
      Jobs: [
        {
          Id: JOB_ID,
          State: "finished",
          DeadlineIdx: 3,
          Partitions: [0, 1],
          Input: { Sectors: [], MinerId: 1000, ProofType: "", Seed: new Array(32).fill(0) },
          Output: { proofs: [], faults: [] },
          TryNum: 1,
          ErrorReason: "",
          WorkerName: WORKER,
          StartedAt: 1764460800,
          HeartbeatAt: 1764460830,
          FinishedAt: 1764461100,
          CreatedAt: 1764460790,
          UpdatedAt: 1764461100,
          Sectors: 2349,
          Faults: 0,
        },
      ],
      MaxTry: 2,
    },
  ],
  WorkerSealingDefaults: [{ allowed_sizes: ["32GiB"], enable_deals: true, max_deals: 4, min_deal_space: "16GiB", seal_interval: "30s" }, {}, null],
  WdPoStHeartbeatJobsEx: [{ Abandoned: [] }, { Abandoned: ["3pQ7vYx"] }],
  ListSectors: [[SECTOR_STATE, FRESH_STATE], []],
  FindSector: [SECTOR_STATE, null],
  FindSectorInAllStates: [FRESH_STATE, null],
  FindSectorsWithDeal: [[SECTOR_STATE]],
  FindSectorWithPiece: [SECTOR_STATE, null],
  ImportSector: [true, false],
  RestoreSector: [null],
  CheckProvable: [{}, { "42": "sealed file missing", "1007": "cache file p_aux missing" }],
  SimulateWdPoSt: [null],
  SnapUpPreFetch: [{ Total: 120, Diff: 8 }, null],
  SnapUpCandidates: [[[0, 5, 2, 1], [0], [3, 1]]],
  SnapUpCancelCommitment: [null],
  ProvingSectorInfo: [
    {
      OnChain: ON_CHAIN,
      Private: {
        Accesses: { SealedFile: "persist-b", CacheDir: "persist-b" },
        CacheDirPath: "/mnt/persist-b/cache/s-t01000-42",
        SealedSectorPath: "/mnt/persist-b/sealed/s-t01000-42",
        CacheDirURI: "cache/s-t01000-42",
        SealedSectorURI: "sealed/s-t01000-42",
      },
    },
  ],
  WorkerGetPingInfo: [{ Info: PING, LastPing: 1764460800 }, null],
  WorkerPingInfoList: [[{ Info: PING, LastPing: 1764460800 }], []],
  WorkerPingInfoRemove: [null],
  SectorIndexerFind: [{ Found: true, Instance: { SealedFile: "persist-b", CacheDir: "persist-b" } }, { Found: false, Instance: { SealedFile: "", CacheDir: "" } }],
  TerminateSector: [{ Res: 1, Desc: null }],
  PollTerminateSectorState: [{ TerminateCid: MSG, TerminatedAt: 4600100, AddedHeight: 4600000 }],
  RemoveSector: [null],
  FinalizeSector: [null],
  StoreReleaseReserved: [true],
  StoreList: [
    [
      {
        ...STORE,
        Type: "filesystem",
        Total: 1099511627776,
        Free: 549755813888,
        Used: 549755813888,
        UsedPercent: 50.0,
        Reserved: 35046933135,
        ReservedBy: [{ By: "s-t01000-42", Size: 35046933135, At: 1764460800 }],
      },
    ],
  ],
  SectorSetForRebuild: [true],
  UnsealPiece: [Buffer.from("piece data chunk").toString("base64")],
  Version: ["v0.1.0-damocles-ts"],
  GetTicket: [TICKET],
  GetSeed: [SEED],
  GetWindowPoStChanlleengeRand: [{ Epoch: 4510000, Rand: RAND32 }],
  GetWindowPoStCommitRand: [{ Epoch: 4510060, Rand: RAND32 }],
  GetInfo: [{ ID: 1000, Addr: "f01000", SectorSize: 34359738368, WindowPoStProofType: 13, SealProofType: 8 }, null],
  GetMinerConfig: [
    {
      Actor: 1000,
      Sector: { InitNumber: 0, MinNumber: null, MaxNumber: null, Enabled: true, EnableDeals: true, LifetimeDays: 540, Verbose: false },
      SnapUp: { Enabled: false },
      Commitment: { Confidence: 10 },
      PoSt: { Enabled: true },
      Proof: { Enabled: true },
      Sealing: { SealingEpochDuration: 0, UseSyntheticPoRep: false },
    },
    null,
  ],
};

test("every method has a hand-written request and result; each decodes and re-encodes to the same JSON", () => {
  const names = Object.keys(methods).sort();
  assert.deepEqual(Object.keys(REQUESTS).sort(), names, "one request row per method");
  assert.deepEqual(Object.keys(RESULTS).sort(), names, "one result row per method");
  for (const name of names) {
    for (const params of REQUESTS[name]!) paramsRoundTrip(name, params);
    for (const result of RESULTS[name]!) resultRoundTrip(name, result);
  }
});

test("results encode to exactly the documented field names and JSON forms", () => {
  const enc = (name: string, value: unknown): unknown => {
    const r = encodeResult(def(name), value);
    assert.ok(r.ok, r.ok ? "" : r.message);
    return JSON.parse(text(r.value));
  };
  const sid = { Miner: 1000, Number: 42 };
  const allocated: AllocatedSector = { ID: sid, ProofType: 5 };
  assert.deepEqual(enc("AllocateSector", allocated), { ID: { Miner: 1000, Number: 42 }, ProofType: 5 });
  assert.equal(text(enc("AllocateSector", null)), "null");
  const resp: SectorStateResp = { Id: sid, Finalized: true, AbortReason: "aborted by operator" };
  assert.deepEqual(Object.keys(enc("ReportState", resp) as object), ["Id", "Finalized", "AbortReason"]);
  const ticket = { Ticket: Uint8Array.from(Buffer.from(TICKET_B64, "base64")), Epoch: 4501100 };
  assert.deepEqual(enc("AssignTicket", ticket), TICKET, "ticket bytes as base64");
  assert.deepEqual(enc("WaitSeed", { ShouldWait: false, Delay: 0, Seed: { Seed: new Uint8Array(32).fill(1), Epoch: 9 } }), {
    ShouldWait: false,
    Delay: 0,
    Seed: { Seed: Buffer.alloc(32, 1).toString("base64"), Epoch: 9 },
  });
  assert.deepEqual(enc("SubmitPreCommit", { Res: SubmitResult.Accepted, Desc: null }), { Res: 1, Desc: null });
  assert.deepEqual(enc("PollProofState", { State: OnChainState.ShouldAbort, Desc: "gone" }), { State: 7, Desc: "gone" });
  const job: WdPoStAllocatedJob = {
    Id: JOB_ID,
    Input: {
      Sectors: [{ SectorId: 42, CommR: Uint8Array.from(COMM_R), Upgrade: true, Accesses: { SealedFile: "a", CacheDir: "b" } }],
      MinerId: 1000,
      ProofType: "StackedDrgWindow2KiBV1_2",
      Seed: Uint8Array.from(SEED32),
    },
  };
  const jobs = enc("WdPoStAllocateJobs", [job]) as [{ Id: string; Input: { Sectors: { SectorId: number; CommR: number[] }[]; MinerId: number; Seed: number[] } }];
  assert.deepEqual(Object.keys(jobs[0]), ["Id", "Input"]);
  assert.deepEqual(Object.keys(jobs[0].Input), ["Sectors", "MinerId", "ProofType", "Seed"]);
  assert.deepEqual(Object.keys(jobs[0].Input.Sectors[0]!), ["SectorId", "CommR", "Upgrade", "Accesses"]);
  assert.deepEqual(jobs[0].Input.Sectors[0]!.CommR, COMM_R, "[32]byte as 32 numbers");
  assert.deepEqual(jobs[0].Input.Seed, SEED32);
  // lists the Rust worker declares non-optional are always sent as lists
  assert.equal(text(enc("WdPoStAllocateJobs", [])), "[]");
  assert.equal(text(enc("AcquireUnsealDest", [])), "[]");
  assert.deepEqual(enc("StoreReserveSpace", { ...STORE, Meta: null }), STORE);
  // CheckProvable's map: decimal sector-number keys
  assert.deepEqual(enc("CheckProvable", new Map([[42, "sealed file missing"]])), { "42": "sealed file missing" });
  const bad = z.decode(def("CheckProvable").result, { "42": "x" }) as Map<number, string>;
  assert.equal(bad.get(42), "x");
  assert.equal((z.decode(def("CheckProvable").result, null) as Map<number, string>).size, 0, "a Go nil map");
  const cands = z.decode(def("SnapUpCandidates").result, [[0, 5, 2, 1]]) as BitField[];
  assert.deepEqual([...cands[0]!], [0, 1, 2, 3, 4, 7]);
});

test("Go nil slices read as empty; omitempty pointers are left out again", () => {
  // WdPoStJobBrief as Go marshals it: input stripped to MinerId, output emptied
  const brief = (RESULTS["WdPoStAllJobs"]![0] as { Jobs: Record<string, unknown>[] }).Jobs[0]!;
  const goBrief = { ...brief, Input: { Sectors: null, MinerId: 1000, ProofType: "", Seed: new Array(32).fill(0) }, Output: { proofs: null, faults: null } };
  const jobs = z.decode(def("WdPoStAllJobs").result, { Jobs: [goBrief], MaxTry: 2 }) as { Jobs: { Input: { Sectors: unknown[] }; Output: { proofs: unknown[] } }[] };
  assert.deepEqual(jobs.Jobs[0]!.Input.Sectors, []);
  assert.deepEqual(jobs.Jobs[0]!.Output.proofs, []);
  assert.deepEqual(z.decode(def("WdPoStAllJobs").result, { Jobs: null, MaxTry: 2 }), { Jobs: [], MaxTry: 2 });
  assert.deepEqual(z.decode(def("ListSectors").result, null), []);
  assert.deepEqual(z.decode(def("AcquireUnsealDest").result, null), []);
  // the manager record: absent and null pointers both read as undefined and are written absent
  const fresh = z.decode(SectorState, FRESH_STATE);
  assert.equal(fresh.Ticket, undefined);
  assert.equal(fresh.LatestState, undefined);
  const withNulls = z.decode(SectorState, { ...FRESH_STATE, Ticket: null, Seed: null, Pre: null, Proof: null, LatestState: null, Deals: null });
  assert.equal(withNulls.Ticket, undefined);
  assert.deepEqual(withNulls.Deals, []);
  assert.equal(text(z.encode(SectorState, withNulls)), text(FRESH_STATE));
  const full = z.decode(SectorState, SECTOR_STATE);
  assert.equal(full.Ticket!.Epoch, 4501100);
  assert.ok(full.Pre!.CommR.equals(CID.parse(SEALED["/"])));
  assert.equal(full.LatestState!.StateChange.Event, "PC2");
});

// ---- rejections name the field ----

test("wrong casings are rejected with the field's path", () => {
  const ticketInfo = { CommR: COMM_R, CommD: COMM_D, Ticket: TICKET };
  assert.match(paramsError("SubmitPreCommit", [{ Id: SID, ProofType: 8 }, ticketInfo, false]), /^params\[0\]\.ID: /);
  assert.match(paramsError("SubmitPreCommit", [{ ID: { miner: 1000, number: 42 }, ProofType: 8 }, ticketInfo, false]), /^params\[0\]\.ID\.Miner: /);
  assert.match(paramsError("AcquireDeals", [{ Miner: 1000, Num: 42 }, { MaxDeals: null, MinUsedSpace: null }]), /^params\[0\]\.Number: /);
  assert.match(resultError("ReportState", { ID: SID, Finalized: false, AbortReason: "" }), /^result\.Id: /);
  assert.match(resultError("AllocateSector", { Id: SID, ProofType: 8 }), /^result\.ID: /);
  const input = WDPOST_JOB.Input;
  assert.match(resultError("WdPoStAllocateJobs", [{ ID: JOB_ID, Input: input }]), /^result\[0\]\.Id: /);
  assert.match(resultError("WdPoStAllocateJobs", [{ Id: JOB_ID, Input: { ...input, MinerId: undefined, MinerID: 1000 } }]), /^result\[0\]\.Input\.MinerId: /);
  const sector = { ...WDPOST_SECTOR, SectorId: undefined, SectorID: 42 };
  assert.match(resultError("WdPoStAllocateJobs", [{ Id: JOB_ID, Input: { ...input, Sectors: [sector] } }]), /^result\[0\]\.Input\.Sectors\[0\]\.SectorId: /);
  assert.match(paramsError("WdPoStFinishJob", [JOB_ID, { Proofs: [], Faults: [] }, ""]), /^params\[1\]\.proofs: /);
  assert.match(resultError("AcquireDeals", [{ ...SECTOR_PIECE, Piece: { Size: 2048, PieceCid: PIECE } }]), /^result\[0\]\.Piece\.PieceCID: /);
});

test("tickets of 31 or 33 bytes, commitments of 31 or 33 numbers, and bad bytes are rejected", () => {
  const b31 = Buffer.alloc(31, 7).toString("base64");
  const b33 = Buffer.alloc(33, 7).toString("base64");
  const pre = (t: unknown, r: unknown = COMM_R) => [{ ID: SID, ProofType: 8 }, { CommR: r, CommD: COMM_D, Ticket: t }, false];
  assert.match(paramsError("SubmitPreCommit", pre({ Ticket: b31, Epoch: 1 })), /^params\[1\]\.Ticket\.Ticket: .*32 bytes/);
  assert.match(paramsError("SubmitPreCommit", pre({ Ticket: b33, Epoch: 1 })), /^params\[1\]\.Ticket\.Ticket: .*32 bytes/);
  assert.match(paramsError("SubmitPreCommit", pre({ Ticket: "not base64!", Epoch: 1 })), /^params\[1\]\.Ticket\.Ticket: /);
  assert.match(paramsError("SubmitPreCommit", pre(TICKET, [...COMM_R, 0])), /^params\[1\]\.CommR: .*32/);
  assert.match(paramsError("SubmitPreCommit", pre(TICKET, COMM_R.slice(1))), /^params\[1\]\.CommR: .*32/);
  assert.match(paramsError("SubmitPreCommit", pre(TICKET, Buffer.from(COMM_R).toString("base64"))), /^params\[1\]\.CommR: /, "base64 is not the [32]byte form");
  assert.match(resultError("AssignTicket", { Ticket: b31, Epoch: 1 }), /^result\.Ticket: /);
  assert.match(resultError("WaitSeed", { ShouldWait: false, Delay: 0, Seed: { Seed: b33, Epoch: 1 } }), /^result\.Seed\.Seed: /);
  assert.match(resultError("WdPoStAllocateJobs", [{ ...WDPOST_JOB, Input: { ...WDPOST_JOB.Input, Seed: [12, 250, 3] } }]), /^result\[0\]\.Input\.Seed: /);
  const snap = { CommR: COMM_R, CommD: [...COMM_D, 1], AccessInstance: "p", Pieces: [], Proof: PROOF };
  assert.match(paramsError("SubmitSnapUpProof", [SID, snap]), /^params\[1\]\.CommD: /);
  assert.match(paramsError("SubmitPreCommit", pre(TICKET, [...COMM_R.slice(1), 256])), /^params\[1\]\.CommR\[31\]: /);
});

test("enum value 0 (Unknown) and values out of range are rejected", () => {
  assert.match(resultError("SubmitPreCommit", { Res: 0, Desc: null }), /^result\.Res: .*SubmitResult/);
  assert.match(resultError("SubmitSnapUpProof", { Res: 6, Desc: null }), /^result\.Res: /);
  assert.match(resultError("PollPreCommitState", { State: 0, Desc: null }), /^result\.State: .*OnChainState/);
  assert.match(resultError("PollProofState", { State: 8, Desc: null }), /^result\.State: /);
  assert.equal(encodeResult(def("TerminateSector"), { Res: 0, Desc: null }).ok, false, "our manager cannot send Unknown");
  assert.match(paramsError("WaitSeed", [SID, 20]), /^params\[1\]: .*seal proof/);
  assert.match(paramsError("AllocateSector", [{ AllowedMiners: null, AllowedProofTypes: [8, 99] }]), /^params\[0\]\.AllowedProofTypes\[1\]: /);
  assert.match(paramsError("WdPoStAllocateJobs", [{ AllowedMiners: null, AllowedProofTypes: ["StackedDrgWindow32GiBV1_1"] }, 1, WORKER]), /^params\[0\]\.AllowedProofTypes\[0\]: /);
  assert.match(paramsError("ListSectors", ["Online", 0]), /^params\[0\]: /);
  assert.match(paramsError("ListSectors", ["online", 5]), /^params\[1\]: /);
  assert.match(paramsError("ReportState", [SID, { ...REPORT, Failure: { Level: "temp", Desc: "x" } }]), /^params\[1\]\.Failure\.Level: /);
  assert.match(paramsError("StoreReserveSpace", [SID, 2 ** 53, ["a"]]), /^params\[1\]: /, "too large to be exact");
  assert.match(paramsError("AssignTicket", [{ Miner: -1, Number: 42 }]), /^params\[0\]\.Miner: /);
  assert.match(paramsError("AchieveUnsealSector", [SID, "baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq", ""]), /^params\[1\]: /);
  assert.match(paramsError("AllocateSector", []), /wrong param count: got 0, expected 1/);
  assert.match(paramsError("SubmitPersistedEx", [SID, "persist-b"]), /wrong param count/);
});

test("enumerations and state names keep Damocles' values and spellings", () => {
  assert.deepEqual(SubmitResult, { Accepted: 1, DuplicateSubmit: 2, MismatchedSubmission: 3, Rejected: 4, FilesMissed: 5 });
  assert.deepEqual(OnChainState, { Pending: 1, Packed: 2, Landed: 3, NotFound: 4, Failed: 5, PermFailed: 6, ShouldAbort: 7 });
  assert.equal(SECTOR_STATE_NAMES.length, 26);
  const ordinals: [number, string][] = [
    [0, "Empty"],
    [8, "SyntheticPoRepNeeded"],
    [12, "PersistanceSubmitted"],
    [17, "Finished"],
    [18, "Aborted"],
    [21, "SealedChecked"],
    [25, "Unsealed"],
  ];
  for (const [i, name] of ordinals) assert.equal(SECTOR_STATE_NAMES[i], name);
  assert.deepEqual(WDPOST_STATE_NAMES, ["Empty", "Allocated", "Generated", "Finished", "Aborted"]);
});

// ---- the method table: wire name, param count, perm ----

/** [method, param count, perm, channel] for every method (protocols.md §1.6, §1.7, §1.9, §4i; manager.md §5.2). */
const TABLE: [string, number, Perm, boolean?][] = [
  ["AllocateSector", 1, "write"],
  ["AcquireDeals", 2, "write"],
  ["AssignTicket", 1, "write"],
  ["SubmitPreCommit", 3, "write"],
  ["PollPreCommitState", 1, "write"],
  ["SubmitPersisted", 2, "write"],
  ["SubmitPersistedEx", 3, "write"],
  ["WaitSeed", 2, "write"],
  ["SubmitProof", 3, "write"],
  ["PollProofState", 1, "write"],
  ["ReportState", 2, "write"],
  ["ReportFinalized", 1, "write"],
  ["ReportAborted", 2, "write"],
  ["AllocateSanpUpSector", 1, "write"], // sic
  ["SubmitSnapUpProof", 2, "write"],
  ["AllocateRebuildSector", 1, "write"],
  ["WorkerPing", 1, "write"],
  ["StoreReserveSpace", 3, "write"],
  ["StoreBasicInfo", 1, "write"],
  ["AllocateUnsealSector", 1, "write"],
  ["AchieveUnsealSector", 3, "write"],
  ["AcquireUnsealDest", 2, "write"],
  ["WdPoStAllocateJobs", 3, "write"],
  ["WdPoStHeartbeatJobs", 2, "write"],
  ["WdPoStFinishJob", 3, "write"],
  ["WdPoStResetJob", 1, "write"],
  ["WdPoStRemoveJob", 1, "admin"],
  ["WdPoStAllJobs", 0, "read"],
  ["WorkerSealingDefaults", 1, "write"],
  ["WdPoStHeartbeatJobsEx", 2, "write"],
  ["ListSectors", 2, "read"],
  ["FindSector", 2, "read"],
  ["FindSectorInAllStates", 1, "read"],
  ["FindSectorsWithDeal", 2, "read"],
  ["FindSectorWithPiece", 2, "read"],
  ["ImportSector", 3, "admin"],
  ["RestoreSector", 2, "admin"],
  ["CheckProvable", 5, "read"],
  ["SimulateWdPoSt", 6, "write"],
  ["SnapUpPreFetch", 2, "write"],
  ["SnapUpCandidates", 1, "read"],
  ["SnapUpCancelCommitment", 1, "admin"],
  ["ProvingSectorInfo", 1, "read"],
  ["WorkerGetPingInfo", 1, "read"],
  ["WorkerPingInfoList", 0, "read"],
  ["WorkerPingInfoRemove", 1, "admin"],
  ["SectorIndexerFind", 2, "read"],
  ["TerminateSector", 1, "admin"],
  ["PollTerminateSectorState", 1, "read"],
  ["RemoveSector", 1, "admin"],
  ["FinalizeSector", 1, "admin"],
  ["StoreReleaseReserved", 1, "admin"],
  ["StoreList", 0, "read"],
  ["SectorSetForRebuild", 2, "write"],
  ["UnsealPiece", 5, "write", true],
  ["Version", 0, "read"],
  ["GetTicket", 3, "read"],
  ["GetSeed", 3, "read"],
  ["GetWindowPoStChanlleengeRand", 3, "read"], // sic
  ["GetWindowPoStCommitRand", 2, "read"],
  ["GetInfo", 1, "read"],
  ["GetMinerConfig", 1, "read"],
];

test("the method table: every wire name, param count, perm and channel flag", () => {
  assert.equal(sealerApi.namespace, "Venus");
  assert.deepEqual(Object.keys(methods).sort(), TABLE.map(([n]) => n).sort(), "exactly these methods, nothing else");
  for (const [name, count, perm, channel = false] of TABLE) {
    const d = def(name);
    assert.equal(wireName(sealerApi, name), `Venus.${name}`);
    assert.equal(d.params.length, count, `${name} param count`);
    assert.equal(d.optionalTail, 0, `${name}: Go clients send every param`);
    assert.equal(d.perm, perm, `${name} perm`);
    assert.equal(d.channel, channel, `${name} channel`);
  }
  // misspellings are kept, and no corrected alias exists (§4h)
  for (const fixed of ["AllocateSnapUpSector", "GetWindowPoStChallengeRand", "AllocateSectorsBatch"]) assert.equal(methods[fixed], undefined, fixed);
});

test("the sealing-worker set is what a token-less trusted worker may call: all write", () => {
  const expected = [
    "AllocateSector", "AcquireDeals", "AssignTicket", "SubmitPreCommit", "PollPreCommitState", "SubmitPersisted",
    "SubmitPersistedEx", "WaitSeed", "SubmitProof", "PollProofState", "ReportState", "ReportFinalized", "ReportAborted",
    "AllocateSanpUpSector", "SubmitSnapUpProof", "AllocateRebuildSector", "WorkerPing", "StoreReserveSpace",
    "StoreBasicInfo", "AllocateUnsealSector", "AchieveUnsealSector", "AcquireUnsealDest", "WdPoStAllocateJobs",
    "WdPoStHeartbeatJobs", "WdPoStFinishJob", "WorkerSealingDefaults", "WdPoStHeartbeatJobsEx",
  ];
  assert.deepEqual([...SEALING_WORKER_METHODS].sort(), expected.sort());
  for (const name of SEALING_WORKER_METHODS) assert.equal(def(name).perm, "write", name);
  // every other write method is an operator's (CLI) method
  const otherWrite = Object.entries(methods).filter(([n, d]) => d.perm === "write" && !SEALING_WORKER_METHODS.has(n as never)).map(([n]) => n);
  assert.deepEqual(otherWrite.sort(), ["SectorSetForRebuild", "SimulateWdPoSt", "SnapUpPreFetch", "UnsealPiece", "WdPoStResetJob"]);
  assert.deepEqual([...WDPOST_JOB_METHODS].sort(), [
    "WdPoStAllJobs", "WdPoStAllocateJobs", "WdPoStFinishJob", "WdPoStHeartbeatJobs", "WdPoStHeartbeatJobsEx", "WdPoStRemoveJob", "WdPoStResetJob",
  ]);
});
