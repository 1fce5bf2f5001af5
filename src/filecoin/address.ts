// Filecoin addresses (spec/filecoin.md §3): text `<network><protocol><payload>`, bytes `protocol ‖ payload`.
// ID addresses (protocol 0) carry uvarint(id); secp256k1 (1), actor (2) and BLS (3) carry a hash or
// key whose text form is base32(payload ‖ checksum); delegated (4) is `f4<namespace>f<base32(sub ‖ checksum)>`.
import { blake2b } from "@noble/hashes/blake2.js";
import { base32 } from "multiformats/bases/base32";
import { encodeCbor } from "./cbor.js";
import { uvarintDecode, uvarintEncode } from "./ids.js";

export type Network = "f" | "t";
export const AddressProtocol = { ID: 0, Secp256k1: 1, Actor: 2, BLS: 3, Delegated: 4 } as const;
export type AddressProtocol = (typeof AddressProtocol)[keyof typeof AddressProtocol];

export interface Address {
  protocol: AddressProtocol;
  /** Everything after the protocol byte in the byte form. */
  payload: Uint8Array;
}

export interface ParsedAddress extends Address {
  network: Network;
  /** Actor id, for protocol 0 only. */
  id?: number;
}

// go-address bounds: IDs below 2^63, secp/actor payloads 20 bytes, BLS 48, delegated sub-address ≤ 54.
const MAX_ID = (1n << 63n) - 1n;
const PAYLOAD_LEN: Partial<Record<AddressProtocol, number>> = { 1: 20, 2: 20, 3: 48 };
const MAX_SUBADDRESS_LEN = 54;
const CHECKSUM_LEN = 4;

export function idAddress(id: number | bigint): Address {
  const v = BigInt(id);
  if (v < 0n || v > MAX_ID) throw new RangeError(`actor id ${String(id)} is outside 0..2^63-1`);
  return { protocol: 0, payload: uvarintEncode(v) };
}

/** Byte form: protocol byte ‖ payload (`t01000` → 00 e8 07). */
export function addressBytes(a: Address): Uint8Array {
  const out = new Uint8Array(a.payload.length + 1);
  out[0] = a.protocol;
  out.set(a.payload, 1);
  return out;
}

export function idAddressBytes(id: number | bigint): Uint8Array {
  return addressBytes(idAddress(id));
}

/** `formatIdAddress(1000, "t")` → "t01000". */
export function formatIdAddress(id: number | bigint, network: Network): string {
  idAddress(id); // range check
  return `${network}0${BigInt(id).toString(10)}`;
}

const checksum = (bytes: Uint8Array): Uint8Array => blake2b(bytes, { dkLen: CHECKSUM_LEN });

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The id of an ID address, as a number (actor ids stay far below 2^53). */
export function addressId(a: Address): number {
  if (a.protocol !== 0) throw new RangeError(`address of protocol ${a.protocol} has no actor id`);
  const { value, length } = uvarintDecode(a.payload);
  if (length !== a.payload.length) throw new RangeError("ID address payload has trailing bytes");
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`actor id ${value} exceeds 2^53`);
  return Number(value);
}

export function formatAddress(a: Address, network: Network): string {
  switch (a.protocol) {
    case 0:
      return `${network}0${addressId(a)}`;
    case 4: {
      const { value: ns, length } = uvarintDecode(a.payload);
      const sub = a.payload.subarray(length);
      return `${network}4${ns}f${b32(concat(sub, checksum(addressBytes(a))))}`;
    }
    default:
      return `${network}${a.protocol}${b32(concat(a.payload, checksum(addressBytes(a))))}`;
  }
}

/** Parses any address text; checks lengths and checksums. Error messages name the bad part. */
export function parseAddress(text: string): ParsedAddress {
  const bad = (why: string): RangeError =>
    new RangeError(`invalid address "${text}": ${why}; expected e.g. t01000, f1…, f3…, f410f…`);
  const network = text[0];
  if (network !== "f" && network !== "t") throw bad("network must be f or t");
  const protocol = Number(text[1]);
  if (text.length < 3 || !/^[0-4]$/.test(text[1]!)) throw bad("protocol must be a digit 0..4");
  const raw = text.slice(2);
  if (protocol === 0) {
    if (!/^\d{1,20}$/.test(raw)) throw bad("ID payload must be decimal digits");
    const v = BigInt(raw);
    if (v > MAX_ID) throw bad("actor id must be below 2^63");
    return { network, protocol: 0, payload: uvarintEncode(v), id: v > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(v) };
  }
  if (protocol === 4) {
    const m = /^(\d{1,20})f([a-z2-7]+)$/.exec(raw);
    if (!m) throw bad("delegated form is f4<namespace>f<base32>");
    const ns = BigInt(m[1]!);
    const body = unb32(m[2]!, bad);
    if (body.length < CHECKSUM_LEN || body.length - CHECKSUM_LEN > MAX_SUBADDRESS_LEN) throw bad("bad sub-address length");
    const payload = concat(uvarintEncode(ns), body.subarray(0, body.length - CHECKSUM_LEN));
    const a: Address = { protocol: 4, payload };
    if (!sameBytes(checksum(addressBytes(a)), body.subarray(body.length - CHECKSUM_LEN))) throw bad("checksum mismatch");
    return { network, ...a };
  }
  const body = unb32(raw, bad);
  const len = PAYLOAD_LEN[protocol as AddressProtocol]!;
  if (body.length !== len + CHECKSUM_LEN) throw bad(`payload must be ${len} bytes`);
  const a: Address = { protocol: protocol as AddressProtocol, payload: body.subarray(0, len) };
  if (!sameBytes(checksum(addressBytes(a)), body.subarray(len))) throw bad("checksum mismatch");
  return { network, ...a };
}

/** Inverse of addressBytes; checks the payload length of each protocol. */
export function addressFromBytes(bytes: Uint8Array): Address {
  const protocol = bytes[0];
  if (protocol === undefined || protocol > 4) throw new RangeError(`invalid address bytes: protocol byte ${String(protocol)}`);
  const payload = bytes.subarray(1);
  if (protocol === 0) {
    const { value, length } = uvarintDecode(payload);
    if (length !== payload.length || value > MAX_ID) throw new RangeError("invalid ID address bytes");
  } else if (protocol === 4) {
    const { length } = uvarintDecode(payload);
    if (payload.length - length > MAX_SUBADDRESS_LEN) throw new RangeError("delegated sub-address longer than 54 bytes");
  } else if (payload.length !== PAYLOAD_LEN[protocol as AddressProtocol]) {
    throw new RangeError(`invalid address bytes: protocol ${protocol} needs ${PAYLOAD_LEN[protocol as AddressProtocol]} payload bytes, got ${payload.length}`);
  }
  return { protocol: protocol as AddressProtocol, payload: payload.slice() };
}

/**
 * Randomness entropy for a miner: the CBOR encoding of its ID address, a byte string
 * (`t01000` → 43 00 e8 07). Lotus and the actors draw seal and PoSt randomness with it.
 */
export function minerEntropy(actorId: number | bigint): Uint8Array {
  return encodeCbor(idAddressBytes(actorId));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const b32 = (b: Uint8Array): string => base32.baseEncode(b);

function unb32(s: string, bad: (why: string) => Error): Uint8Array {
  try {
    return base32.baseDecode(s);
  } catch {
    throw bad("payload is not lowercase base32");
  }
}
