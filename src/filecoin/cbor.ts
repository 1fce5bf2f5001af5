// DAG-CBOR as cbor-gen writes actor params (spec/filecoin.md §18.1): tuples are arrays, integers
// take the shortest form, CIDs are tag 42 around 00 ‖ CID bytes, nil is f6, []byte is a byte string.
// Value mapping: number and bigint → CBOR integer; Uint8Array → bytes; CID → tag 42; null → f6;
// FilBigInt → Filecoin BigInt bytes (§18.2). Floats and undefined are refused.
import { Token, Type, decode as cborgDecode, encode as cborgEncode } from "cborg";
import type { TagDecoder, TypeEncoder } from "cborg";
import { CID } from "multiformats/cid";
import { bigIntFromBytes, bigIntToBytes } from "./bigint.js";

export const CID_CBOR_TAG = 42;

/** A Filecoin BigInt (token amount, power) to be encoded as its byte form, not as a CBOR integer. */
export class FilBigInt {
  constructor(readonly value: bigint) {}
}
export const filBigInt = (v: bigint): FilBigInt => new FilBigInt(v);

export type CborValue =
  | number
  | bigint
  | boolean
  | null
  | string
  | Uint8Array
  | CID
  | FilBigInt
  | readonly CborValue[]
  | { readonly [key: string]: CborValue };

const U64_MAX = (1n << 64n) - 1n;

const typeEncoders: Record<string, TypeEncoder> = {
  Object(obj: unknown) {
    if (obj instanceof FilBigInt) return [new Token(Type.bytes, bigIntToBytes(obj.value))];
    const cid = CID.asCID(obj);
    if (!cid) return null;
    const bytes = new Uint8Array(cid.bytes.length + 1);
    bytes.set(cid.bytes, 1); // leading 00 = identity multibase prefix (DAG-CBOR rule)
    return [new Token(Type.tag, CID_CBOR_TAG), new Token(Type.bytes, bytes)];
  },
  number(n: number) {
    if (!Number.isSafeInteger(n)) throw new RangeError(`CBOR: ${String(n)} is not a safe integer; Filecoin uses no floats`);
    return null;
  },
  bigint(n: bigint) {
    if (n > U64_MAX || n < -(U64_MAX + 1n)) throw new RangeError(`CBOR: integer ${n} does not fit 64 bits`);
    return null;
  },
  undefined() {
    throw new TypeError("CBOR: undefined cannot be encoded (use null)");
  },
};

export function encodeCbor(value: CborValue): Uint8Array {
  return cborgEncode(value, { typeEncoders });
}

const tags: TagDecoder[] = [];
tags[CID_CBOR_TAG] = (bytes: unknown): CID => {
  if (!(bytes instanceof Uint8Array) || bytes[0] !== 0)
    throw new RangeError("CBOR: tag 42 must wrap a byte string starting with 00");
  return CID.decode(bytes.subarray(1));
};

/** Decoded values: numbers (bigint above 2^53), Uint8Array, CID, null, booleans, strings, plain arrays. */
export type CborDecoded = unknown;

/** Strict DAG-CBOR decode: minimal integers, no indefinite lengths, no undefined, no duplicate keys. */
export function decodeCbor(bytes: Uint8Array): CborDecoded {
  return cborgDecode(bytes, {
    tags,
    strict: true,
    allowIndefinite: false,
    allowUndefined: false,
    allowNaN: false,
    allowInfinity: false,
    rejectDuplicateMapKeys: true,
  });
}

// ---- readers for typed tuple decoders; `path` names the field in errors ----

export function readTuple(v: unknown, length: number, path: string): unknown[] {
  if (!Array.isArray(v)) throw new TypeError(`${path}: expected a CBOR array (tuple of ${length}), got ${describe(v)}`);
  if (v.length !== length) throw new RangeError(`${path}: expected a tuple of ${length} fields, got ${v.length}`);
  return v;
}

export function readArray<T>(v: unknown, path: string, item: (x: unknown, path: string) => T): T[] {
  if (!Array.isArray(v)) throw new TypeError(`${path}: expected a CBOR array, got ${describe(v)}`);
  return v.map((x, i) => item(x, `${path}[${i}]`));
}

/** Unsigned integer that fits a JS number (sector numbers, deadlines, ids). */
export function readUint(v: unknown, path: string): number {
  const n = readInt(v, path);
  if (n < 0) throw new RangeError(`${path}: expected an unsigned integer, got ${n}`);
  return n;
}

/** Signed integer that fits a JS number (epochs). */
export function readInt(v: unknown, path: string): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "bigint") throw new RangeError(`${path}: integer ${v} exceeds 2^53`);
  throw new TypeError(`${path}: expected an integer, got ${describe(v)}`);
}

export function readBytes(v: unknown, path: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new TypeError(`${path}: expected a byte string, got ${describe(v)}`);
}

export function readBool(v: unknown, path: string): boolean {
  if (typeof v === "boolean") return v;
  throw new TypeError(`${path}: expected a boolean, got ${describe(v)}`);
}

export function readCid(v: unknown, path: string): CID {
  const cid = CID.asCID(v);
  if (cid) return cid;
  throw new TypeError(`${path}: expected a CID (tag 42), got ${describe(v)}`);
}

export function readNullable<T>(v: unknown, path: string, read: (x: unknown, path: string) => T): T | null {
  return v === null ? null : read(v, path);
}

export function readFilBigInt(v: unknown, path: string): bigint {
  try {
    return bigIntFromBytes(readBytes(v, path));
  } catch (e) {
    throw new RangeError(`${path}: ${(e as Error).message}`, { cause: e });
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (CID.asCID(v)) return "a CID";
  return typeof v;
}
