// Poseidon hashes per second on one core: the native batch path (poseidonHashMany) for arities 2, 8 and
// 11 (tree_r_last, tree_c of 8-ary sectors), against the BigInt reference measured in the same run.
// Rates are per second of this thread's CPU time, so a busy machine does not understate them; the
// wall-clock rates are in the notes.
import { saveResult, type Benchmark } from "./harness.js";
import { FR_MODULUS, frToLE } from "../src/proofs/fr.js";
import { poseidonHashMany, type PoseidonArity } from "../src/proofs/poseidon.js";
import { poseidonHashReference } from "../src/proofs/poseidon-reference.js";

interface Rate {
  cpu: number;
  wall: number;
}

function measure(count: number, fn: () => void): Rate {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { cpu: count / ((c.user + c.system) / 1e6), wall: count / wall };
}

function inputs(arity: number, count: number): bigint[] {
  // a multiplicative sequence spreads values over the whole field
  let x = 0x1234567890abcdefn;
  return Array.from({ length: arity * count }, () => (x = (x * 0x9e3779b97f4a7c15n + 1n) % FR_MODULUS));
}

function nativeRate(arity: PoseidonArity, count: number): Rate {
  const xs = inputs(arity, count);
  const input = new Uint8Array(xs.length * 32);
  xs.forEach((x, i) => input.set(frToLE(x), i * 32));
  const out = new Uint8Array(count * 32);
  poseidonHashMany(arity, input.subarray(0, arity * 32 * 100), out.subarray(0, 32 * 100)); // warm up
  return measure(count, () => poseidonHashMany(arity, input, out));
}

function referenceRate(arity: number, count: number): Rate {
  const xs = inputs(arity, count);
  poseidonHashReference(xs.slice(0, arity)); // constants
  return measure(count, () => {
    for (let i = 0; i < count; i++) poseidonHashReference(xs.slice(i * arity, (i + 1) * arity));
  });
}

const bench: Benchmark = {
  async run() {
    const arity8 = nativeRate(8, 40_000);
    const arity11 = nativeRate(11, 30_000);
    const arity2 = nativeRate(2, 100_000);
    const reference8 = referenceRate(8, 600);
    return saveResult({
      name: "poseidon",
      figures: {
        arity8_per_s: Math.round(arity8.cpu),
        arity11_per_s: Math.round(arity11.cpu),
        arity2_per_s: Math.round(arity2.cpu),
      },
      ratios: { speedup_vs_bigint: Number((arity8.cpu / reference8.cpu).toFixed(1)) },
      notes: {
        method: "one thread; hashes per second of the thread's CPU time (process.cpuUsage)",
        bigint_arity8_per_s: Math.round(reference8.cpu),
        wall_arity8_per_s: Math.round(arity8.wall),
        wall_arity11_per_s: Math.round(arity11.wall),
        wall_arity2_per_s: Math.round(arity2.wall),
        wall_bigint_arity8_per_s: Math.round(reference8.wall),
        goal_arity8_per_s: 20_000,
      },
    });
  },
};

export default bench;
