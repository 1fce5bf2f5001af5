// Two-way zod codecs between the JSON wire forms of Lotus / go-jsonrpc (spec/filecoin.md §19, spec/protocols.md
// §1.2) and the values our code works with. `z.decode` turns JSON into values, `z.encode` the reverse; every
// rejection carries a message that, with the issue path, names the offending field for a -32602.

import { CID } from "multiformats/cid";
import { z } from "zod";
import { parseAddress } from "../filecoin/address.js";
import { BitField } from "../filecoin/bitfield.js";

type Ctx = { issues: { push(issue: { code: "custom"; message: string; input: unknown }): void } };

function reject(ctx: Ctx, input: unknown, message: string): never {
  ctx.issues.push({ code: "custom", message, input });
  return z.NEVER;
}

const detail = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

// ---- integers: JSON numbers, rejected (never rounded) outside ±(2^53−1) ----

/** A JSON integer within ±(2^53−1); larger values are rejected, never rounded. */
export const SafeInt = z.int({ error: "expected an integer within ±(2^53−1)" });
/** A non-negative SafeInt (sizes, counts, sector numbers, deal ids). */
export const Uint = SafeInt.min(0, { error: "expected a non-negative integer within 2^53−1" });
/** A chain epoch. */
export const Epoch = SafeInt;

// ---- bytes ----

const BASE64_STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Go `[]byte`: standard base64 with padding ↔ Uint8Array. */
export const Base64Bytes = z.codec(z.string({ error: "expected base64 string" }), z.custom<Uint8Array>(isBytes, { error: "expected Uint8Array" }), {
  decode: (s, ctx) => {
    if (!BASE64_STD.test(s)) return reject(ctx, s, "expected standard base64 with padding");
    return new Uint8Array(Buffer.from(s, "base64"));
  },
  encode: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64"),
});

/** Go `[32]byte` (the manager's CommR, CommD, WdPoSt seed): array of exactly 32 integers 0–255 ↔ Uint8Array. */
export const Bytes32Array = z.codec(
  z.array(z.int().min(0).max(255), { error: "expected an array of 32 bytes" }).length(32, { error: "expected exactly 32 bytes" }),
  z.custom<Uint8Array>((v) => isBytes(v) && v.length === 32, { error: "expected a 32-byte Uint8Array" }),
  {
    decode: (a) => Uint8Array.from(a),
    encode: (b) => Array.from(b),
  },
);

// ---- big integers ----

/** Lotus caps serialized big ints at 128 bytes (1024 bits ≈ 309 digits); the cap also bounds BigInt() work. */
const MAX_BIGINT_DIGITS = 310;
const DECIMAL = /^-?\d+$/;

/** Lotus `big.Int`: decimal string with an optional minus ↔ bigint. */
export const BigIntString = z.codec(z.string({ error: "expected a decimal integer string" }), z.bigint({ error: "expected bigint" }), {
  decode: (s, ctx) => {
    if (!DECIMAL.test(s) || s.length > MAX_BIGINT_DIGITS + 1) return reject(ctx, s, "expected a decimal integer string");
    return BigInt(s);
  },
  encode: (v) => v.toString(10),
});

// ---- CIDs and tipset keys ----

const isCidJson = (v: unknown): v is { "/": string } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as Record<string, unknown>)["/"] === "string";

/** `{"/": "<cid text>"}` ↔ multiformats CID. */
export const CidJson = z.codec(
  z.custom<{ "/": string }>(isCidJson, { error: 'expected {"/": cid}' }),
  z.custom<CID>((v) => CID.asCID(v) !== null, { error: "expected CID" }),
  {
    decode: (j, ctx) => {
      try {
        return CID.parse(j["/"]);
      } catch (e) {
        return reject(ctx, j, `expected {"/": cid}: ${detail(e)}`);
      }
    },
    encode: (c) => ({ "/": c.toString() }),
  },
);

/** A Go `cid.Cid` that may be undefined: `null` ↔ null. */
export const NullableCidJson = CidJson.nullable();

/** Lotus TipSetKey: array of CIDs, or null ↔ CID[]; null and [] both mean the current head. */
export const TipSetKeyJson = z.codec(
  z.array(CidJson, { error: 'expected a tipset key: [{"/": cid}, …] or null' }).nullable(),
  z.array(z.custom<CID>((v) => CID.asCID(v) !== null, { error: "expected CID" })),
  {
    decode: (cids) => cids ?? [],
    encode: (cids) => cids,
  },
);

// ---- bitfields ----

/** go-bitfield JSON: run lengths starting with an absent run (null = empty) ↔ BitField. */
export const BitFieldJson = z.codec(
  z.array(Uint, { error: "expected a bitfield run array" }).nullable(),
  z.custom<BitField>((v) => v instanceof BitField, { error: "expected BitField" }),
  {
    decode: (runs, ctx) => {
      try {
        return runs === null ? BitField.EMPTY : BitField.fromLotusJson(runs);
      } catch (e) {
        return reject(ctx, runs, `expected a bitfield run array: ${detail(e)}`);
      }
    },
    encode: (bf) => bf.toLotusJson(),
  },
);

// ---- addresses ----

/** Filecoin address text (checked with parseAddress, checksum included) ↔ the same string. */
export const AddressString = z.string({ error: "expected an address string" }).superRefine((s, ctx) => {
  try {
    parseAddress(s);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: detail(e), input: s });
  }
});
