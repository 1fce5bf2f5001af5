// Miner actor method params and returns (spec/filecoin.md §18.4) as cbor-gen tuples, field order of
// go-state-types builtin/v18/miner/miner_types.go. Every type has a codec of the same name:
// `PreCommitSectorBatchParams2.encode(p)` / `.decode(bytes)`. Field names are the Go names.
import type { CID } from "multiformats/cid";
import { BitField } from "./bitfield.js";
import {
  type CborValue,
  decodeCbor,
  encodeCbor,
  readArray,
  readBool,
  readBytes,
  readCid,
  readInt,
  readNullable,
  readTuple,
  readUint,
} from "./cbor.js";

export const MinerMethod = {
  SubmitWindowedPoSt: 5,
  TerminateSectors: 9,
  DeclareFaults: 10,
  DeclareFaultsRecovered: 11,
  PreCommitSectorBatch2: 28,
  ExtendSectorExpiration2: 32,
  ProveCommitSectors3: 34,
  ProveReplicaUpdates3: 35,
  ProveCommitSectorsNI: 36,
} as const;
export type MinerMethod = (typeof MinerMethod)[keyof typeof MinerMethod];

export interface TupleCodec<T> {
  readonly name: string;
  /** The value tree cborg encodes (tuples as arrays). */
  toValue(v: T): CborValue;
  /** From a decoded value tree; `path` prefixes error messages. */
  fromValue(x: unknown, path: string): T;
  encode(v: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

function codec<T>(name: string, toValue: (v: T) => CborValue, fromValue: (x: unknown, path: string) => T): TupleCodec<T> {
  return {
    name,
    toValue,
    fromValue,
    encode: (v) => encodeCbor(toValue(v)),
    decode: (bytes) => fromValue(decodeCbor(bytes), name),
  };
}

const bitfield = (x: unknown, path: string): BitField => {
  try {
    return BitField.decode(readBytes(x, path));
  } catch (e) {
    throw new RangeError(`${path}: ${(e as Error).message}`, { cause: e });
  }
};
const list = <T>(c: TupleCodec<T>) => (x: unknown, path: string): T[] => readArray(x, path, c.fromValue);
const uints = (x: unknown, path: string): number[] => readArray(x, path, readUint);

// ---- shared pieces ----

export interface DataActivationNotification {
  /** Address bytes of the actor to notify. */
  Address: Uint8Array;
  Payload: Uint8Array;
}
export const DataActivationNotification = codec<DataActivationNotification>(
  "DataActivationNotification",
  (v) => [v.Address, v.Payload],
  (x, p) => {
    const t = readTuple(x, 2, p);
    return { Address: readBytes(t[0], `${p}.Address`), Payload: readBytes(t[1], `${p}.Payload`) };
  },
);

export interface VerifiedAllocationKey {
  Client: number;
  ID: number;
}
export const VerifiedAllocationKey = codec<VerifiedAllocationKey>(
  "VerifiedAllocationKey",
  (v) => [v.Client, v.ID],
  (x, p) => {
    const t = readTuple(x, 2, p);
    return { Client: readUint(t[0], `${p}.Client`), ID: readUint(t[1], `${p}.ID`) };
  },
);

export interface PieceActivationManifest {
  /** PieceCID v1. */
  CID: CID;
  /** Padded size. */
  Size: number;
  VerifiedAllocationKey: VerifiedAllocationKey | null;
  Notify: DataActivationNotification[];
}
export const PieceActivationManifest = codec<PieceActivationManifest>(
  "PieceActivationManifest",
  (v) => [
    v.CID,
    v.Size,
    v.VerifiedAllocationKey && VerifiedAllocationKey.toValue(v.VerifiedAllocationKey),
    v.Notify.map(DataActivationNotification.toValue),
  ],
  (x, p) => {
    const t = readTuple(x, 4, p);
    return {
      CID: readCid(t[0], `${p}.CID`),
      Size: readUint(t[1], `${p}.Size`),
      VerifiedAllocationKey: readNullable(t[2], `${p}.VerifiedAllocationKey`, VerifiedAllocationKey.fromValue),
      Notify: list(DataActivationNotification)(t[3], `${p}.Notify`),
    };
  },
);

// ---- 28 PreCommitSectorBatch2 ----

export interface SectorPreCommitInfo {
  SealProof: number;
  SectorNumber: number;
  /** CommR. */
  SealedCID: CID;
  SealRandEpoch: number;
  /** Always [] with method 34. */
  DealIDs: number[];
  Expiration: number;
  /** CommD; null for committed capacity (the actor assumes zero(S)). */
  UnsealedCid: CID | null;
}
export const SectorPreCommitInfo = codec<SectorPreCommitInfo>(
  "SectorPreCommitInfo",
  (v) => [v.SealProof, v.SectorNumber, v.SealedCID, v.SealRandEpoch, v.DealIDs, v.Expiration, v.UnsealedCid],
  (x, p) => {
    const t = readTuple(x, 7, p);
    return {
      SealProof: readInt(t[0], `${p}.SealProof`),
      SectorNumber: readUint(t[1], `${p}.SectorNumber`),
      SealedCID: readCid(t[2], `${p}.SealedCID`),
      SealRandEpoch: readInt(t[3], `${p}.SealRandEpoch`),
      DealIDs: uints(t[4], `${p}.DealIDs`),
      Expiration: readInt(t[5], `${p}.Expiration`),
      UnsealedCid: readNullable(t[6], `${p}.UnsealedCid`, readCid),
    };
  },
);

export interface PreCommitSectorBatchParams2 {
  Sectors: SectorPreCommitInfo[];
}
export const PreCommitSectorBatchParams2 = codec<PreCommitSectorBatchParams2>(
  "PreCommitSectorBatchParams2",
  (v) => [v.Sectors.map(SectorPreCommitInfo.toValue)],
  (x, p) => ({ Sectors: list(SectorPreCommitInfo)(readTuple(x, 1, p)[0], `${p}.Sectors`) }),
);

// ---- 34 ProveCommitSectors3 ----

export interface SectorActivationManifest {
  SectorNumber: number;
  Pieces: PieceActivationManifest[];
}
export const SectorActivationManifest = codec<SectorActivationManifest>(
  "SectorActivationManifest",
  (v) => [v.SectorNumber, v.Pieces.map(PieceActivationManifest.toValue)],
  (x, p) => {
    const t = readTuple(x, 2, p);
    return { SectorNumber: readUint(t[0], `${p}.SectorNumber`), Pieces: list(PieceActivationManifest)(t[1], `${p}.Pieces`) };
  },
);

export interface ProveCommitSectors3Params {
  SectorActivations: SectorActivationManifest[];
  /** One proof per activation, or [] when AggregateProof is used. */
  SectorProofs: Uint8Array[];
  AggregateProof: Uint8Array;
  AggregateProofType: number | null;
  RequireActivationSuccess: boolean;
  RequireNotificationSuccess: boolean;
}
export const ProveCommitSectors3Params = codec<ProveCommitSectors3Params>(
  "ProveCommitSectors3Params",
  (v) => [
    v.SectorActivations.map(SectorActivationManifest.toValue),
    v.SectorProofs,
    v.AggregateProof,
    v.AggregateProofType,
    v.RequireActivationSuccess,
    v.RequireNotificationSuccess,
  ],
  (x, p) => {
    const t = readTuple(x, 6, p);
    return {
      SectorActivations: list(SectorActivationManifest)(t[0], `${p}.SectorActivations`),
      SectorProofs: readArray(t[1], `${p}.SectorProofs`, readBytes),
      AggregateProof: readBytes(t[2], `${p}.AggregateProof`),
      AggregateProofType: readNullable(t[3], `${p}.AggregateProofType`, readInt),
      RequireActivationSuccess: readBool(t[4], `${p}.RequireActivationSuccess`),
      RequireNotificationSuccess: readBool(t[5], `${p}.RequireNotificationSuccess`),
    };
  },
);

// ---- 36 ProveCommitSectorsNI ----

export interface SectorNIActivationInfo {
  /** The number inside replica_id; builtin-actors requires it to equal SectorNumber. */
  SealingNumber: number;
  /** The miner's own actor id. */
  SealerID: number;
  SealedCID: CID;
  SectorNumber: number;
  SealRandEpoch: number;
  Expiration: number;
}
export const SectorNIActivationInfo = codec<SectorNIActivationInfo>(
  "SectorNIActivationInfo",
  (v) => [v.SealingNumber, v.SealerID, v.SealedCID, v.SectorNumber, v.SealRandEpoch, v.Expiration],
  (x, p) => {
    const t = readTuple(x, 6, p);
    return {
      SealingNumber: readUint(t[0], `${p}.SealingNumber`),
      SealerID: readUint(t[1], `${p}.SealerID`),
      SealedCID: readCid(t[2], `${p}.SealedCID`),
      SectorNumber: readUint(t[3], `${p}.SectorNumber`),
      SealRandEpoch: readInt(t[4], `${p}.SealRandEpoch`),
      Expiration: readInt(t[5], `${p}.Expiration`),
    };
  },
);

export interface ProveCommitSectorsNIParams {
  Sectors: SectorNIActivationInfo[];
  AggregateProof: Uint8Array;
  SealProofType: number;
  AggregateProofType: number;
  ProvingDeadline: number;
  RequireActivationSuccess: boolean;
}
export const ProveCommitSectorsNIParams = codec<ProveCommitSectorsNIParams>(
  "ProveCommitSectorsNIParams",
  (v) => [
    v.Sectors.map(SectorNIActivationInfo.toValue),
    v.AggregateProof,
    v.SealProofType,
    v.AggregateProofType,
    v.ProvingDeadline,
    v.RequireActivationSuccess,
  ],
  (x, p) => {
    const t = readTuple(x, 6, p);
    return {
      Sectors: list(SectorNIActivationInfo)(t[0], `${p}.Sectors`),
      AggregateProof: readBytes(t[1], `${p}.AggregateProof`),
      SealProofType: readInt(t[2], `${p}.SealProofType`),
      AggregateProofType: readInt(t[3], `${p}.AggregateProofType`),
      ProvingDeadline: readUint(t[4], `${p}.ProvingDeadline`),
      RequireActivationSuccess: readBool(t[5], `${p}.RequireActivationSuccess`),
    };
  },
);

// ---- 5 SubmitWindowedPoSt ----

export interface PoStPartition {
  Index: number;
  Skipped: BitField;
}
export const PoStPartition = codec<PoStPartition>(
  "PoStPartition",
  (v) => [v.Index, v.Skipped.encode()],
  (x, p) => {
    const t = readTuple(x, 2, p);
    return { Index: readUint(t[0], `${p}.Index`), Skipped: bitfield(t[1], `${p}.Skipped`) };
  },
);

export interface PoStProof {
  /** Registered PoSt proof id (the miner's window type). */
  PoStProof: number;
  ProofBytes: Uint8Array;
}
export const PoStProof = codec<PoStProof>(
  "PoStProof",
  (v) => [v.PoStProof, v.ProofBytes],
  (x, p) => {
    const t = readTuple(x, 2, p);
    return { PoStProof: readInt(t[0], `${p}.PoStProof`), ProofBytes: readBytes(t[1], `${p}.ProofBytes`) };
  },
);

export interface SubmitWindowedPoStParams {
  Deadline: number;
  Partitions: PoStPartition[];
  Proofs: PoStProof[];
  ChainCommitEpoch: number;
  ChainCommitRand: Uint8Array;
}
export const SubmitWindowedPoStParams = codec<SubmitWindowedPoStParams>(
  "SubmitWindowedPoStParams",
  (v) => [v.Deadline, v.Partitions.map(PoStPartition.toValue), v.Proofs.map(PoStProof.toValue), v.ChainCommitEpoch, v.ChainCommitRand],
  (x, p) => {
    const t = readTuple(x, 5, p);
    return {
      Deadline: readUint(t[0], `${p}.Deadline`),
      Partitions: list(PoStPartition)(t[1], `${p}.Partitions`),
      Proofs: list(PoStProof)(t[2], `${p}.Proofs`),
      ChainCommitEpoch: readInt(t[3], `${p}.ChainCommitEpoch`),
      ChainCommitRand: readBytes(t[4], `${p}.ChainCommitRand`),
    };
  },
);

// ---- 10, 11, 9: declarations of [Deadline, Partition, Sectors] ----

/** FaultDeclaration, RecoveryDeclaration and TerminationDeclaration share this shape. */
export interface SectorsDeclaration {
  Deadline: number;
  Partition: number;
  Sectors: BitField;
}
export const SectorsDeclaration = codec<SectorsDeclaration>(
  "SectorsDeclaration",
  (v) => [v.Deadline, v.Partition, v.Sectors.encode()],
  (x, p) => {
    const t = readTuple(x, 3, p);
    return { Deadline: readUint(t[0], `${p}.Deadline`), Partition: readUint(t[1], `${p}.Partition`), Sectors: bitfield(t[2], `${p}.Sectors`) };
  },
);
export type FaultDeclaration = SectorsDeclaration;
export type RecoveryDeclaration = SectorsDeclaration;
export type TerminationDeclaration = SectorsDeclaration;

function declarations<K extends string>(name: string, field: K): TupleCodec<Record<K, SectorsDeclaration[]>> {
  return codec<Record<K, SectorsDeclaration[]>>(
    name,
    (v) => [v[field].map(SectorsDeclaration.toValue)],
    (x, p) => ({ [field]: list(SectorsDeclaration)(readTuple(x, 1, p)[0], `${p}.${field}`) }) as Record<K, SectorsDeclaration[]>,
  );
}

export interface DeclareFaultsParams {
  Faults: FaultDeclaration[];
}
export const DeclareFaultsParams: TupleCodec<DeclareFaultsParams> = declarations("DeclareFaultsParams", "Faults");

export interface DeclareFaultsRecoveredParams {
  Recoveries: RecoveryDeclaration[];
}
export const DeclareFaultsRecoveredParams: TupleCodec<DeclareFaultsRecoveredParams> = declarations(
  "DeclareFaultsRecoveredParams",
  "Recoveries",
);

export interface TerminateSectorsParams {
  Terminations: TerminationDeclaration[];
}
export const TerminateSectorsParams: TupleCodec<TerminateSectorsParams> = declarations("TerminateSectorsParams", "Terminations");

export interface TerminateSectorsReturn {
  Done: boolean;
}
export const TerminateSectorsReturn = codec<TerminateSectorsReturn>(
  "TerminateSectorsReturn",
  (v) => [v.Done],
  (x, p) => ({ Done: readBool(readTuple(x, 1, p)[0], `${p}.Done`) }),
);

// ---- 32 ExtendSectorExpiration2 ----

export interface SectorClaim {
  SectorNumber: number;
  MaintainClaims: number[];
  DropClaims: number[];
}
export const SectorClaim = codec<SectorClaim>(
  "SectorClaim",
  (v) => [v.SectorNumber, v.MaintainClaims, v.DropClaims],
  (x, p) => {
    const t = readTuple(x, 3, p);
    return {
      SectorNumber: readUint(t[0], `${p}.SectorNumber`),
      MaintainClaims: uints(t[1], `${p}.MaintainClaims`),
      DropClaims: uints(t[2], `${p}.DropClaims`),
    };
  },
);

export interface ExpirationExtension2 {
  Deadline: number;
  Partition: number;
  Sectors: BitField;
  SectorsWithClaims: SectorClaim[];
  NewExpiration: number;
}
export const ExpirationExtension2 = codec<ExpirationExtension2>(
  "ExpirationExtension2",
  (v) => [v.Deadline, v.Partition, v.Sectors.encode(), v.SectorsWithClaims.map(SectorClaim.toValue), v.NewExpiration],
  (x, p) => {
    const t = readTuple(x, 5, p);
    return {
      Deadline: readUint(t[0], `${p}.Deadline`),
      Partition: readUint(t[1], `${p}.Partition`),
      Sectors: bitfield(t[2], `${p}.Sectors`),
      SectorsWithClaims: list(SectorClaim)(t[3], `${p}.SectorsWithClaims`),
      NewExpiration: readInt(t[4], `${p}.NewExpiration`),
    };
  },
);

export interface ExtendSectorExpiration2Params {
  Extensions: ExpirationExtension2[];
}
export const ExtendSectorExpiration2Params = codec<ExtendSectorExpiration2Params>(
  "ExtendSectorExpiration2Params",
  (v) => [v.Extensions.map(ExpirationExtension2.toValue)],
  (x, p) => ({ Extensions: list(ExpirationExtension2)(readTuple(x, 1, p)[0], `${p}.Extensions`) }),
);

// ---- 35 ProveReplicaUpdates3 ----

export interface SectorUpdateManifest {
  Sector: number;
  Deadline: number;
  Partition: number;
  NewSealedCID: CID;
  Pieces: PieceActivationManifest[];
}
export const SectorUpdateManifest = codec<SectorUpdateManifest>(
  "SectorUpdateManifest",
  (v) => [v.Sector, v.Deadline, v.Partition, v.NewSealedCID, v.Pieces.map(PieceActivationManifest.toValue)],
  (x, p) => {
    const t = readTuple(x, 5, p);
    return {
      Sector: readUint(t[0], `${p}.Sector`),
      Deadline: readUint(t[1], `${p}.Deadline`),
      Partition: readUint(t[2], `${p}.Partition`),
      NewSealedCID: readCid(t[3], `${p}.NewSealedCID`),
      Pieces: list(PieceActivationManifest)(t[4], `${p}.Pieces`),
    };
  },
);

export interface ProveReplicaUpdates3Params {
  SectorUpdates: SectorUpdateManifest[];
  SectorProofs: Uint8Array[];
  AggregateProof: Uint8Array;
  UpdateProofsType: number;
  AggregateProofType: number | null;
  RequireActivationSuccess: boolean;
  RequireNotificationSuccess: boolean;
}
export const ProveReplicaUpdates3Params = codec<ProveReplicaUpdates3Params>(
  "ProveReplicaUpdates3Params",
  (v) => [
    v.SectorUpdates.map(SectorUpdateManifest.toValue),
    v.SectorProofs,
    v.AggregateProof,
    v.UpdateProofsType,
    v.AggregateProofType,
    v.RequireActivationSuccess,
    v.RequireNotificationSuccess,
  ],
  (x, p) => {
    const t = readTuple(x, 7, p);
    return {
      SectorUpdates: list(SectorUpdateManifest)(t[0], `${p}.SectorUpdates`),
      SectorProofs: readArray(t[1], `${p}.SectorProofs`, readBytes),
      AggregateProof: readBytes(t[2], `${p}.AggregateProof`),
      UpdateProofsType: readInt(t[3], `${p}.UpdateProofsType`),
      AggregateProofType: readNullable(t[4], `${p}.AggregateProofType`, readInt),
      RequireActivationSuccess: readBool(t[5], `${p}.RequireActivationSuccess`),
      RequireNotificationSuccess: readBool(t[6], `${p}.RequireNotificationSuccess`),
    };
  },
);

// ---- BatchReturn (34, 35, 36) ----

export interface FailCode {
  Idx: number;
  /** Exit code. */
  Code: number;
}
export interface BatchReturn {
  SuccessCount: number;
  FailCodes: FailCode[];
}
export const BatchReturn = codec<BatchReturn>(
  "BatchReturn",
  (v) => [v.SuccessCount, v.FailCodes.map((f) => [f.Idx, f.Code])],
  (x, p) => {
    const t = readTuple(x, 2, p);
    return {
      SuccessCount: readUint(t[0], `${p}.SuccessCount`),
      FailCodes: readArray(t[1], `${p}.FailCodes`, (y, q) => {
        const f = readTuple(y, 2, q);
        return { Idx: readUint(f[0], `${q}.Idx`), Code: readUint(f[1], `${q}.Code`) };
      }),
    };
  },
);

/** Params codec of each method, for whoever decodes messages by method number (the devnet). */
export const MINER_METHOD_PARAMS: Readonly<Record<MinerMethod, TupleCodec<unknown>>> = Object.freeze({
  [MinerMethod.SubmitWindowedPoSt]: SubmitWindowedPoStParams,
  [MinerMethod.TerminateSectors]: TerminateSectorsParams,
  [MinerMethod.DeclareFaults]: DeclareFaultsParams,
  [MinerMethod.DeclareFaultsRecovered]: DeclareFaultsRecoveredParams,
  [MinerMethod.PreCommitSectorBatch2]: PreCommitSectorBatchParams2,
  [MinerMethod.ExtendSectorExpiration2]: ExtendSectorExpiration2Params,
  [MinerMethod.ProveCommitSectors3]: ProveCommitSectors3Params,
  [MinerMethod.ProveReplicaUpdates3]: ProveReplicaUpdates3Params,
  [MinerMethod.ProveCommitSectorsNI]: ProveCommitSectorsNIParams,
} as Record<MinerMethod, TupleCodec<unknown>>);

/** Exit codes of go-state-types exitcode/ the cluster acts on. */
export const ExitCode = {
  Ok: 0,
  SysErrInsufficientFunds: 6,
  SysErrOutOfGas: 7,
  ErrIllegalArgument: 16,
  ErrNotFound: 17,
  ErrForbidden: 18,
  ErrInsufficientFunds: 19,
  ErrIllegalState: 20,
  ErrSerialization: 21,
} as const;
