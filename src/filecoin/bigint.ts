// Filecoin BigInt (spec/filecoin.md §18.2) and attoFIL/FIL text helpers.
// Bytes: empty for 0, else sign byte (00 positive, 01 negative) ‖ big-endian magnitude without
// leading zeros; go-state-types big/int.go caps the serialized form at 128 bytes.
import type { AttoFIL } from "./ids.js";

export const BIGINT_MAX_SERIALIZED_LEN = 128;
export const ATTO_PER_FIL = 10n ** 18n;

export function bigIntToBytes(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  let mag = v < 0n ? -v : v;
  const digits: number[] = [];
  while (mag > 0n) {
    digits.push(Number(mag & 0xffn));
    mag >>= 8n;
  }
  if (digits.length + 1 > BIGINT_MAX_SERIALIZED_LEN)
    throw new RangeError(`big integer of ${digits.length} bytes exceeds the ${BIGINT_MAX_SERIALIZED_LEN}-byte limit`);
  const out = new Uint8Array(digits.length + 1);
  out[0] = v < 0n ? 1 : 0;
  for (let i = 0; i < digits.length; i++) out[digits.length - i] = digits[i]!;
  return out;
}

/** Accepts what go-state-types accepts: empty = 0, sign byte 0 or 1, any magnitude up to the length cap. */
export function bigIntFromBytes(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  if (b.length > BIGINT_MAX_SERIALIZED_LEN)
    throw new RangeError(`big integer byte string of ${b.length} bytes exceeds ${BIGINT_MAX_SERIALIZED_LEN}`);
  const sign = b[0];
  if (sign !== 0 && sign !== 1) throw new RangeError(`big integer sign byte must be 0 or 1, got ${String(sign)}`);
  let mag = 0n;
  for (let i = 1; i < b.length; i++) mag = (mag << 8n) | BigInt(b[i]!);
  return sign === 1 ? -mag : mag;
}

/** Parses a Lotus JSON attoFIL amount: a decimal integer string, optionally negative. */
export function parseAttoFil(text: string): AttoFIL {
  if (!/^-?\d+$/.test(text)) throw new RangeError(`invalid attoFIL amount "${text}": expected a decimal integer string`);
  return BigInt(text);
}

/** Lotus JSON form of an attoFIL amount: its decimal string. */
export function formatAttoFil(v: AttoFIL): string {
  return v.toString(10);
}

/**
 * Parses a FIL amount as people type it: "1.5", "1.5 FIL", "0.25fil", or an attoFIL integer with
 * the unit "attoFIL"/"aFIL" ("1000 attoFIL"). More than 18 decimals is an error, not a rounding.
 */
export function parseFil(text: string): AttoFIL {
  const m = /^\s*(-?)(\d+)(?:\.(\d+))?\s*(fil|attofil|afil)?\s*$/i.exec(text);
  if (!m) throw new RangeError(`invalid FIL amount "${text}": expected e.g. "1.5", "1.5 FIL" or "1000 attoFIL"`);
  const [, neg, whole, frac = "", unit = "fil"] = m;
  let atto: bigint;
  if (unit.toLowerCase() === "fil") {
    if (frac.length > 18) throw new RangeError(`invalid FIL amount "${text}": more than 18 decimals`);
    atto = BigInt(whole!) * ATTO_PER_FIL + BigInt(frac.padEnd(18, "0"));
  } else {
    if (frac !== "") throw new RangeError(`invalid FIL amount "${text}": attoFIL must be an integer`);
    atto = BigInt(whole!);
  }
  return neg === "-" ? -atto : atto;
}

/** 1500000000000000000n → "1.5 FIL"; trailing zeros trimmed, exact (no rounding). */
export function formatFil(v: AttoFIL): string {
  const neg = v < 0n;
  const mag = neg ? -v : v;
  const whole = mag / ATTO_PER_FIL;
  const frac = (mag % ATTO_PER_FIL).toString().padStart(18, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? "." + frac : ""} FIL`;
}
