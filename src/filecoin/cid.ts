// CID encodings of the sector commitments (spec/filecoin.md §6): CommD / PieceCID v1, CommR, and
// PieceCID v2 (FRC-0069, which also carries the piece's size). Actor messages and PoRep inputs always
// use v1; v2 is accepted wherever a piece CID is read.
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { uvarintDecode, uvarintEncode } from "./ids.js";

export const FIL_COMMITMENT_UNSEALED = 0xf101;
export const FIL_COMMITMENT_SEALED = 0xf102;
export const SHA2_256_TRUNC254_PADDED = 0x1012;
export const POSEIDON_BLS12_381_A2_FC1 = 0xb401;
export const RAW_CODEC = 0x55;
export const FR32_SHA256_TRUNC254_PADBINTREE = 0x1011;

/** BLS12-381 scalar field order p (spec §0). */
export const FR_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

/** Largest PieceCID v2 height whose padded size (32 << height) is a JS-exact byte count. */
const MAX_V2_HEIGHT = 58;

function need32(b: Uint8Array, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== 32)
    throw new RangeError(`${what} must be 32 bytes, got ${b instanceof Uint8Array ? b.length : typeof b}`);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

function checkTrunc254(root: Uint8Array, what: string): void {
  if ((root[31]! & 0xc0) !== 0)
    throw new RangeError(`${what} ${hex(root)} has one of its two top bits set; a SHA-256-trunc254 root has them clear`);
}

/** Little-endian 32 bytes as an integer. */
function leToBigInt(b: Uint8Array): bigint {
  return BigInt(`0x${hex(Uint8Array.from(b).reverse())}`);
}

function checkCanonicalFr(x: Uint8Array, what: string): void {
  if (leToBigInt(x) >= FR_MODULUS)
    throw new RangeError(`${what} ${hex(x)} is not a canonical BLS12-381 field element (little-endian value ≥ p)`);
}

function asCid(cid: CID | string, what: string): CID {
  if (typeof cid !== "string") {
    const c = CID.asCID(cid);
    if (!c) throw new TypeError(`${what}: not a CID: ${String(cid)}`);
    return c;
  }
  try {
    return CID.parse(cid.trim());
  } catch (err) {
    throw new RangeError(`${what} "${cid}" is not a CID: ${(err as Error).message}`, { cause: err });
  }
}

/** CommD (or CommP) raw root → PieceCID v1 (`baga6ea4seaq…`). */
export function commDToCid(root: Uint8Array): CID {
  need32(root, "CommD");
  checkTrunc254(root, "CommD");
  return CID.createV1(FIL_COMMITMENT_UNSEALED, Digest.create(SHA2_256_TRUNC254_PADDED, Uint8Array.from(root)));
}

/** CommR (little-endian Fr) → CID (`bagboea4b5abc…`). */
export function commRToCid(commR: Uint8Array): CID {
  need32(commR, "CommR");
  checkCanonicalFr(commR, "CommR");
  return CID.createV1(FIL_COMMITMENT_SEALED, Digest.create(POSEIDON_BLS12_381_A2_FC1, Uint8Array.from(commR)));
}

function v1Digest(c: CID, text: string, codec: number, codecName: string, mh: number, mhName: string): Uint8Array {
  if (c.version !== 1) throw new RangeError(`${text} is a CIDv${c.version}; expected a CIDv1 ${codecName}`);
  if (c.code !== codec)
    throw new RangeError(`${text} has codec 0x${c.code.toString(16)}; expected 0x${codec.toString(16)} (${codecName})`);
  if (c.multihash.code !== mh)
    throw new RangeError(
      `${text} has multihash 0x${c.multihash.code.toString(16)}; expected 0x${mh.toString(16)} (${mhName})`,
    );
  if (c.multihash.digest.length !== 32)
    throw new RangeError(`${text} has a ${c.multihash.digest.length}-byte digest; expected 32 bytes`);
  return Uint8Array.from(c.multihash.digest);
}

/** PieceCID v1 (CommD / CommP) → raw 32-byte root. */
export function cidToCommD(cid: CID | string): Uint8Array {
  const c = asCid(cid, "CommD CID");
  const text = `CommD CID ${c.toString()}`;
  const root = v1Digest(c, text, FIL_COMMITMENT_UNSEALED, "fil-commitment-unsealed", SHA2_256_TRUNC254_PADDED, "sha2-256-trunc254-padded");
  checkTrunc254(root, text);
  return root;
}

/** CommR CID → 32-byte little-endian field element. */
export function cidToCommR(cid: CID | string): Uint8Array {
  const c = asCid(cid, "CommR CID");
  const text = `CommR CID ${c.toString()}`;
  const commR = v1Digest(c, text, FIL_COMMITMENT_SEALED, "fil-commitment-sealed", POSEIDON_BLS12_381_A2_FC1, "poseidon-bls12_381-a2-fc1");
  checkCanonicalFr(commR, text);
  return commR;
}

export interface ParsedPieceCid {
  root: Uint8Array;
  version: 1 | 2;
  /** Only v2 carries sizes. */
  paddedSize?: number;
  payloadSize?: number;
}

/** Reads a PieceCID v1 or v2 (FRC-0069). */
export function parsePieceCid(cid: CID | string): ParsedPieceCid {
  const c = asCid(cid, "piece CID");
  const text = `piece CID ${c.toString()}`;
  if (c.version === 1 && c.code === FIL_COMMITMENT_UNSEALED) return { root: cidToCommD(c), version: 1 };
  if (c.version !== 1 || c.code !== RAW_CODEC || c.multihash.code !== FR32_SHA256_TRUNC254_PADBINTREE)
    throw new RangeError(
      `${text} is neither a PieceCID v1 (codec 0xf101, multihash 0x1012) nor a PieceCID v2 (codec 0x55, multihash 0x1011)`,
    );
  const d = c.multihash.digest;
  let padding: bigint;
  let at: number;
  try {
    const v = uvarintDecode(d, 0);
    padding = v.value;
    at = v.length;
  } catch (err) {
    throw new RangeError(`${text}: bad padding varint in the v2 digest: ${(err as Error).message}`, { cause: err });
  }
  if (d.length !== at + 1 + 32)
    throw new RangeError(`${text}: v2 digest is ${d.length} bytes; expected varint + height byte + 32-byte root`);
  const height = d[at]!;
  if (height < 2 || height > MAX_V2_HEIGHT)
    throw new RangeError(`${text}: height ${height} is outside 2 … ${MAX_V2_HEIGHT} (piece sizes 128 B … 2^63 B)`);
  const root = Uint8Array.from(d.subarray(at + 1));
  checkTrunc254(root, text);
  const padded = 2 ** (height + 5);
  const unpadded = BigInt(padded) - BigInt(padded) / 128n;
  if (padding >= unpadded)
    throw new RangeError(`${text}: padding ${padding} leaves no payload in a ${padded}-byte piece`);
  return { root, version: 2, paddedSize: padded, payloadSize: Number(unpadded - padding) };
}

/** Smallest padded piece size 2^k ≥ 128 whose payload capacity (·127/128) holds `payloadSize` bytes. */
export function paddedPieceSizeFor(payloadSize: number): number {
  if (!Number.isSafeInteger(payloadSize) || payloadSize < 0)
    throw new RangeError(`payload size ${String(payloadSize)} must be a non-negative integer`);
  let padded = 128;
  while ((padded / 128) * 127 < payloadSize) padded *= 2;
  return padded;
}

/** PieceCID v2 of a root and its payload size (`bafkzcib…`). */
export function pieceCidV2(root: Uint8Array, payloadSize: number): CID {
  need32(root, "piece root");
  checkTrunc254(root, "piece root");
  if (payloadSize < 1) throw new RangeError(`payload size ${payloadSize} must be at least 1 byte`);
  const padded = paddedPieceSizeFor(payloadSize);
  const height = Math.log2(padded / 32);
  const padding = (padded / 128) * 127 - payloadSize;
  const varint = uvarintEncode(padding);
  const digest = new Uint8Array(varint.length + 33);
  digest.set(varint, 0);
  digest[varint.length] = height;
  digest.set(root, varint.length + 1);
  return CID.createV1(RAW_CODEC, Digest.create(FR32_SHA256_TRUNC254_PADBINTREE, digest));
}

/** Any piece CID (v1 or v2) → PieceCID v1, the form actors and PoRep use. */
export function pieceCidV1(cid: CID | string): CID {
  return commDToCid(parsePieceCid(cid).root);
}
