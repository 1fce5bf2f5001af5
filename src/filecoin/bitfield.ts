// RLE+ bitfields (spec/filecoin.md §18.3, go-bitfield rle/): sets of sector numbers as alternating
// runs. Kept as sorted, disjoint, non-touching [start, end) intervals so that huge runs cost nothing;
// members are JS numbers (sector numbers stay below 2^53; decode rejects anything larger).

const U64_MAX = (1n << 64n) - 1n;

export class BitField implements Iterable<number> {
  /** Flat [start0, end0, start1, end1, ...], strictly increasing. */
  private readonly iv: readonly number[];

  private constructor(iv: readonly number[]) {
    this.iv = iv;
  }

  static readonly EMPTY = new BitField([]);

  static fromSet(values: Iterable<number>): BitField {
    const sorted = [...new Set(values)].sort((a, b) => a - b);
    const iv: number[] = [];
    for (const v of sorted) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`bitfield member ${String(v)} must be a non-negative safe integer`);
      if (iv.length > 0 && iv[iv.length - 1] === v) iv[iv.length - 1] = v + 1;
      else iv.push(v, v + 1);
    }
    return new BitField(iv);
  }

  /** `count` members from `start` on. */
  static fromRange(start: number, count: number): BitField {
    checkLen(start, "range start");
    checkLen(count, "range count");
    checkLen(start + count, "range end");
    return count === 0 ? BitField.EMPTY : new BitField([start, start + count]);
  }

  /**
   * From run lengths starting with an absent run (Lotus JSON): `[5, 1]` = {5}. As go-bitfield's
   * UnmarshalJSON: a zero length is allowed only first; a trailing absent run is dropped.
   */
  static fromRuns(runs: readonly number[]): BitField {
    const iv: number[] = [];
    let pos = 0;
    runs.forEach((len, i) => {
      checkLen(len, `run ${i}`);
      if (len === 0 && i !== 0) throw new RangeError(`run ${i} has length 0; only the first run may be empty`);
      const end = pos + len;
      checkLen(end, `end of run ${i}`);
      if (i % 2 === 1) iv.push(pos, end);
      pos = end;
    });
    return new BitField(iv);
  }

  /** Canonical run lengths starting with an absent run; [] for the empty set. */
  runs(): number[] {
    const out: number[] = [];
    let pos = 0;
    for (let i = 0; i < this.iv.length; i += 2) {
      out.push(this.iv[i]! - pos, this.iv[i + 1]! - this.iv[i]!);
      pos = this.iv[i + 1]!;
    }
    return out;
  }

  /** go-bitfield MarshalJSON: the runs, and [0] for the empty set. */
  toLotusJson(): number[] {
    return this.iv.length === 0 ? [0] : this.runs();
  }

  static fromLotusJson(v: unknown): BitField {
    if (!Array.isArray(v)) throw new TypeError(`bitfield JSON must be an array of run lengths, got ${typeof v}`);
    return BitField.fromRuns(v as number[]);
  }

  /** Intervals as [start, end) pairs. */
  ranges(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.iv.length; i += 2) out.push([this.iv[i]!, this.iv[i + 1]!]);
    return out;
  }

  get size(): number {
    let n = 0;
    for (let i = 0; i < this.iv.length; i += 2) n += this.iv[i + 1]! - this.iv[i]!;
    return n;
  }

  isEmpty(): boolean {
    return this.iv.length === 0;
  }

  /** Smallest member, or undefined when empty. */
  first(): number | undefined {
    return this.iv[0];
  }

  /** Largest member, or undefined when empty. */
  last(): number | undefined {
    return this.iv.length === 0 ? undefined : this.iv[this.iv.length - 1]! - 1;
  }

  has(n: number): boolean {
    // binary search for the last interval start ≤ n
    let lo = 0;
    let hi = this.iv.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.iv[2 * mid]!;
      if (n < s) hi = mid - 1;
      else if (n >= this.iv[2 * mid + 1]!) lo = mid + 1;
      else return true;
    }
    return false;
  }

  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.iv.length; i += 2) for (let v = this.iv[i]!; v < this.iv[i + 1]!; v++) yield v;
  }

  toArray(): number[] {
    return [...this];
  }

  union(o: BitField): BitField {
    return new BitField(combine(this.iv, o.iv, (a, b) => a || b));
  }

  intersect(o: BitField): BitField {
    return new BitField(combine(this.iv, o.iv, (a, b) => a && b));
  }

  subtract(o: BitField): BitField {
    return new BitField(combine(this.iv, o.iv, (a, b) => a && !b));
  }

  equals(o: BitField): boolean {
    return this.iv.length === o.iv.length && this.iv.every((x, i) => x === o.iv[i]);
  }

  /** The first `n` members (in order). */
  take(n: number): BitField {
    const iv: number[] = [];
    let left = n;
    for (let i = 0; i < this.iv.length && left > 0; i += 2) {
      const s = this.iv[i]!;
      const len = Math.min(this.iv[i + 1]! - s, left);
      iv.push(s, s + len);
      left -= len;
    }
    return new BitField(iv);
  }

  /** RLE+ bytes, as go-bitfield writes them (empty set → zero bytes). */
  encode(): Uint8Array {
    if (this.iv.length === 0) return new Uint8Array(0);
    const w = new BitWriter();
    w.put(0, 2); // version
    const runs = this.runs();
    const startsPresent = runs[0] === 0;
    w.put(startsPresent ? 1 : 0, 1);
    for (let i = startsPresent ? 1 : 0; i < runs.length; i++) {
      const len = runs[i]!;
      if (len === 1) w.put(1, 1);
      else if (len < 16) {
        w.put(0b10, 2); // bits 0,1 (LSB first)
        w.put(len, 4);
      } else {
        w.put(0, 2);
        let v = BigInt(len);
        while (v >= 0x80n) {
          w.put(Number(v & 0x7fn) | 0x80, 8);
          v >>= 7n;
        }
        w.put(Number(v), 8);
      }
    }
    return w.bytes();
  }

  /**
   * Strict RLE+ decode: version 0, no trailing zero bytes, minimal run varints of at most 64 bits,
   * total length within u64, nothing but zero padding after the last run. Totals above 2^53 are
   * valid RLE+ but refused here (members are JS numbers).
   */
  static decode(bytes: Uint8Array): BitField {
    if (bytes.length === 0) return BitField.EMPTY;
    if (bytes[bytes.length - 1] === 0) throw new RangeError("RLE+: not minimally encoded (trailing zero byte)");
    const r = new BitReader(bytes);
    const version = r.get(2);
    if (version !== 0) throw new RangeError(`RLE+: invalid version ${version}`);
    let present = r.get(1) === 1;
    const iv: number[] = [];
    let pos = 0n;
    for (;;) {
      const runStart = r.pos;
      let len = 1n; // bit 1: a run of one
      if (r.get(1) === 0) {
        const short = r.get(1) === 1; // bits 0,1: 4-bit length; bits 0,0: varint
        len = short ? BigInt(r.get(4)) : readVarint(r);
      }
      if (len === 0n) {
        if (!r.zeroFrom(runStart)) throw new RangeError("RLE+: data after the terminating run");
        break;
      }
      const end = pos + len;
      if (end > U64_MAX) throw new RangeError("RLE+: total length overflows u64");
      if (present) {
        if (end > BigInt(Number.MAX_SAFE_INTEGER))
          throw new RangeError(`RLE+: bitfield reaches ${end}, beyond 2^53 - 1 which this implementation supports`);
        iv.push(Number(pos), Number(end));
      }
      pos = end;
      present = !present;
    }
    return new BitField(iv);
  }
}

function checkLen(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bitfield ${what} ${String(n)} must be a non-negative safe integer`);
}

/** Sweep over both boundary lists; emit a boundary wherever op(inA, inB) changes. */
function combine(a: readonly number[], b: readonly number[], op: (x: boolean, y: boolean) => boolean): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  let inA = false;
  let inB = false;
  let cur = false;
  while (i < a.length || j < b.length) {
    const p = Math.min(a[i] ?? Infinity, b[j] ?? Infinity);
    while (a[i] === p) {
      inA = !inA;
      i++;
    }
    while (b[j] === p) {
      inB = !inB;
      j++;
    }
    const next = op(inA, inB);
    if (next !== cur) {
      out.push(p);
      cur = next;
    }
  }
  return out;
}

/** Varint after the "00" long-run prefix: each byte is 8 bits, LSB first (go-bitfield prep()). */
function readVarint(r: BitReader): bigint {
  let x = 0n;
  for (let i = 0; i < 10; i++) {
    const b = r.get(8);
    if (b < 0x80) {
      if (i === 9 && b > 1) throw new RangeError("RLE+: run length overflows u64");
      if (b === 0 && i > 0) throw new RangeError("RLE+: non-minimal run length varint");
      return x | (BigInt(b) << BigInt(7 * i));
    }
    x |= BigInt(b & 0x7f) << BigInt(7 * i);
  }
  throw new RangeError("RLE+: run length overflows u64");
}

class BitWriter {
  private readonly out: number[] = [];
  private acc = 0;
  private n = 0;

  put(value: number, bits: number): void {
    for (let k = 0; k < bits; k++) {
      this.acc |= ((value >> k) & 1) << this.n;
      if (++this.n === 8) {
        this.out.push(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
  }

  bytes(): Uint8Array {
    if (this.n > 0) this.out.push(this.acc);
    let len = this.out.length;
    while (len > 0 && this.out[len - 1] === 0) len--;
    return Uint8Array.from(this.out.slice(0, len));
  }
}

/** Reads bits LSB first; past the end it reads zeros (as go-bitfield's rbitvec does). */
class BitReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get(bits: number): number {
    let v = 0;
    for (let k = 0; k < bits; k++, this.pos++) {
      const byte = this.buf[this.pos >> 3] ?? 0;
      v |= ((byte >> (this.pos & 7)) & 1) << k;
    }
    return v;
  }

  /** True when every bit from `from` to the end of the buffer is zero. */
  zeroFrom(from: number): boolean {
    const total = this.buf.length * 8;
    for (let p = from; p < total; p++) if ((this.buf[p >> 3]! >> (p & 7)) & 1) return false;
    return true;
  }
}
