// Sector sizes and the per-size proof parameters (spec/filecoin.md §1).
// Values from rust-fil-proofs filecoin-proofs/src/constants.rs; the test sizes (4KiB, 16KiB, 32KiB,
// 16MiB, 1GiB) have published parameters there but no registered proof type uses them.

export const KiB = 1024;
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

export const NODE_SIZE = 32;

/** Merkle tree shape `base-sub-top` of tree_c / tree_r_last: 8-0-0 → {base: 8, sub: 0, top: 0}. */
export interface TreeShape {
  base: number;
  sub: number;
  top: number;
}

export interface SectorParams {
  size: number;
  label: string;
  nodes: number;
  layers: number;
  shape: TreeShape;
  porepPartitions: number;
  porepChallengesPerPartition: number;
  niPartitions: number;
  niChallengesPerPartition: number;
  windowPostPartitionSectors: number;
  /** false for the proofs library's test sizes that no registered proof type uses. */
  registered: boolean;
}

export const WINNING_POST_CHALLENGE_COUNT = 66;
export const WINDOW_POST_CHALLENGE_COUNT = 10;
export const WINNING_POST_SECTOR_COUNT = 1;
/** Every Groth16 partition proof is 192 bytes. */
export const SINGLE_PARTITION_PROOF_LEN = 192;

const UNITS: ReadonlyArray<[string, number]> = [
  ["gib", GiB],
  ["mib", MiB],
  ["kib", KiB],
];

const SHAPE_BASE: TreeShape = { base: 8, sub: 0, top: 0 };
const SHAPE_SUB2: TreeShape = { base: 8, sub: 2, top: 0 };
const SHAPE_SUB8: TreeShape = { base: 8, sub: 8, top: 0 };
const SHAPE_TOP2: TreeShape = { base: 8, sub: 8, top: 2 };

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

function make(size: number, shape: TreeShape, registered: boolean): SectorParams {
  // 32GiB and 64GiB are the production sizes; every smaller size, test sizes included, has 2 layers,
  // 1 PoRep partition, minimum 2 interactive / 26 NI challenges and 13 NI partitions
  // (rust-fil-proofs constants.rs LAYERS, POREP_PARTITIONS, get_porep_non_interactive_*).
  const big = size >= 32 * GiB;
  const porepPartitions = big ? 10 : 1;
  const niPartitions = big ? 126 : 13;
  const porepMin = big ? 176 : 2;
  const niMin = big ? 2253 : 26;
  return Object.freeze({
    size,
    label: formatSectorSize(size),
    nodes: size / NODE_SIZE,
    layers: big ? 11 : 2,
    shape: Object.freeze({ ...shape }),
    porepPartitions,
    porepChallengesPerPartition: ceilDiv(porepMin, porepPartitions),
    niPartitions,
    niChallengesPerPartition: ceilDiv(niMin, niPartitions),
    windowPostPartitionSectors: size === 32 * GiB ? 2349 : size === 64 * GiB ? 2300 : 2,
    registered,
  });
}

const TABLE: ReadonlyMap<number, SectorParams> = new Map(
  [
    make(2 * KiB, SHAPE_BASE, true),
    make(4 * KiB, SHAPE_SUB2, false),
    make(16 * KiB, SHAPE_SUB8, false),
    make(32 * KiB, SHAPE_TOP2, false),
    make(8 * MiB, SHAPE_BASE, true),
    make(16 * MiB, SHAPE_SUB2, false),
    make(512 * MiB, SHAPE_BASE, true),
    make(1 * GiB, SHAPE_SUB2, false),
    make(32 * GiB, SHAPE_SUB8, true),
    make(64 * GiB, SHAPE_TOP2, true),
  ].map((p) => [p.size, p]),
);

/** The five sizes registered proof types use, smallest first. */
export const SECTOR_SIZES: readonly number[] = Object.freeze(
  [...TABLE.values()].filter((p) => p.registered).map((p) => p.size),
);
/** Every size the proofs library knows (registered and test sizes), smallest first. */
export const ALL_SECTOR_SIZES: readonly number[] = Object.freeze([...TABLE.keys()].sort((a, b) => a - b));

const knownList = (): string => ALL_SECTOR_SIZES.map((s) => `${formatSectorSize(s)} (${s})`).join(", ");

export function sectorParams(size: number): SectorParams {
  const p = TABLE.get(size);
  if (!p) throw new RangeError(`unknown sector size ${String(size)}; known sizes: ${knownList()}`);
  return p;
}

export function isKnownSectorSize(size: number): boolean {
  return TABLE.has(size);
}

/** Unpadded (payload) capacity of a sector: S·127/128. */
export function unpaddedSize(paddedSize: number): number {
  return paddedSize - paddedSize / 128;
}

/** Parses "2KiB", "32gib", "8MiB" or a plain byte count "2048"; the result must be a known size. */
export function parseSectorSize(text: string): number {
  const t = text.trim();
  let size: number | undefined;
  if (/^\d+$/.test(t)) size = Number(t);
  else {
    const m = /^(\d+)\s*([a-z]+)$/i.exec(t);
    const unit = m ? UNITS.find(([u]) => u === m[2]!.toLowerCase()) : undefined;
    if (m && unit) size = Number(m[1]) * unit[1];
  }
  if (size === undefined || !TABLE.has(size))
    throw new RangeError(`invalid sector size "${text}"; accepted: ${knownList()}`);
  return size;
}

/** 2048 → "2KiB", 34359738368 → "32GiB"; sizes that are not a whole unit print as bytes. */
export function formatSectorSize(size: number): string {
  for (const [u, mult] of UNITS) {
    if (size >= mult && size % mult === 0) return `${size / mult}${u[0]!.toUpperCase()}iB`;
  }
  return `${size}B`;
}
