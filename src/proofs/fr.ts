// The BLS12-381 scalar field Fr (spec/filecoin.md §0): an element is stored as its canonical value in 32
// bytes, little-endian. BigInt arithmetic here serves constant generation and the reference Poseidon;
// the element-wise bulk operations (replica encoding `data + key`, decoding `replica − key`, 16M elements
// for a 512MiB sector) run in the native addon.
import { loadNative } from "./native.js";

export const FR_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
export const FR_BYTES = 32;

const MODULUS_LE = leBytes(FR_MODULUS);

function leBytes(x: bigint): Uint8Array {
  const out = new Uint8Array(FR_BYTES);
  for (let i = 0; i < FR_BYTES; i++, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}

/** True if `b` is 32 bytes holding a value below p. */
export function isCanonicalFr(b: Uint8Array): boolean {
  if (b.length !== FR_BYTES) return false;
  for (let i = FR_BYTES - 1; i >= 0; i--) if (b[i] !== MODULUS_LE[i]) return b[i]! < MODULUS_LE[i]!;
  return false; // equal to p
}

/** The value of a canonical 32-byte little-endian element; throws on another length or a value ≥ p. */
export function frFromLE(b: Uint8Array): bigint {
  if (b.length !== FR_BYTES) throw new RangeError(`an Fr element is ${FR_BYTES} bytes, got ${b.length}`);
  let x = 0n;
  for (let i = FR_BYTES - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]!);
  if (x >= FR_MODULUS) throw new RangeError(`0x${x.toString(16)} is not a canonical Fr element (must be < p)`);
  return x;
}

/** The canonical 32-byte little-endian encoding of `x`, which must be in [0, p). */
export function frToLE(x: bigint): Uint8Array {
  if (x < 0n || x >= FR_MODULUS) throw new RangeError(`${x} is not in [0, p)`);
  return leBytes(x);
}

function checkMany(op: string, a: Uint8Array, b: Uint8Array, out: Uint8Array): void {
  if (a.length % FR_BYTES !== 0 || b.length !== a.length || out.length !== a.length)
    throw new RangeError(
      `${op} takes three arrays of the same length n×32 bytes, got a ${a.length}, b ${b.length}, out ${out.length}`,
    );
}

function throwNotCanonical(op: string, a: Uint8Array, index: number): never {
  const at = index * FR_BYTES;
  const which = isCanonicalFr(a.subarray(at, at + FR_BYTES)) ? "b" : "a";
  throw new RangeError(`${op}: element ${index} of ${which} is not a canonical Fr element (must be < p)`);
}

/** out[i] = (a[i] + b[i]) mod p over n×32-byte LE arrays; inputs must be canonical; out may be a or b. */
export function frAddMany(a: Uint8Array, b: Uint8Array, out: Uint8Array): void {
  checkMany("frAddMany", a, b, out);
  const bad = loadNative().frAddMany(a, b, out);
  if (bad >= 0) throwNotCanonical("frAddMany", a, bad);
}

/** out[i] = (a[i] − b[i]) mod p over n×32-byte LE arrays; inputs must be canonical; out may be a or b. */
export function frSubMany(a: Uint8Array, b: Uint8Array, out: Uint8Array): void {
  checkMany("frSubMany", a, b, out);
  const bad = loadNative().frSubMany(a, b, out);
  if (bad >= 0) throwNotCanonical("frSubMany", a, bad);
}

// BigInt arithmetic mod p (inputs in [0, p)).
export const frAdd = (a: bigint, b: bigint): bigint => (a + b) % FR_MODULUS;
export const frSub = (a: bigint, b: bigint): bigint => (a - b + FR_MODULUS) % FR_MODULUS;
export const frMul = (a: bigint, b: bigint): bigint => (a * b) % FR_MODULUS;

/** a⁻¹ mod p by the extended Euclidean algorithm; throws for 0. */
export function frInv(a: bigint): bigint {
  if (a === 0n) throw new RangeError("0 has no inverse in Fr");
  let [r0, r1] = [FR_MODULUS, a];
  let [s0, s1] = [0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % FR_MODULUS) + FR_MODULUS) % FR_MODULUS;
}
