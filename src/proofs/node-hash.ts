// The SHA-256-trunc254 node function H(a, b) = trunc(sha256(a ‖ b)) (spec/filecoin.md §0), one pair at a
// time and a whole tree level at a time. Levels go through @chainsafe/hashtree's batched native SHA-256:
// it hashes many 64-byte blocks per call, which is what keeps CommP and tree_d near the machine's limit.
import { hashInto } from "@chainsafe/hashtree";
import { hash } from "node:crypto";

export const NODE_BYTES = 32;

/** H(a, b) for two 32-byte nodes: a fresh 32-byte node. */
export function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== NODE_BYTES || b.length !== NODE_BYTES)
    throw new RangeError(`hashPair takes two 32-byte nodes, got ${a.length} and ${b.length} bytes`);
  const input = new Uint8Array(64);
  input.set(a, 0);
  input.set(b, 32);
  const out = new Uint8Array(hash("sha256", input, "buffer"));
  out[31]! &= 0x3f;
  return out;
}

/**
 * Hashes one tree level: `input` holds 2k nodes (pairs left ‖ right), `out` receives the k parents.
 * `out` must not overlap `input`.
 */
export function hashLevel(input: Uint8Array, out: Uint8Array): void {
  if (input.length % 64 !== 0 || out.length * 2 !== input.length)
    throw new RangeError(
      `hashLevel needs 2k nodes in and k nodes out, got ${input.length} and ${out.length} bytes`,
    );
  hashInto(input, out);
  // trunc254 of every parent: clearing bits 254 and 255 is the only difference from plain SHA-256.
  for (let i = 31; i < out.length; i += 32) out[i]! &= 0x3f;
}
