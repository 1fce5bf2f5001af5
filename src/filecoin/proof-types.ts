// Registered proof types (spec/filecoin.md §2): ids from go-state-types abi/sector.go, names as
// go-state-types (Go) and rust-filecoin-proofs-api src/registry.rs (Rust) spell them.
import { GiB, KiB, MiB, formatSectorSize } from "./sizes.js";

export type ApiVersion = "1.0.0" | "1.1.0" | "1.2.0";
export type SealProofKind = "v1" | "v1_1" | "synthetic" | "ni";

export interface SealProofType {
  id: number;
  /** Go name without the "RegisteredSealProof_" prefix, e.g. "StackedDrg2KiBV1_1". */
  goName: string;
  /** rust-filecoin-proofs-api name, the spelling processor JSON carries. */
  rustName: string;
  sectorSize: number;
  apiVersion: ApiVersion;
  kind: SealProofKind;
  winningPostProof: number;
  /** The current window PoSt type of this size (V1_1 ids 10..14). */
  windowPostProof: number;
}

export interface PoStProofType {
  id: number;
  /** Go name without the "RegisteredPoStProof_" prefix. */
  goName: string;
  rustName: string;
  sectorSize: number;
  kind: "winning" | "window";
  /** Window V1 (ids 5..9) is no longer accepted by the actors. */
  retired: boolean;
}

export interface UpdateProofType {
  id: number;
  name: string;
  sectorSize: number;
}

export const SEAL_PROOF_PREFIX = "RegisteredSealProof_";
export const POST_PROOF_PREFIX = "RegisteredPoStProof_";
export const UPDATE_PROOF_PREFIX = "RegisteredUpdateProof_";

/** Aggregation (SnarkPack) proof types; the actors accept only V2 now. */
export const AggregationProofType = { SnarkPackV1: 0, SnarkPackV2: 1 } as const;
export type AggregationProofType = (typeof AggregationProofType)[keyof typeof AggregationProofType];

// Order of sizes inside every family of five ids.
const FAMILY_SIZES = [2 * KiB, 8 * MiB, 512 * MiB, 32 * GiB, 64 * GiB] as const;

interface SealFamily {
  base: number;
  kind: SealProofKind;
  apiVersion: ApiVersion;
  goSuffix: string;
  rustSuffix: string;
}

const SEAL_FAMILIES: readonly SealFamily[] = [
  { base: 0, kind: "v1", apiVersion: "1.0.0", goSuffix: "V1", rustSuffix: "V1" },
  { base: 5, kind: "v1_1", apiVersion: "1.1.0", goSuffix: "V1_1", rustSuffix: "V1_1" },
  {
    base: 10,
    kind: "synthetic",
    apiVersion: "1.2.0",
    goSuffix: "V1_1_Feat_SyntheticPoRep",
    rustSuffix: "V1_1_Feat_SyntheticPoRep",
  },
  { base: 15, kind: "ni", apiVersion: "1.2.0", goSuffix: "V1_2_Feat_NiPoRep", rustSuffix: "V1_2_Feat_NonInteractivePoRep" },
];

export const SEAL_PROOF_TYPES: readonly SealProofType[] = Object.freeze(
  SEAL_FAMILIES.flatMap((f) =>
    FAMILY_SIZES.map((size, i) => {
      const label = formatSectorSize(size);
      return Object.freeze({
        id: f.base + i,
        goName: `StackedDrg${label}${f.goSuffix}`,
        rustName: `StackedDrg${label}${f.rustSuffix}`,
        sectorSize: size,
        apiVersion: f.apiVersion,
        kind: f.kind,
        winningPostProof: i,
        windowPostProof: 10 + i,
      });
    }),
  ),
);

export const POST_PROOF_TYPES: readonly PoStProofType[] = Object.freeze(
  FAMILY_SIZES.flatMap((size, i) => {
    const label = formatSectorSize(size);
    return [
      { id: i, goName: `StackedDrgWinning${label}V1`, rustName: `StackedDrgWinning${label}V1`, kind: "winning" as const, retired: false },
      { id: 5 + i, goName: `StackedDrgWindow${label}V1`, rustName: `StackedDrgWindow${label}V1`, kind: "window" as const, retired: true },
      // Go calls the current window type V1_1, Rust calls the same id V1_2.
      { id: 10 + i, goName: `StackedDrgWindow${label}V1_1`, rustName: `StackedDrgWindow${label}V1_2`, kind: "window" as const, retired: false },
    ].map((t) => Object.freeze({ ...t, sectorSize: size }));
  }).sort((a, b) => a.id - b.id),
);

export const UPDATE_PROOF_TYPES: readonly UpdateProofType[] = Object.freeze(
  FAMILY_SIZES.map((size, i) => Object.freeze({ id: i, name: `StackedDrg${formatSectorSize(size)}V1`, sectorSize: size })),
);

const byId = <T extends { id: number }>(list: readonly T[]): ReadonlyMap<number, T> => new Map(list.map((t) => [t.id, t]));
const SEAL_BY_ID = byId(SEAL_PROOF_TYPES);
const POST_BY_ID = byId(POST_PROOF_TYPES);
const UPDATE_BY_ID = byId(UPDATE_PROOF_TYPES);

function byName<T extends { goName: string; rustName: string }>(list: readonly T[], prefix: string): ReadonlyMap<string, T> {
  const m = new Map<string, T>();
  for (const t of list) for (const n of [t.goName, t.rustName, prefix + t.goName]) m.set(n.toLowerCase(), t);
  return m;
}
const SEAL_BY_NAME = byName(SEAL_PROOF_TYPES, SEAL_PROOF_PREFIX);
const POST_BY_NAME = byName(POST_PROOF_TYPES, POST_PROOF_PREFIX);

export function sealProofType(id: number): SealProofType {
  const t = SEAL_BY_ID.get(id);
  if (!t) throw new RangeError(`unknown registered seal proof id ${String(id)}; known ids are 0..19`);
  return t;
}

export function postProofType(id: number): PoStProofType {
  const t = POST_BY_ID.get(id);
  if (!t) throw new RangeError(`unknown registered PoSt proof id ${String(id)}; known ids are 0..14`);
  return t;
}

export function updateProofType(id: number): UpdateProofType {
  const t = UPDATE_BY_ID.get(id);
  if (!t) throw new RangeError(`unknown registered update proof id ${String(id)}; known ids are 0..4`);
  return t;
}

/** Accepts the id, the Rust name, the Go name or the Go name with its "RegisteredSealProof_" prefix (case-insensitive). */
export function parseSealProofType(text: string): SealProofType {
  const t = text.trim();
  const found = /^\d+$/.test(t) ? SEAL_BY_ID.get(Number(t)) : SEAL_BY_NAME.get(t.toLowerCase());
  if (!found)
    throw new RangeError(
      `unknown seal proof type "${text}"; give an id 0..19 or a name such as 5, StackedDrg2KiBV1_1, ` +
        `RegisteredSealProof_StackedDrg32GiBV1_1_Feat_SyntheticPoRep or StackedDrg2KiBV1_2_Feat_NonInteractivePoRep`,
    );
  return found;
}

/** Accepts the id, the Rust name, the Go name or the Go name with its "RegisteredPoStProof_" prefix (case-insensitive). */
export function parsePoStProofType(text: string): PoStProofType {
  const t = text.trim();
  const found = /^\d+$/.test(t) ? POST_BY_ID.get(Number(t)) : POST_BY_NAME.get(t.toLowerCase());
  if (!found)
    throw new RangeError(
      `unknown PoSt proof type "${text}"; give an id 0..14 or a name such as 10, StackedDrgWindow2KiBV1_2, ` +
        `RegisteredPoStProof_StackedDrgWindow32GiBV1_1 or StackedDrgWinning2KiBV1`,
    );
  return found;
}

/** Seal proof type of a given kind and sector size (e.g. the synthetic type of 32GiB is 13). */
export function sealProofFor(sectorSize: number, kind: SealProofKind): SealProofType {
  const t = SEAL_PROOF_TYPES.find((s) => s.sectorSize === sectorSize && s.kind === kind);
  if (!t) throw new RangeError(`no ${kind} seal proof type for sector size ${String(sectorSize)}`);
  return t;
}

/** The update (snap) proof type matching a seal proof's sector size. */
export function updateProofForSeal(sealProofId: number): UpdateProofType {
  const size = sealProofType(sealProofId).sectorSize;
  return UPDATE_PROOF_TYPES.find((u) => u.sectorSize === size)!;
}
