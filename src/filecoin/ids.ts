// Identifiers (spec/filecoin.md §3): branded numbers, porep_id, prover_id, replica_id, uvarint.
import { createHash } from "node:crypto";

export type ActorID = number & { readonly __brand: "ActorID" };
export type SectorNumber = number & { readonly __brand: "SectorNumber" };
export type ChainEpoch = number & { readonly __brand: "ChainEpoch" };
/** Token amounts are never a number. */
export type AttoFIL = bigint;

const U64_MAX = (1n << 64n) - 1n;

function toU64(n: number | bigint, what: string): bigint {
  if (typeof n === "number" && !Number.isSafeInteger(n))
    throw new RangeError(`${what} ${String(n)} is not a safe integer`);
  const v = BigInt(n);
  if (v < 0n || v > U64_MAX) throw new RangeError(`${what} ${String(n)} is outside 0..2^64-1`);
  return v;
}

/** Unsigned LEB128: 7 bits per byte, low group first, high bit = continuation. */
export function uvarintEncode(n: number | bigint): Uint8Array {
  let v = toU64(n, "uvarint value");
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** Decodes a minimal u64 uvarint at `offset`; rejects truncation, overflow and non-minimal forms. */
export function uvarintDecode(b: Uint8Array, offset = 0): { value: bigint; length: number } {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    const byte = b[offset + i];
    if (byte === undefined) throw new RangeError(`truncated uvarint at offset ${offset}`);
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) {
      if (value > U64_MAX) throw new RangeError(`uvarint at offset ${offset} overflows u64`);
      if (byte === 0 && i > 0) throw new RangeError(`non-minimal uvarint at offset ${offset}`);
      return { value, length: i + 1 };
    }
  }
  throw new RangeError(`uvarint at offset ${offset} overflows u64`);
}

/** Clears the two top bits of byte 31 (so the node is below 2^254 < p) in place and returns it. */
export function trunc254(d: Uint8Array): Uint8Array {
  d[31]! &= 0x3f;
  return d;
}

/** porep_id = u64le(seal proof id) ‖ u64le(nonce) ‖ 16 zero bytes. */
export function porepId(sealProofId: number, nonce = 0): Uint8Array {
  const out = new Uint8Array(32);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, toU64(sealProofId, "seal proof id"), true);
  dv.setBigUint64(8, toU64(nonce, "porep nonce"), true);
  return out;
}

/** prover_id = uvarint(actor id) (the ID address payload), right-padded with zeros to 32 bytes. */
export function proverId(actorId: number | bigint): Uint8Array {
  const out = new Uint8Array(32);
  out.set(uvarintEncode(actorId));
  return out;
}

export interface ReplicaIdInput {
  proverId: Uint8Array;
  /** SealingNumber for NI PoRep. */
  sectorNumber: number | bigint;
  ticket: Uint8Array;
  commD: Uint8Array;
  porepId: Uint8Array;
}

function need32(b: Uint8Array, field: string): Uint8Array {
  if (b.length !== 32) throw new RangeError(`${field} must be 32 bytes, got ${b.length}`);
  return b;
}

/** replica_id = trunc(sha256(prover_id ‖ u64be(sector) ‖ ticket ‖ comm_d ‖ porep_id)). */
export function replicaId(input: ReplicaIdInput): Uint8Array {
  const sector = new Uint8Array(8);
  new DataView(sector.buffer).setBigUint64(0, toU64(input.sectorNumber, "sector number"), false);
  const h = createHash("sha256");
  h.update(need32(input.proverId, "proverId"));
  h.update(sector);
  h.update(need32(input.ticket, "ticket"));
  h.update(need32(input.commD, "commD"));
  h.update(need32(input.porepId, "porepId"));
  return trunc254(new Uint8Array(h.digest()));
}

const asBrand =
  <T extends number>(what: string) =>
  (n: number): T => {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} ${String(n)} must be a non-negative safe integer`);
    return n as T;
  };

export const actorId = asBrand<ActorID>("actor id");
export const sectorNumber = asBrand<SectorNumber>("sector number");
export function chainEpoch(n: number): ChainEpoch {
  if (!Number.isSafeInteger(n)) throw new RangeError(`chain epoch ${String(n)} must be a safe integer`);
  return n as ChainEpoch;
}
