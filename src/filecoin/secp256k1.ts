// secp256k1 keys, f1 addresses and signatures as Lotus makes them (lotus lib/sigs/secp/init.go,
// filecoin-project/go-crypto, go-address): the signed digest is blake2b-256 of the data (for a
// message, its CID bytes); the signature is 65 bytes r ‖ s ‖ v with the recovery id v in byte 64;
// verification recovers the public key and compares its f1 address with the sender's.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { AddressProtocol, addressBytes, parseAddress, type Address } from "./address.js";

export const SECP_PRIVATE_KEY_LEN = 32;
export const SECP_PUBLIC_KEY_LEN = 65;
export const SECP_SIGNATURE_LEN = 65;
/** go-address: a protocol-1 payload is blake2b-160 of the uncompressed public key. */
const PAYLOAD_HASH_LEN = 20;

export interface SecpKeyPair {
  privateKey: Uint8Array;
  /** Uncompressed, 65 bytes starting with 04 (go-crypto PublicKey). */
  publicKey: Uint8Array;
  address: Address;
}

function checkPrivateKey(privateKey: Uint8Array): void {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== SECP_PRIVATE_KEY_LEN)
    throw new RangeError(`secp256k1 private key must be ${SECP_PRIVATE_KEY_LEN} bytes`);
  if (!secp256k1.utils.isValidSecretKey(privateKey))
    throw new RangeError("secp256k1 private key must be in 1 … n-1 (the curve order)");
}

export function secpKeyPair(privateKey: Uint8Array): SecpKeyPair {
  checkPrivateKey(privateKey);
  const publicKey = secp256k1.getPublicKey(privateKey, false);
  return { privateKey: Uint8Array.from(privateKey), publicKey, address: secpAddress(publicKey) };
}

/** f1/t1 address of an uncompressed public key. */
export function secpAddress(publicKey: Uint8Array): Address {
  if (publicKey.length !== SECP_PUBLIC_KEY_LEN || publicKey[0] !== 4)
    throw new RangeError(`secp256k1 public key must be ${SECP_PUBLIC_KEY_LEN} bytes, uncompressed (04 ‖ x ‖ y), got ${publicKey.length} bytes`);
  return { protocol: AddressProtocol.Secp256k1, payload: blake2b(publicKey, { dkLen: PAYLOAD_HASH_LEN }) };
}

const digestOf = (data: Uint8Array): Uint8Array => blake2b(data, { dkLen: 32 });

/**
 * Signs `data` (a message's CID bytes, or any bytes for WalletSign): RFC 6979 nonce, low S,
 * 65 bytes r ‖ s ‖ v.
 */
export function signMessageCid(privateKey: Uint8Array, data: Uint8Array): Uint8Array {
  checkPrivateKey(privateKey);
  // noble's "recovered" form puts the recovery byte first; Lotus puts it last.
  const vrs = secp256k1.sign(digestOf(data), privateKey, { prehash: false, format: "recovered", lowS: true });
  const out = new Uint8Array(SECP_SIGNATURE_LEN);
  out.set(vrs.subarray(1), 0);
  out[64] = vrs[0]!;
  return out;
}

/** The uncompressed public key that made `sig` over `data`, or null when none can. */
export function recoverSecpPublicKey(sig: Uint8Array, data: Uint8Array): Uint8Array | null {
  if (sig.length !== SECP_SIGNATURE_LEN || sig[64]! > 3) return null;
  try {
    const parsed = secp256k1.Signature.fromBytes(Uint8Array.of(sig[64]!, ...sig.subarray(0, 64)), "recovered");
    // High-S copies are refused: go-crypto signs with RejectMalleable, and a flipped S would give
    // the same signed message a second CID.
    if (parsed.hasHighS()) return null;
    return parsed.recoverPublicKey(digestOf(data)).toBytes(false);
  } catch {
    return null;
  }
}

/** True when `sig` is a signature over `data` by the key of the f1 `address` (text or parsed). */
export function verifySecpSignature(sig: Uint8Array, data: Uint8Array, address: Address | string): boolean {
  const want = typeof address === "string" ? parseAddress(address) : address;
  if (want.protocol !== AddressProtocol.Secp256k1) return false;
  const pub = recoverSecpPublicKey(sig, data);
  if (!pub) return false;
  const got = addressBytes(secpAddress(pub));
  const exp = addressBytes(want);
  return got.length === exp.length && got.every((b, i) => b === exp[i]);
}
