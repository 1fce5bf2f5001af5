// Lotus full-node JSON types (spec/filecoin.md §19, devnet.md §4): field names exactly as Lotus marshals them
// (`lotus chain/types/`, `api/api_full.go`, `api/types.go`, `go-state-types builtin/v18|v19/miner`, `dline/`).
// Each schema is a zod codec from the JSON form to the TypeScript value: big integers become bigint, bytes
// Uint8Array, CIDs CID, bitfields BitField; addresses stay strings; epochs and sizes stay numbers.

import { z } from "zod";
import type { DeadlineInfo as FilecoinDeadlineInfo } from "../filecoin/deadlines.js";
import type { SectorPreCommitInfo as CborSectorPreCommitInfo } from "../filecoin/miner-params.js";
import {
  AddressString,
  Base64Bytes,
  BigIntString,
  BitFieldJson,
  CidJson,
  Epoch,
  NullableCidJson,
  SafeInt,
  TipSetKeyJson,
  Uint,
} from "./codecs.js";

// ---- Go JSON shapes the generic codecs leave out ----
// Go marshals a nil slice as `null`, so every Lotus array may arrive as null (Parents of genesis, DealIDs: [],
// Return of a method without return value). These decode null as empty and always encode an array / a string,
// which Go reads back the same way.

/** A Go slice: `[…]` or `null` ↔ array (always encoded as an array). */
export const goSlice = <T extends z.ZodType>(item: T) =>
  z.codec(z.array(z.unknown(), { error: "expected an array or null" }).nullable(), z.array(item), {
    decode: (v) => (v ?? []) as z.input<T>[],
    encode: (v) => v as unknown[],
  });

/** A Go `[]byte`: base64 or `null` ↔ Uint8Array (null decodes as empty; encoded as base64, "" when empty). */
export const GoBytes = z.codec(z.string({ error: "expected base64 string or null" }).nullable(), Base64Bytes, {
  decode: (s) => s ?? "",
  encode: (s) => s,
});

/** Result of a Go method returning only `error`: `null` (or no result at all) ↔ null. */
export const NoResult = z.codec(z.union([z.null(), z.undefined()], { error: "expected null" }), z.null(), {
  decode: () => null,
  encode: () => null,
});

/** go-address writes the undefined address as "<empty>" (StateMinerInfo.NewWorker with no pending change). */
export const UNDEF_ADDRESS = "<empty>";
export const MaybeAddress = z.union([z.literal(UNDEF_ADDRESS), AddressString], { error: 'expected an address string or "<empty>"' });

/** A go-jsonrpc / google uuid text form (8-4-4-4-12 hex digits, any version). */
export const UuidString = z.guid({ error: "expected a UUID string" });

// ---- signatures, tickets, beacon, proofs ----

/** go-state-types crypto.SigType. */
export const SigType = { Secp256k1: 1, BLS: 2, Delegated: 3 } as const;

export const Signature = z.object({ Type: Uint, Data: Base64Bytes });
export type Signature = z.output<typeof Signature>;

export const Ticket = z.object({ VRFProof: Base64Bytes });
export type Ticket = z.output<typeof Ticket>;

export const ElectionProof = z.object({ WinCount: SafeInt, VRFProof: Base64Bytes });
export type ElectionProof = z.output<typeof ElectionProof>;

export const BeaconEntry = z.object({ Round: Uint, Data: Base64Bytes });
export type BeaconEntry = z.output<typeof BeaconEntry>;

/** `proof.PoStProof`: a registered PoSt proof id and its bytes. */
export const PoStProof = z.object({ PoStProof: Uint, ProofBytes: Base64Bytes });
export type PoStProof = z.output<typeof PoStProof>;

// ---- blocks and tipsets ----

export const BlockHeader = z.object({
  Miner: AddressString,
  Ticket: Ticket.nullable(),
  ElectionProof: ElectionProof.nullable(),
  BeaconEntries: goSlice(BeaconEntry),
  WinPoStProof: goSlice(PoStProof),
  Parents: goSlice(CidJson),
  ParentWeight: BigIntString,
  Height: Epoch,
  ParentStateRoot: CidJson,
  ParentMessageReceipts: CidJson,
  Messages: CidJson,
  BLSAggregate: Signature.nullable(),
  Timestamp: Uint,
  BlockSig: Signature.nullable(),
  ForkSignaling: Uint,
  ParentBaseFee: BigIntString,
});
export type BlockHeader = z.output<typeof BlockHeader>;

export const TipSet = z.object({ Cids: goSlice(CidJson), Blocks: goSlice(BlockHeader), Height: Epoch });
export type TipSet = z.output<typeof TipSet>;

export const HEAD_CHANGE_TYPES = ["current", "apply", "revert"] as const;
/** One ChainNotify entry; the first value on the channel is a single `current`. */
export const HeadChange = z.object({ Type: z.enum(HEAD_CHANGE_TYPES), Val: TipSet });
export type HeadChange = z.output<typeof HeadChange>;

// ---- messages ----

/** `types.Message`. Lotus adds the message's `CID` when it writes one and ignores it when it reads one. */
export const Message = z.object({
  Version: Uint,
  To: AddressString,
  From: AddressString,
  Nonce: Uint,
  Value: BigIntString,
  GasLimit: SafeInt,
  GasFeeCap: BigIntString,
  GasPremium: BigIntString,
  Method: Uint,
  Params: GoBytes,
  CID: CidJson.optional(),
});
export type Message = z.output<typeof Message>;

export const SignedMessage = z.object({ Message, Signature, CID: CidJson.optional() });
export type SignedMessage = z.output<typeof SignedMessage>;

export const MessageReceipt = z.object({ ExitCode: SafeInt, Return: GoBytes, GasUsed: SafeInt, EventsRoot: NullableCidJson });
export type MessageReceipt = z.output<typeof MessageReceipt>;

/** StateWaitMsg / StateSearchMsg. `Message` may differ from the CID asked for when the message was replaced. */
export const MsgLookup = z.object({
  Message: CidJson,
  Receipt: MessageReceipt,
  /** Lotus's decoded return value, any JSON (null when it has none); passed through untouched. */
  ReturnDec: z.unknown(),
  TipSet: TipSetKeyJson,
  Height: Epoch,
});
export type MsgLookup = z.output<typeof MsgLookup>;

/** `api.MessageSendSpec`. Go fills missing fields with zero values, so only MaxFee is required here. */
export const MessageSendSpec = z.object({
  MaxFee: BigIntString,
  MsgUuid: UuidString.optional(),
  MaximizeFeeCap: z.boolean().optional(),
});
export type MessageSendSpec = z.output<typeof MessageSendSpec>;

/** StateListMessages filter: at least one of To / From is set; a missing one is Go's undefined address. */
export const MessageMatch = z.object({ To: MaybeAddress.optional(), From: MaybeAddress.optional() });
export type MessageMatch = z.output<typeof MessageMatch>;

// ---- network ----

/**
 * `api.ForkUpgradeParams`, in Lotus's field order. A node gains one field per network upgrade, so a node
 * older than the newest upgrade lacks the last few: every field is optional when read; the devnet writes all.
 */
export const ForkUpgradeParams = z.object({
  UpgradeSmokeHeight: Epoch.optional(),
  UpgradeBreezeHeight: Epoch.optional(),
  UpgradeIgnitionHeight: Epoch.optional(),
  UpgradeLiftoffHeight: Epoch.optional(),
  UpgradeAssemblyHeight: Epoch.optional(),
  UpgradeRefuelHeight: Epoch.optional(),
  UpgradeTapeHeight: Epoch.optional(),
  UpgradeKumquatHeight: Epoch.optional(),
  BreezeGasTampingDuration: Epoch.optional(),
  UpgradeCalicoHeight: Epoch.optional(),
  UpgradePersianHeight: Epoch.optional(),
  UpgradeOrangeHeight: Epoch.optional(),
  UpgradeClausHeight: Epoch.optional(),
  UpgradeTrustHeight: Epoch.optional(),
  UpgradeNorwegianHeight: Epoch.optional(),
  UpgradeTurboHeight: Epoch.optional(),
  UpgradeHyperdriveHeight: Epoch.optional(),
  UpgradeChocolateHeight: Epoch.optional(),
  UpgradeOhSnapHeight: Epoch.optional(),
  UpgradeSkyrHeight: Epoch.optional(),
  UpgradeSharkHeight: Epoch.optional(),
  UpgradeHyggeHeight: Epoch.optional(),
  UpgradeLightningHeight: Epoch.optional(),
  UpgradeThunderHeight: Epoch.optional(),
  UpgradeWatermelonHeight: Epoch.optional(),
  UpgradeDragonHeight: Epoch.optional(),
  UpgradePhoenixHeight: Epoch.optional(),
  UpgradeWaffleHeight: Epoch.optional(),
  UpgradeTuktukHeight: Epoch.optional(),
  UpgradeTeepHeight: Epoch.optional(),
  UpgradeTockHeight: Epoch.optional(),
  UpgradeGoldenWeekHeight: Epoch.optional(),
  UpgradeFireHorseHeight: Epoch.optional(),
  UpgradeXxHeight: Epoch.optional(),
});
export type ForkUpgradeParams = z.output<typeof ForkUpgradeParams>;
/** Every field of ForkUpgradeParams, in Lotus's order (the devnet sets each to a negative height). */
export const FORK_UPGRADE_FIELDS = Object.keys(ForkUpgradeParams.shape) as readonly (keyof ForkUpgradeParams)[];

export const NetworkParams = z.object({
  NetworkName: z.string(),
  BlockDelaySecs: Uint,
  ConsensusMinerMinPower: BigIntString,
  PreCommitChallengeDelay: Epoch,
  ForkUpgradeParams,
  Eip155ChainID: SafeInt,
  GenesisTimestamp: Uint,
});
export type NetworkParams = z.output<typeof NetworkParams>;

/** `Version`. Venus nodes send only Version and APIVersion. */
export const APIVersion = z.object({
  Version: z.string(),
  APIVersion: Uint,
  BlockDelay: Uint.optional(),
  Agent: z.string().optional(),
});
export type APIVersion = z.output<typeof APIVersion>;

// ---- miner ----

export const BeneficiaryTerm = z.object({ Quota: BigIntString, UsedQuota: BigIntString, Expiration: Epoch });
export type BeneficiaryTerm = z.output<typeof BeneficiaryTerm>;

export const PendingBeneficiaryChange = z.object({
  NewBeneficiary: AddressString,
  NewQuota: BigIntString,
  NewExpiration: Epoch,
  ApprovedByBeneficiary: z.boolean(),
  ApprovedByNominee: z.boolean(),
});
export type PendingBeneficiaryChange = z.output<typeof PendingBeneficiaryChange>;

/** `api.MinerInfo` (StateMinerInfo). */
export const MinerInfo = z.object({
  Owner: AddressString,
  Worker: AddressString,
  /** "<empty>" unless a worker change is pending. */
  NewWorker: MaybeAddress,
  ControlAddresses: goSlice(AddressString),
  WorkerChangeEpoch: Epoch,
  /** libp2p peer id text, null when unset. */
  PeerId: z.string().nullable(),
  Multiaddrs: goSlice(Base64Bytes),
  WindowPoStProofType: Uint,
  SectorSize: Uint,
  WindowPoStPartitionSectors: Uint,
  ConsensusFaultElapsed: Epoch,
  PendingOwnerAddress: AddressString.nullable(),
  Beneficiary: AddressString,
  BeneficiaryTerm: BeneficiaryTerm.nullable(),
  PendingBeneficiaryTerm: PendingBeneficiaryChange.nullable(),
});
export type MinerInfo = z.output<typeof MinerInfo>;

/** `miner.SectorPreCommitInfo`; the decoded value is exactly the CBOR param type of src/filecoin/miner-params.ts. */
export const SectorPreCommitInfo = z.object({
  SealProof: Uint,
  SectorNumber: Uint,
  SealedCID: CidJson,
  SealRandEpoch: Epoch,
  DealIDs: goSlice(Uint),
  Expiration: Epoch,
  UnsealedCid: NullableCidJson,
});
export type SectorPreCommitInfo = z.output<typeof SectorPreCommitInfo>;

export const SectorPreCommitOnChainInfo = z.object({ Info: SectorPreCommitInfo, PreCommitDeposit: BigIntString, PreCommitEpoch: Epoch });
export type SectorPreCommitOnChainInfo = z.output<typeof SectorPreCommitOnChainInfo>;

/** `miner.SectorOnChainInfo` (v19; DeprecatedDealIDs is never in JSON). Pointer fields are null when unset. */
export const SectorOnChainInfo = z.object({
  SectorNumber: Uint,
  SealProof: Uint,
  SealedCID: CidJson,
  Activation: Epoch,
  Expiration: Epoch,
  DealWeight: BigIntString,
  VerifiedDealWeight: BigIntString,
  InitialPledge: BigIntString,
  ExpectedDayReward: BigIntString.nullable(),
  ExpectedStoragePledge: BigIntString.nullable(),
  PowerBaseEpoch: Epoch,
  ReplacedDayReward: BigIntString.nullable(),
  SectorKeyCID: NullableCidJson,
  Flags: Uint,
  DailyFee: BigIntString,
});
export type SectorOnChainInfo = z.output<typeof SectorOnChainInfo>;

export const SectorLocation = z.object({ Deadline: Uint, Partition: Uint });
export type SectorLocation = z.output<typeof SectorLocation>;

/** `dline.Info` (StateMinerProvingDeadline); the same type as src/filecoin/deadlines.ts computes. */
export const DeadlineInfo = z.object({
  CurrentEpoch: Epoch,
  PeriodStart: Epoch,
  Index: Uint,
  Open: Epoch,
  Close: Epoch,
  Challenge: Epoch,
  FaultCutoff: Epoch,
  WPoStPeriodDeadlines: Uint,
  WPoStProvingPeriod: Epoch,
  WPoStChallengeWindow: Epoch,
  WPoStChallengeLookback: Epoch,
  FaultDeclarationCutoff: Epoch,
});
export type DeadlineInfo = z.output<typeof DeadlineInfo>;

export const Deadline = z.object({ PostSubmissions: BitFieldJson, DisputableProofCount: Uint, DailyFee: BigIntString });
export type Deadline = z.output<typeof Deadline>;

export const Partition = z.object({
  AllSectors: BitFieldJson,
  FaultySectors: BitFieldJson,
  RecoveringSectors: BitFieldJson,
  LiveSectors: BitFieldJson,
  ActiveSectors: BitFieldJson,
});
export type Partition = z.output<typeof Partition>;

/** `proof.ExtendedSectorInfo` (MinerGetBaseInfo.Sectors, the gateway's ComputeProof request). */
export const ExtendedSectorInfo = z.object({ SealProof: Uint, SectorNumber: Uint, SectorKey: NullableCidJson, SealedCID: CidJson });
export type ExtendedSectorInfo = z.output<typeof ExtendedSectorInfo>;

export const MiningBaseInfo = z.object({
  MinerPower: BigIntString,
  NetworkPower: BigIntString,
  Sectors: goSlice(ExtendedSectorInfo),
  WorkerKey: AddressString,
  SectorSize: Uint,
  PrevBeaconEntry: BeaconEntry,
  BeaconEntries: goSlice(BeaconEntry),
  EligibleForMining: z.boolean(),
});
export type MiningBaseInfo = z.output<typeof MiningBaseInfo>;

/** Lotus's power.Claim (without the proof type). */
export const PowerClaim = z.object({ RawBytePower: BigIntString, QualityAdjPower: BigIntString });
export type PowerClaim = z.output<typeof PowerClaim>;

export const MinerPower = z.object({ MinerPower: PowerClaim, TotalPower: PowerClaim, HasMinPower: z.boolean() });
export type MinerPower = z.output<typeof MinerPower>;

// ---- actors, market, verified registry ----

/** `types.Actor` (StateGetActor). */
export const ActorState = z.object({
  Code: CidJson,
  Head: CidJson,
  Nonce: Uint,
  Balance: BigIntString,
  /** The f4 address; null for actors without one, absent from nodes older than actors v10. */
  DelegatedAddress: AddressString.nullish(),
});
export type ActorState = z.output<typeof ActorState>;

/** `market.DealProposal`; a non-string label is written as "". */
export const DealProposal = z.object({
  PieceCID: CidJson,
  PieceSize: Uint,
  VerifiedDeal: z.boolean(),
  Client: AddressString,
  Provider: AddressString,
  Label: z.string(),
  StartEpoch: Epoch,
  EndEpoch: Epoch,
  StoragePricePerEpoch: BigIntString,
  ProviderCollateral: BigIntString,
  ClientCollateral: BigIntString,
});
export type DealProposal = z.output<typeof DealProposal>;

/** `api.MarketDealState`: epochs are -1 (and SectorNumber 0) until the deal is active / updated / slashed. */
export const MarketDealState = z.object({ SectorNumber: Uint, SectorStartEpoch: Epoch, LastUpdatedEpoch: Epoch, SlashEpoch: Epoch });
export type MarketDealState = z.output<typeof MarketDealState>;

export const MarketDeal = z.object({ Proposal: DealProposal, State: MarketDealState });
export type MarketDeal = z.output<typeof MarketDeal>;

/** `verifreg.Allocation`: Client and Provider are actor ids (numbers), Size the padded size. */
export const Allocation = z.object({
  Client: Uint,
  Provider: Uint,
  Data: CidJson,
  Size: Uint,
  TermMin: Epoch,
  TermMax: Epoch,
  Expiration: Epoch,
});
export type Allocation = z.output<typeof Allocation>;

// ---- compile-time agreement with src/filecoin's own types ----

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** A decoded SectorPreCommitInfo feeds the CBOR encoder of PreCommitSectorBatch2 as is. */
export type _PreCommitInfoMatchesCbor = Assert<Same<SectorPreCommitInfo, CborSectorPreCommitInfo>>;
/** newDeadlineInfo's result is a StateMinerProvingDeadline answer as is. */
export type _DeadlineInfoMatchesFilecoin = Assert<Same<DeadlineInfo, FilecoinDeadlineInfo>>;
