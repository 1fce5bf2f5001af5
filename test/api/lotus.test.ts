import { test } from "node:test";
import assert from "node:assert/strict";
import { CID } from "multiformats/cid";
import { z } from "zod";
import { decodeParams, decodeResult, encodeParams, encodeResult, type CallContext, type MethodDef, type ServerMethods } from "../../src/api/define.js";
import { FORK_UPGRADE_FIELDS, lotusApi, Message, UNDEF_ADDRESS } from "../../src/api/lotus.js";
import { BitField } from "../../src/filecoin/bitfield.js";
import { newDeadlineInfo } from "../../src/filecoin/deadlines.js";
import { PreCommitSectorBatchParams2 } from "../../src/filecoin/miner-params.js";
import { loadVector } from "../helpers/vectors.js";

const m = lotusApi.methods;
const seal = loadVector("seal-2k.json").cases.find((c: { name: string }) => c.name === "2k-v1_1-random");
const COMM_R: string = seal.comm_r;
const COMM_D: string = seal.comm_d;
const BLK1 = "bafy2bzacedo7hjsumaajt6sbor42qycvjyk6goqe4oi4o4ddsjxkdeqrqf42c";
const BLK2 = "bafy2bzaceba2kdmysmi5ieugzvv5np7f2lobayzpvtk777du74n7jq6xhynda";
const PARENT = "bafy2bzacecrye24tkqrvvddcf62gfi4z4o33z2tdedbpaalordozaxfrz2jyi";
const MSG = "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4";
const ROOT = "bafy2bzaceajxzsvzuq3ddzxfrs2jlaxsooqmgdy5uxbqujnjy3y56iumzzy7u";
const c = (s: string) => ({ "/": s });
const b64 = (n: number, fill: number) => Buffer.alloc(n, fill).toString("base64");

/** Decodes the JSON with the method's result schema and checks that encoding gives back the same JSON text. */
function resultRoundTrip(def: MethodDef, json: unknown): unknown {
  const value = z.decode(def.result, json as never);
  assert.equal(JSON.stringify(z.encode(def.result, value as never)), JSON.stringify(json));
  return value;
}

function block(cidMiner: string, height: number, win: boolean): Record<string, unknown> {
  return {
    Miner: cidMiner,
    Ticket: { VRFProof: b64(32, 0x11) },
    ElectionProof: win ? { WinCount: 1, VRFProof: b64(32, 0x22) } : null,
    BeaconEntries: [{ Round: height, Data: b64(32, 0x33) }],
    WinPoStProof: win ? [{ PoStProof: 0, ProofBytes: b64(40, 0x44) }] : [],
    Parents: [c(PARENT)],
    ParentWeight: "116013147118",
    Height: height,
    ParentStateRoot: c(ROOT),
    ParentMessageReceipts: c(ROOT),
    Messages: c(MSG),
    BLSAggregate: { Type: 2, Data: b64(96, 0x55) },
    Timestamp: 1764460800,
    BlockSig: { Type: 1, Data: b64(65, 0x66) },
    ForkSignaling: 0,
    ParentBaseFee: "100",
  };
}

const CHAIN_HEAD = { Cids: [c(BLK1), c(BLK2)], Blocks: [block("t01000", 120, true), block("t00", 120, false)], Height: 120 };

test("ChainHead: a two-block tipset decodes to CIDs, bytes and bigints and re-encodes to the same JSON", () => {
  const ts = resultRoundTrip(m.ChainHead, CHAIN_HEAD) as z.output<typeof m.ChainHead.result>;
  assert.deepEqual(
    ts.Cids.map((x) => x.toString()),
    [BLK1, BLK2],
  );
  assert.equal(ts.Height, 120);
  const [b0, b1] = ts.Blocks;
  assert.equal(b0!.Miner, "t01000");
  assert.equal(b0!.ElectionProof!.WinCount, 1);
  assert.equal(b1!.ElectionProof, null);
  assert.deepEqual(b0!.Ticket!.VRFProof, new Uint8Array(32).fill(0x11));
  assert.equal(b0!.ParentWeight, 116013147118n);
  assert.equal(b0!.ParentBaseFee, 100n);
  assert.equal(b0!.BeaconEntries[0]!.Round, 120);
  assert.equal(b0!.WinPoStProof[0]!.ProofBytes.length, 40);
  assert.ok(b0!.Parents[0]!.equals(CID.parse(PARENT)));
});

test("ChainHead: Go's null slices (genesis-like block) decode as empty arrays", () => {
  const genesis = { ...block("t00", 0, false), Ticket: null, BeaconEntries: null, WinPoStProof: null, Parents: null, BLSAggregate: null, BlockSig: null };
  const ts = z.decode(m.ChainHead.result, { Cids: [c(BLK1)], Blocks: [genesis], Height: 0 });
  assert.deepEqual(ts.Blocks[0]!.Parents, []);
  assert.deepEqual(ts.Blocks[0]!.BeaconEntries, []);
  assert.equal(ts.Blocks[0]!.Ticket, null);
  const encoded = z.encode(m.ChainHead.result, ts) as { Blocks: Array<{ Parents: unknown }> };
  assert.deepEqual(encoded.Blocks[0]!.Parents, []);
});

test("ChainNotify: a channel of HeadChange lists", () => {
  assert.equal(m.ChainNotify.channel, true);
  const v = resultRoundTrip(m.ChainNotify, [{ Type: "current", Val: CHAIN_HEAD }]) as Array<{ Type: string }>;
  assert.equal(v[0]!.Type, "current");
  const bad = decodeResult(m.ChainNotify, [{ Type: "applied", Val: CHAIN_HEAD }]);
  assert.equal(bad.ok, false);
  assert.match((bad as { message: string }).message, /^result\[0\]\.Type: /);
});

test("a bad shape deep inside a result is rejected with its path", () => {
  const broken = structuredClone(CHAIN_HEAD) as { Blocks: Array<Record<string, unknown>> };
  broken.Blocks[1]!.Ticket = { VRFProof: 12 };
  const r = decodeResult(m.ChainHead, broken);
  assert.equal(r.ok, false);
  assert.match((r as { message: string }).message, /^result\.Blocks\[1\]\.Ticket\.VRFProof: /);
  const r2 = decodeResult(m.ChainHead, { ...CHAIN_HEAD, Blocks: [{ ...block("t01000", 1, true), ParentBaseFee: 100 }] });
  assert.match((r2 as { message: string }).message, /^result\.Blocks\[0\]\.ParentBaseFee: /);
  const r3 = decodeResult(m.ChainHead, { ...CHAIN_HEAD, Blocks: [{ ...block("t01000", 1, true), Miner: "x01000" }] });
  assert.match((r3 as { message: string }).message, /^result\.Blocks\[0\]\.Miner: /);
});

const MINER_INFO = {
  Owner: "t0100",
  Worker: "t0101",
  NewWorker: "<empty>",
  ControlAddresses: ["t0102"],
  WorkerChangeEpoch: -1,
  PeerId: "12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf",
  Multiaddrs: ["BH8AAAEGBNI="],
  WindowPoStProofType: 5,
  SectorSize: 2048,
  WindowPoStPartitionSectors: 2,
  ConsensusFaultElapsed: -1,
  PendingOwnerAddress: null,
  Beneficiary: "t0100",
  BeneficiaryTerm: { Quota: "0", UsedQuota: "0", Expiration: 0 },
  PendingBeneficiaryTerm: null,
};

test("StateMinerInfo: Lotus's shape, including go-address's \"<empty>\" for no pending worker", () => {
  const info = resultRoundTrip(m.StateMinerInfo, MINER_INFO) as z.output<typeof m.StateMinerInfo.result>;
  assert.equal(info.NewWorker, UNDEF_ADDRESS);
  assert.equal(info.SectorSize, 2048);
  assert.equal(info.WindowPoStProofType, 5);
  assert.deepEqual(info.ControlAddresses, ["t0102"]);
  assert.equal(info.BeneficiaryTerm!.Quota, 0n);
  // Lotus's documented example, f addresses and every pointer set
  resultRoundTrip(m.StateMinerInfo, {
    ...MINER_INFO,
    Owner: "f01234",
    NewWorker: "f01234",
    PendingOwnerAddress: "f01234",
    SectorSize: 34359738368,
    PendingBeneficiaryTerm: { NewBeneficiary: "f01234", NewQuota: "0", NewExpiration: 10101, ApprovedByBeneficiary: true, ApprovedByNominee: true },
  });
  const bad = decodeResult(m.StateMinerInfo, { ...MINER_INFO, Worker: "<empty>" });
  assert.match((bad as { message: string }).message, /^result\.Worker: /);
});

test("StateWaitMsg: MsgLookup with receipt, passthrough ReturnDec and the tipset key", () => {
  const json = {
    Message: c(MSG),
    Receipt: { ExitCode: 0, Return: "ggAA", GasUsed: 12345678, EventsRoot: null },
    ReturnDec: { SuccessCount: 1, FailCodes: [] },
    TipSet: [c(BLK1), c(BLK2)],
    Height: 121,
  };
  const v = resultRoundTrip(m.StateWaitMsg, json) as z.output<typeof m.StateWaitMsg.result>;
  assert.equal(v.Receipt.ExitCode, 0);
  assert.deepEqual(v.Receipt.Return, Uint8Array.from([0x82, 0, 0]));
  assert.equal(v.Receipt.EventsRoot, null);
  assert.deepEqual(v.ReturnDec, { SuccessCount: 1, FailCodes: [] });
  assert.equal(v.TipSet.length, 2);
  // cbor-gen leaves an empty return nil, which Go writes as null
  const noReturn = z.decode(m.StateWaitMsg.result, { ...json, Receipt: { ...json.Receipt, Return: null }, ReturnDec: null });
  assert.equal(noReturn.Receipt.Return.length, 0);
  // StateSearchMsg answers null when the message is unknown
  assert.equal(z.decode(m.StateSearchMsg.result, null), null);
});

const SECTOR = {
  SectorNumber: 7,
  SealProof: 5,
  SealedCID: c(COMM_R),
  Activation: 1250,
  Expiration: 1556000,
  DealWeight: "0",
  VerifiedDealWeight: "1114095360000",
  InitialPledge: "22528",
  ExpectedDayReward: "0",
  ExpectedStoragePledge: "0",
  PowerBaseEpoch: 1250,
  ReplacedDayReward: "0",
  SectorKeyCID: null,
  Flags: 1,
  DailyFee: "0",
};

test("StateSectorGetInfo / StateMinerSectors: SectorOnChainInfo with Lotus's fields", () => {
  const s = resultRoundTrip(m.StateSectorGetInfo, SECTOR) as z.output<typeof m.StateSectorGetInfo.result>;
  assert.ok(s!.SealedCID.equals(CID.parse(COMM_R)));
  assert.equal(s!.VerifiedDealWeight, 1114095360000n);
  assert.equal(s!.SectorKeyCID, null);
  assert.equal(z.decode(m.StateSectorGetInfo.result, null), null);
  resultRoundTrip(m.StateMinerSectors, [SECTOR, { ...SECTOR, SectorNumber: 8, ExpectedDayReward: null, SectorKeyCID: c(COMM_D) }]);
  const bad = decodeResult(m.StateMinerActiveSectors, [SECTOR, { ...SECTOR, InitialPledge: "1e3" }]);
  assert.match((bad as { message: string }).message, /^result\[1\]\.InitialPledge: /);
});

test("StateSectorPreCommitInfo: the decoded Info is the CBOR param of PreCommitSectorBatch2 as is", () => {
  const json = {
    Info: { SealProof: 5, SectorNumber: 7, SealedCID: c(COMM_R), SealRandEpoch: 100, DealIDs: [], Expiration: 1556000, UnsealedCid: c(COMM_D) },
    PreCommitDeposit: "2252",
    PreCommitEpoch: 110,
  };
  const v = resultRoundTrip(m.StateSectorPreCommitInfo, json) as z.output<typeof m.StateSectorPreCommitInfo.result>;
  assert.equal(v!.PreCommitDeposit, 2252n);
  const cbor = PreCommitSectorBatchParams2.encode({ Sectors: [v!.Info] });
  assert.deepEqual(PreCommitSectorBatchParams2.decode(cbor).Sectors[0], v!.Info);
  // DealIDs nil → null from Go
  const nilDeals = z.decode(m.StateSectorPreCommitInfo.result, { ...json, Info: { ...json.Info, DealIDs: null, UnsealedCid: null } });
  assert.deepEqual(nilDeals!.Info.DealIDs, []);
  assert.equal(nilDeals!.Info.UnsealedCid, null);
});

test("StateMinerProvingDeadline: dline.Info is what newDeadlineInfo computes", () => {
  const policy = { WPoStPeriodDeadlines: 48, WPoStProvingPeriod: 2880, WPoStChallengeWindow: 60, WPoStChallengeLookback: 20, FaultDeclarationCutoff: 70 };
  const info = newDeadlineInfo(2000, 3, 2200, policy);
  const json = z.encode(m.StateMinerProvingDeadline.result, info);
  assert.deepEqual(json, {
    CurrentEpoch: 2200,
    PeriodStart: 2000,
    Index: 3,
    Open: 2180,
    Close: 2240,
    Challenge: 2160,
    FaultCutoff: 2110,
    WPoStPeriodDeadlines: 48,
    WPoStProvingPeriod: 2880,
    WPoStChallengeWindow: 60,
    WPoStChallengeLookback: 20,
    FaultDeclarationCutoff: 70,
  });
  resultRoundTrip(m.StateMinerProvingDeadline, json);
});

test("StateMinerDeadlines / StateMinerPartitions / StateMinerFaults: bitfields as run arrays", () => {
  const dls = resultRoundTrip(m.StateMinerDeadlines, [
    { PostSubmissions: [0, 1], DisputableProofCount: 0, DailyFee: "0" },
    { PostSubmissions: [0], DisputableProofCount: 1, DailyFee: "15" },
  ]) as Array<{ PostSubmissions: BitField; DailyFee: bigint }>;
  assert.deepEqual(dls[0]!.PostSubmissions.toArray(), [0]);
  assert.ok(dls[1]!.PostSubmissions.isEmpty());
  assert.equal(dls[1]!.DailyFee, 15n);
  const parts = resultRoundTrip(m.StateMinerPartitions, [
    { AllSectors: [1, 3], FaultySectors: [5, 1], RecoveringSectors: [0], LiveSectors: [1, 3], ActiveSectors: [1, 2] },
  ]) as Array<Record<string, BitField>>;
  assert.deepEqual(parts[0]!.AllSectors!.toArray(), [1, 2, 3]);
  assert.deepEqual(parts[0]!.FaultySectors!.toArray(), [5]);
  assert.deepEqual(parts[0]!.ActiveSectors!.toArray(), [1, 2]);
  assert.deepEqual((resultRoundTrip(m.StateMinerFaults, [5, 1]) as BitField).toArray(), [5]);
  assert.deepEqual((resultRoundTrip(m.StateMinerAllocated, [0, 4]) as BitField).toArray(), [0, 1, 2, 3]);
});

test("StateGetNetworkParams: every ForkUpgradeParams field of Lotus, in order", () => {
  const fork = Object.fromEntries(FORK_UPGRADE_FIELDS.map((k, i) => [k, -(i + 1)]));
  const json = {
    NetworkName: "damocles-devnet",
    BlockDelaySecs: 1,
    ConsensusMinerMinPower: "2048",
    PreCommitChallengeDelay: 10,
    ForkUpgradeParams: fork,
    Eip155ChainID: 31415926,
    GenesisTimestamp: 1764460800,
  };
  const v = resultRoundTrip(m.StateGetNetworkParams, json) as z.output<typeof m.StateGetNetworkParams.result>;
  assert.equal(v.ConsensusMinerMinPower, 2048n);
  assert.equal(FORK_UPGRADE_FIELDS.length, 34);
  assert.equal(FORK_UPGRADE_FIELDS[0], "UpgradeSmokeHeight");
  assert.equal(FORK_UPGRADE_FIELDS[8], "BreezeGasTampingDuration");
  assert.equal(FORK_UPGRADE_FIELDS.at(-1), "UpgradeXxHeight");
  assert.equal(v.ForkUpgradeParams.UpgradeTockHeight, -(FORK_UPGRADE_FIELDS.indexOf("UpgradeTockHeight") + 1));
});

test("MinerGetBaseInfo, StateMinerPower, StateGetActor, Version", () => {
  const base = resultRoundTrip(m.MinerGetBaseInfo, {
    MinerPower: "4096",
    NetworkPower: "8192",
    Sectors: [{ SealProof: 5, SectorNumber: 7, SectorKey: null, SealedCID: c(COMM_R) }],
    WorkerKey: "t3vvmn62lofvhjd2ugzca6sof2j2ubwok6cj4xxbfzz4yuxfkgobpihhd2thlanmsh3w2ptld2gqkn2jvlss4a",
    SectorSize: 2048,
    PrevBeaconEntry: { Round: 119, Data: b64(32, 1) },
    BeaconEntries: [{ Round: 120, Data: b64(32, 2) }],
    EligibleForMining: true,
  }) as z.output<typeof m.MinerGetBaseInfo.result>;
  assert.equal(base!.Sectors[0]!.SectorKey, null);
  assert.equal(base!.NetworkPower, 8192n);
  assert.equal(z.decode(m.MinerGetBaseInfo.result, null), null);
  const power = resultRoundTrip(m.StateMinerPower, {
    MinerPower: { RawBytePower: "2048", QualityAdjPower: "20480" },
    TotalPower: { RawBytePower: "4096", QualityAdjPower: "22528" },
    HasMinPower: true,
  }) as z.output<typeof m.StateMinerPower.result>;
  assert.equal(power.MinerPower.QualityAdjPower, 20480n);
  const actor = resultRoundTrip(m.StateGetActor, { Code: c(ROOT), Head: c(ROOT), Nonce: 42, Balance: "1000000000000000000", DelegatedAddress: null });
  assert.equal((actor as { Balance: bigint }).Balance, 10n ** 18n);
  resultRoundTrip(m.Version, { Version: "1.34.0+damocles-devnet", APIVersion: 131840, BlockDelay: 1, Agent: "damocles-devnet" });
  assert.deepEqual(z.decode(m.Version.result, { Version: "1.4.0", APIVersion: 131584 }), { Version: "1.4.0", APIVersion: 131584 }); // venus
});

test("StateMarketStorageDeal, StateGetAllocation, StateGetAllocationIdForPendingDeal", () => {
  const deal = resultRoundTrip(m.StateMarketStorageDeal, {
    Proposal: {
      PieceCID: c("baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq"),
      PieceSize: 2048,
      VerifiedDeal: true,
      Client: "t0103",
      Provider: "t01000",
      Label: "",
      StartEpoch: 3000,
      EndEpoch: 1443000,
      StoragePricePerEpoch: "0",
      ProviderCollateral: "0",
      ClientCollateral: "0",
    },
    State: { SectorNumber: 0, SectorStartEpoch: -1, LastUpdatedEpoch: -1, SlashEpoch: -1 },
  }) as z.output<typeof m.StateMarketStorageDeal.result>;
  assert.equal(deal.State.SectorStartEpoch, -1);
  assert.equal(deal.Proposal.PieceSize, 2048);
  const alloc = resultRoundTrip(m.StateGetAllocation, {
    Client: 103,
    Provider: 1000,
    Data: c("baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq"),
    Size: 2048,
    TermMin: 1440000,
    TermMax: 1699200,
    Expiration: 3000,
  }) as z.output<typeof m.StateGetAllocation.result>;
  assert.equal(alloc!.Provider, 1000);
  assert.equal(z.decode(m.StateGetAllocation.result, null), null);
  assert.equal(resultRoundTrip(m.StateGetAllocationIdForPendingDeal, 0), 0);
});

const UNSIGNED = {
  Version: 0,
  To: "t01000",
  From: "t0101",
  Nonce: 3,
  Value: "2252",
  GasLimit: 1250000,
  GasFeeCap: "100000",
  GasPremium: "1000",
  Method: 28,
  Params: "gYE=",
};

test("MpoolPushMessage: params decode (spec optional), SignedMessage result carries both CIDs", () => {
  const p = decodeParams(m.MpoolPushMessage, [UNSIGNED, { MaxFee: "0", MsgUuid: "07070707-0707-0707-0707-070707070707", MaximizeFeeCap: true }]);
  assert.ok(p.ok);
  const [msg, spec] = p.value as [Message, { MaxFee: bigint } | null];
  assert.equal(msg.Value, 2252n);
  assert.equal(msg.CID, undefined);
  assert.deepEqual(msg.Params, Uint8Array.from([0x81, 0x81]));
  assert.equal(spec!.MaxFee, 0n);
  const omitted = decodeParams(m.MpoolPushMessage, [UNSIGNED]);
  assert.ok(omitted.ok);
  assert.equal(omitted.value[1], null);
  resultRoundTrip(m.MpoolPushMessage, {
    Message: { ...UNSIGNED, CID: c(MSG) },
    Signature: { Type: 1, Data: b64(65, 7) },
    CID: c(BLK1),
  });
  // Lotus writes nil Params (a plain transfer) as null
  const transfer = z.decode(Message, { ...UNSIGNED, Method: 0, Params: null });
  assert.equal(transfer.Params.length, 0);
  const bad = decodeParams(m.MpoolPushMessage, [{ ...UNSIGNED, GasLimit: "1250000" }, null]);
  assert.equal(bad.ok, false);
  assert.match((bad as { message: string }).message, /^params\[0\]\.GasLimit: /);
});

test("trailing tipset keys: null, [] or left out all mean the head; other params are never optional", () => {
  const withKey = decodeParams(m.StateMinerInfo, ["t01000", [c(BLK1), c(BLK2)]]);
  assert.ok(withKey.ok);
  assert.equal((withKey.value[1] as CID[]).length, 2);
  for (const call of [["t01000", null], ["t01000", []], ["t01000"]]) {
    const r = decodeParams(m.StateMinerInfo, call);
    assert.ok(r.ok, JSON.stringify(call));
    assert.deepEqual(r.value, ["t01000", []]);
  }
  const noAddr = decodeParams(m.StateMinerInfo, []);
  assert.equal(noAddr.ok, false);
  assert.match((noAddr as { message: string }).message, /wrong param count: got 0, expected 1 to 2/);
  const badKey = decodeParams(m.StateGetRandomnessFromTickets, [5, 100, null, [{ "/": 5 }]]);
  assert.match((badKey as { message: string }).message, /^params\[3\]\[0\]: /);
  const neg = decodeParams(m.StateSectorGetInfo, ["t01000", -1, null]);
  assert.match((neg as { message: string }).message, /^params\[1\]: /);
  // the client leaves an undefined key out and sends a given one
  assert.deepEqual(encodeParams(m.ChainGetTipSetByHeight, [10, undefined]), { ok: true, value: [10] });
  assert.deepEqual(encodeParams(m.ChainGetTipSetByHeight, [10, [CID.parse(BLK1)]]), { ok: true, value: [10, [c(BLK1)]] });
});

test("StateMinerSectors: a null filter (every sector) stays distinct from an empty bitfield", () => {
  const all = decodeParams(m.StateMinerSectors, ["t01000", null, null]);
  assert.ok(all.ok);
  assert.equal(all.value[1], null);
  const some = decodeParams(m.StateMinerSectors, ["t01000", [7, 2], null]);
  assert.ok(some.ok);
  assert.deepEqual((some.value[1] as BitField).toArray(), [7, 8]);
});

test("StateGetRandomnessFromTickets / StateWaitMsg / StateListMessages params", () => {
  const r = decodeParams(m.StateGetRandomnessFromTickets, [5, 100, "QgPo", [c(BLK1)]]);
  assert.ok(r.ok);
  assert.deepEqual(r.value[2], Uint8Array.from([0x42, 0x03, 0xe8]));
  const nullEntropy = decodeParams(m.StateGetRandomnessFromBeacon, [6, 100, null]);
  assert.ok(nullEntropy.ok);
  assert.equal((nullEntropy.value[2] as Uint8Array).length, 0);
  const w = decodeParams(m.StateWaitMsg, [c(MSG), 6, -1, true]);
  assert.ok(w.ok);
  assert.equal(decodeParams(m.StateWaitMsg, [c(MSG), 6]).ok, false);
  const l = decodeParams(m.StateListMessages, [{ To: "t01000" }, null, 0]);
  assert.ok(l.ok);
  assert.deepEqual(l.value[0], { To: "t01000" });
  const lb = decodeParams(m.StateListMessages, [{ To: "t01000", From: "<empty>" }, null, 0]);
  assert.ok(lb.ok);
});

/** Every method with its Lotus `perm:` tag (api_full.go / api_common.go) and whether it is a channel. */
const PERMS: Record<string, [perm: string, channel?: "channel"]> = {
  Version: ["read"],
  ChainHead: ["read"],
  ChainNotify: ["read", "channel"],
  ChainGetTipSet: ["read"],
  ChainGetTipSetByHeight: ["read"],
  ChainGetTipSetAfterHeight: ["read"],
  ChainGetMessage: ["read"],
  StateNetworkName: ["read"],
  StateNetworkVersion: ["read"],
  StateGetNetworkParams: ["read"],
  StateGetRandomnessFromTickets: ["read"],
  StateGetRandomnessFromBeacon: ["read"],
  StateGetRandomnessDigestFromTickets: ["read"],
  StateGetRandomnessDigestFromBeacon: ["read"],
  StateGetBeaconEntry: ["read"],
  MinerGetBaseInfo: ["read"],
  StateMinerInfo: ["read"],
  StateMinerPower: ["read"],
  StateMinerSectorAllocated: ["read"],
  StateMinerAllocated: ["read"],
  StateSectorPreCommitInfo: ["read"],
  StateSectorGetInfo: ["read"],
  StateSectorPartition: ["read"],
  StateMinerProvingDeadline: ["read"],
  StateMinerDeadlines: ["read"],
  StateMinerPartitions: ["read"],
  StateMinerSectors: ["read"],
  StateMinerActiveSectors: ["read"],
  StateMinerFaults: ["read"],
  StateMinerRecoveries: ["read"],
  StateMinerPreCommitDepositForPower: ["read"],
  StateMinerInitialPledgeForSector: ["read"],
  StateMinerAvailableBalance: ["read"],
  StateLookupID: ["read"],
  StateAccountKey: ["read"],
  StateGetActor: ["read"],
  WalletBalance: ["read"],
  WalletList: ["write"],
  StateMarketStorageDeal: ["read"],
  StateGetAllocationIdForPendingDeal: ["read"],
  StateGetAllocation: ["read"],
  MpoolPushMessage: ["sign"],
  GasEstimateMessageGas: ["read"],
  MpoolGetNonce: ["read"],
  WalletSign: ["sign"],
  MpoolPush: ["write"],
  StateWaitMsg: ["read"],
  StateSearchMsg: ["read"],
  StateListMessages: ["read"],
};

/** Param counts as Lotus declares them (ctx excluded). */
const ARITY: Record<string, number> = {
  ChainGetTipSetByHeight: 2,
  StateGetRandomnessFromTickets: 4,
  StateGetRandomnessDigestFromBeacon: 2,
  MinerGetBaseInfo: 3,
  StateMinerSectors: 3,
  StateMinerPreCommitDepositForPower: 3,
  StateMinerInitialPledgeForSector: 4,
  StateGetAllocation: 3,
  MpoolPushMessage: 2,
  GasEstimateMessageGas: 3,
  WalletSign: 2,
  StateWaitMsg: 4,
  StateSearchMsg: 4,
  StateListMessages: 3,
};

test("every method of filecoin.md §19 and devnet.md §4 is in the table with Lotus's perm", () => {
  assert.equal(lotusApi.namespace, "Filecoin");
  assert.deepEqual(Object.keys(m).sort(), Object.keys(PERMS).sort());
  for (const [name, [perm, channel]] of Object.entries(PERMS)) {
    const def = (m as Record<string, MethodDef>)[name]!;
    assert.equal(def.perm, perm, name);
    assert.equal(def.channel, channel === "channel", `${name} channel`);
  }
  for (const [name, n] of Object.entries(ARITY)) assert.equal((m as Record<string, MethodDef>)[name]!.params.length, n, name);
});

test("the table types a server: decoded params in, an encodable result out", async () => {
  const server: Pick<ServerMethods<typeof lotusApi>, "StateMinerInfo" | "StateMinerFaults"> = {
    StateMinerInfo: (maddr, tsk) => ({ ...z.decode(m.StateMinerInfo.result, MINER_INFO), Owner: maddr, WorkerChangeEpoch: tsk.length }),
    StateMinerFaults: () => BitField.fromSet([3, 4]),
  };
  const ctx = { perms: ["read"], signal: new AbortController().signal, transport: "http" } as CallContext;
  const p = decodeParams(m.StateMinerInfo, ["t01000", [c(BLK1)]]);
  assert.ok(p.ok);
  const [maddr, tsk] = p.value as [string, CID[]];
  const out = encodeResult(m.StateMinerInfo, await server.StateMinerInfo(maddr, tsk, ctx));
  assert.deepEqual(out, { ok: true, value: { ...MINER_INFO, Owner: "t01000", WorkerChangeEpoch: 1 } });
  assert.deepEqual(encodeResult(m.StateMinerFaults, await server.StateMinerFaults("t01000", [], ctx)), { ok: true, value: [3, 2] });
});
