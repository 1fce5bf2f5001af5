// Filecoin messages as Lotus builds them (lotus chain/types/message.go, signedmessage.go;
// go-state-types crypto/signature.go). A Message is the cbor-gen tuple of its ten fields in
// declaration order; its CID is CIDv1 dag-cbor over blake2b-256 of those bytes. A secp256k1
// SignedMessage's CID covers [Message, Signature]; a BLS one's is the Message's own CID, because
// BLS signatures are aggregated per block and not stored with the message.
import { blake2b } from "@noble/hashes/blake2.js";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { addressBytes, addressFromBytes, formatAddress, parseAddress, type Network } from "./address.js";
import { decodeCbor, encodeCbor, filBigInt, type CborValue, readBytes, readFilBigInt, readInt, readTuple, readUint } from "./cbor.js";

/** Lotus types.MessageVersion: the only version DecodeMessage accepts. */
export const MESSAGE_VERSION = 0;
export const DAG_CBOR_CODEC = 0x71;
export const BLAKE2B_256 = 0xb220;
/** go-state-types crypto.SignatureMaxLength: longer signature byte strings are refused on decode. */
export const SIGNATURE_MAX_LENGTH = 200;

export const SigType = { Secp256k1: 1, BLS: 2 } as const;
export type SigType = (typeof SigType)[keyof typeof SigType];

/** Field names and order as Lotus (and its JSON, spec/filecoin.md §19). Addresses are text. */
export interface Message {
  Version: number;
  To: string;
  From: string;
  Nonce: number;
  Value: bigint;
  GasLimit: number;
  GasFeeCap: bigint;
  GasPremium: bigint;
  Method: number;
  Params: Uint8Array;
}

export interface Signature {
  /** 1 secp256k1, 2 BLS (go-state-types SigType). */
  Type: number;
  Data: Uint8Array;
}

export interface SignedMessage {
  Message: Message;
  Signature: Signature;
}

function addressField(text: string, field: string): Uint8Array {
  try {
    return addressBytes(parseAddress(text));
  } catch (err) {
    throw new RangeError(`Message.${field}: ${(err as Error).message}`, { cause: err });
  }
}

function u64Field(v: number, field: string): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`Message.${field} ${String(v)} must be an unsigned integer below 2^53`);
  return v;
}

function messageTuple(m: Message): CborValue[] {
  if (!Number.isSafeInteger(m.GasLimit)) throw new RangeError(`Message.GasLimit ${String(m.GasLimit)} must be an integer`);
  return [
    u64Field(m.Version, "Version"),
    addressField(m.To, "To"),
    addressField(m.From, "From"),
    u64Field(m.Nonce, "Nonce"),
    filBigInt(m.Value),
    m.GasLimit, // int64
    filBigInt(m.GasFeeCap),
    filBigInt(m.GasPremium),
    u64Field(m.Method, "Method"),
    m.Params,
  ];
}

/** The CBOR bytes Lotus's Message.Serialize() produces. */
export function encodeMessage(m: Message): Uint8Array {
  return encodeCbor(messageTuple(m));
}

function readAddress(v: unknown, path: string, network: Network): string {
  try {
    return formatAddress(addressFromBytes(readBytes(v, path)), network);
  } catch (err) {
    throw new RangeError(`${path}: ${(err as Error).message}`, { cause: err });
  }
}

function messageFromTuple(v: unknown, path: string, network: Network): Message {
  const t = readTuple(v, 10, path);
  const version = readUint(t[0], `${path}.Version`);
  // Lotus DecodeMessage: "decoded message had incorrect version".
  if (version !== MESSAGE_VERSION) throw new RangeError(`${path}.Version is ${version}; only version ${MESSAGE_VERSION} exists`);
  return {
    Version: version,
    To: readAddress(t[1], `${path}.To`, network),
    From: readAddress(t[2], `${path}.From`, network),
    Nonce: readUint(t[3], `${path}.Nonce`),
    Value: readFilBigInt(t[4], `${path}.Value`),
    GasLimit: readInt(t[5], `${path}.GasLimit`),
    GasFeeCap: readFilBigInt(t[6], `${path}.GasFeeCap`),
    GasPremium: readFilBigInt(t[7], `${path}.GasPremium`),
    Method: readUint(t[8], `${path}.Method`),
    Params: readBytes(t[9], `${path}.Params`),
  };
}

/** Inverse of encodeMessage; addresses come back with the given network letter (default "t"). */
export function decodeMessage(bytes: Uint8Array, network: Network = "t"): Message {
  return messageFromTuple(decodeCbor(bytes), "Message", network);
}

/** CIDv1 dag-cbor with a blake2b-256 multihash (abi.CidBuilder), the CID of every chain object. */
export function dagCborCid(bytes: Uint8Array): CID {
  return CID.createV1(DAG_CBOR_CODEC, Digest.create(BLAKE2B_256, blake2b(bytes, { dkLen: 32 })));
}

export function messageCid(m: Message): CID {
  return dagCborCid(encodeMessage(m));
}

/** Signature CBOR: one byte string, type byte ‖ data. */
export function signatureBytes(s: Signature): Uint8Array {
  if (!Number.isInteger(s.Type) || s.Type < 0 || s.Type > 255) throw new RangeError(`Signature.Type ${String(s.Type)} must be a byte`);
  const out = new Uint8Array(s.Data.length + 1);
  out[0] = s.Type;
  out.set(s.Data, 1);
  return out;
}

function readSignature(v: unknown, path: string): Signature {
  const b = readBytes(v, path);
  if (b.length === 0) throw new RangeError(`${path}: empty signature bytes; expected a type byte then the signature`);
  if (b.length > SIGNATURE_MAX_LENGTH) throw new RangeError(`${path}: ${b.length} bytes exceeds the ${SIGNATURE_MAX_LENGTH}-byte limit`);
  return { Type: b[0]!, Data: b.slice(1) };
}

export function encodeSignedMessage(sm: SignedMessage): Uint8Array {
  return encodeCbor([messageTuple(sm.Message), signatureBytes(sm.Signature)]);
}

export function decodeSignedMessage(bytes: Uint8Array, network: Network = "t"): SignedMessage {
  const t = readTuple(decodeCbor(bytes), 2, "SignedMessage");
  return { Message: messageFromTuple(t[0], "SignedMessage.Message", network), Signature: readSignature(t[1], "SignedMessage.Signature") };
}

/** The CID Lotus gives a signed message: of [Message, Signature], except BLS (the message's CID). */
export function signedMessageCid(sm: SignedMessage): CID {
  if (sm.Signature.Type === SigType.BLS) return messageCid(sm.Message);
  return dagCborCid(encodeSignedMessage(sm));
}
