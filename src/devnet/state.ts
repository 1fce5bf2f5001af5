// Versioned chain state (chain.ts "State model"): a reader of the rows at one height, and overlays
// that collect the writes of a tipset (and, nested, of one message) before they become rows.
// Values are kept parsed: namespace "actor" holds ActorRecords, "miner" MinerStates, "addr" maps a
// key address to its actor id, every other namespace JSON values.
import { AddressProtocol, addressFromBytes, formatAddress, formatIdAddress, parseAddress, type Address } from "../filecoin/address.js";
import { ExitCode } from "../filecoin/miner-params.js";
import { ActorError } from "./actors/actor-error.js";
import { deserializeMinerState, serializeMinerState, type MinerState } from "./actors/miner-state.js";
import type { ChainStore } from "./chain-store.js";
import type { ActorRecord, ChainTipset, JsonValue, StateTx, StateView } from "./chain.js";

export const NS_ACTOR = "actor";
export const NS_MINER = "miner";
export const NS_ADDR = "addr";
export const NS_INIT = "init";
export const BURNT_FUNDS_ID = 99;

type Parsed = ActorRecord | MinerState | JsonValue | number | null;

const k = (ns: string, key: string): string => `${ns}\u0000${key}`;
const idKey = (id: number): string => String(id).padStart(20, "0");

function parse(ns: string, text: string | null): Parsed {
  if (text === null) return null;
  if (ns === NS_MINER) return deserializeMinerState(text);
  const v = JSON.parse(text) as JsonValue;
  if (ns === NS_ACTOR) {
    const o = v as Record<string, JsonValue>;
    return { id: o.id as number, kind: o.kind as string, balance: BigInt(o.balance as string), nonce: o.nonce as number, keyAddress: (o.keyAddress as string | null) ?? null };
  }
  return v;
}

export function serialize(ns: string, value: Parsed): string | null {
  if (value === null) return null;
  if (ns === NS_MINER) return serializeMinerState(value as MinerState);
  if (ns === NS_ACTOR) {
    const a = value as ActorRecord;
    return JSON.stringify({ id: a.id, kind: a.kind, balance: a.balance.toString(), nonce: a.nonce, keyAddress: a.keyAddress });
  }
  return JSON.stringify(value);
}

/** Parses an address given as text or bytes; null when it is neither. */
function toAddress(address: string | Uint8Array): Address | null {
  try {
    return typeof address === "string" ? parseAddress(address) : addressFromBytes(address);
  } catch {
    return null;
  }
}

/** Raw access every state layer shares: one parsed value, and the keys of a namespace. */
abstract class StateLayer implements StateView {
  abstract readonly height: number;
  abstract readonly tipset: ChainTipset;
  abstract read(ns: string, key: string): Parsed | undefined;
  abstract keys(ns: string, prefix: string): Map<string, Parsed>;

  actor(id: number): ActorRecord | null {
    return (this.read(NS_ACTOR, idKey(id)) as ActorRecord | null | undefined) ?? null;
  }

  resolveId(address: string | Uint8Array): number | null {
    const a = toAddress(address);
    if (!a) return null;
    if (a.protocol === AddressProtocol.ID) {
      const id = Number(parseAddress(formatAddress(a, "t")).id);
      return this.actor(id) ? id : null;
    }
    const id = this.read(NS_ADDR, formatAddress(a, "t"));
    return typeof id === "number" ? id : null;
  }

  actorAddress(id: number): string {
    return this.actor(id)?.keyAddress ?? formatIdAddress(id, "t");
  }

  balanceOf(id: number): bigint {
    const a = this.actor(id);
    if (!a) return 0n;
    if (a.kind === "miner") return this.minerState(id)?.Balance ?? 0n;
    return a.balance;
  }

  minerState(id: number): MinerState | null {
    return (this.read(NS_MINER, idKey(id)) as MinerState | null | undefined) ?? null;
  }

  minerIds(): number[] {
    return [...this.keys(NS_MINER, "").entries()].filter(([, v]) => v !== null).map(([key]) => Number(key));
  }

  /** Every actor, ascending id. */
  actors(): ActorRecord[] {
    return [...this.keys(NS_ACTOR, "").values()].filter((v): v is ActorRecord => v !== null) as ActorRecord[];
  }

  get(namespace: string, key: string): JsonValue | undefined {
    const v = this.read(namespace, key);
    return v === null ? undefined : (v as JsonValue | undefined);
  }

  list(namespace: string, keyPrefix = ""): [string, JsonValue][] {
    return [...this.keys(namespace, keyPrefix).entries()].filter(([, v]) => v !== null) as [string, JsonValue][];
  }
}

/** The committed state of one tipset, read from the rows; parsed values are memoised. */
export class RowState extends StateLayer {
  private readonly memo = new Map<string, Parsed | undefined>();

  constructor(
    private readonly store: ChainStore,
    readonly tipset: ChainTipset,
  ) {
    super();
  }

  get height(): number {
    return this.tipset.height;
  }

  read(ns: string, key: string): Parsed | undefined {
    const mk = k(ns, key);
    if (this.memo.has(mk)) return this.memo.get(mk);
    const raw = this.store.stateAt(ns, key, this.height);
    const v = raw === undefined ? undefined : parse(ns, raw);
    this.memo.set(mk, v);
    return v;
  }

  keys(ns: string, prefix: string): Map<string, Parsed> {
    const out = new Map<string, Parsed>();
    for (const row of this.store.stateList(ns, prefix, this.height)) {
      const mk = k(ns, row.key);
      if (!this.memo.has(mk)) this.memo.set(mk, parse(ns, row.value));
      out.set(row.key, this.memo.get(mk) as Parsed);
    }
    return out;
  }

  /** The state of the next tipset: this memo (still valid) plus the values just written as its rows. */
  next(tipset: ChainTipset, writes: Map<string, Parsed>): RowState {
    const r = new RowState(this.store, tipset);
    for (const [mk, v] of this.memo) r.memo.set(mk, v);
    for (const [mk, v] of writes) r.memo.set(mk, v);
    return r;
  }
}

/** The state before genesis: nothing exists. */
export class EmptyState extends StateLayer {
  readonly height = 0;

  get tipset(): ChainTipset {
    throw new Error("the empty state has no tipset");
  }

  read(): undefined {
    return undefined;
  }

  keys(): Map<string, Parsed> {
    return new Map();
  }
}

/** Writes on top of a parent layer: a tipset's execution, or one message inside it. */
export class Overlay extends StateLayer implements StateTx {
  readonly writes = new Map<string, Parsed>();

  constructor(
    readonly parent: StateLayer,
    readonly epoch: number,
  ) {
    super();
  }

  get height(): number {
    return this.parent.height;
  }

  get tipset(): ChainTipset {
    return this.parent.tipset;
  }

  read(ns: string, key: string): Parsed | undefined {
    const mk = k(ns, key);
    return this.writes.has(mk) ? this.writes.get(mk) : this.parent.read(ns, key);
  }

  keys(ns: string, prefix: string): Map<string, Parsed> {
    const out = this.parent.keys(ns, prefix);
    const head = k(ns, prefix);
    for (const [mk, v] of this.writes) if (mk.startsWith(head)) out.set(mk.slice(ns.length + 1), v);
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  put(namespace: string, key: string, value: JsonValue | null): void {
    if (namespace === NS_ACTOR || namespace === NS_MINER || namespace === NS_ADDR)
      throw new RangeError(`namespace "${namespace}" is the chain's own; use setMinerState, transfer or another namespace`);
    this.writes.set(k(namespace, key), value);
  }

  setActor(a: ActorRecord): void {
    this.writes.set(k(NS_ACTOR, idKey(a.id)), a);
    if (a.keyAddress) this.writes.set(k(NS_ADDR, a.keyAddress), a.id);
  }

  /** Stores a miner's new state; growth of its Burnt total is credited to f099 (the burnt-funds actor). */
  setMinerState(id: number, state: MinerState): void {
    const before = this.minerState(id);
    const burnt = state.Burnt - (before?.Burnt ?? 0n);
    this.writes.set(k(NS_MINER, idKey(id)), state);
    if (burnt > 0n) this.credit(BURNT_FUNDS_ID, burnt);
  }

  private credit(id: number, amount: bigint): void {
    const a = this.actor(id);
    if (!a) throw new ActorError(ExitCode.ErrIllegalState, `actor t0${id} does not exist`);
    if (a.kind === "miner") {
      const s = this.minerState(id)!;
      this.writes.set(k(NS_MINER, idKey(id)), { ...s, Balance: s.Balance + amount });
    } else this.setActor({ ...a, balance: a.balance + amount });
  }

  private debit(id: number, amount: bigint): void {
    const balance = this.balanceOf(id);
    if (balance < amount)
      throw new ActorError(ExitCode.SysErrInsufficientFunds, `actor t0${id} holds ${balance} attoFIL, needs ${amount}`);
    this.credit(id, -amount);
  }

  transfer(from: number, to: number, amount: bigint): void {
    if (amount < 0n) throw new ActorError(ExitCode.ErrIllegalArgument, `negative transfer ${amount}`);
    if (amount === 0n || from === to) return;
    this.debit(from, amount);
    this.credit(to, amount);
  }

  /** Adds attoFIL from nowhere (block rewards). */
  mint(to: number, amount: bigint): void {
    this.credit(to, amount);
  }

  /** Next free actor id for a new account (init actor's counter). */
  allocateId(): number {
    const next = (this.read(NS_INIT, "next") as number | undefined) ?? 2000;
    this.writes.set(k(NS_INIT, "next"), next + 1);
    return next;
  }

  /** Moves this overlay's writes into its parent overlay (a message that succeeded). */
  mergeInto(parent: Overlay): void {
    for (const [mk, v] of this.writes) parent.writes.set(mk, v);
  }

  /** Writes every value as a row at `height`; returns the parsed values for the new head's memo. */
  flush(store: ChainStore, height: number): Map<string, Parsed> {
    for (const [mk, v] of this.writes) {
      const i = mk.indexOf("\u0000");
      const ns = mk.slice(0, i);
      store.putState(ns, mk.slice(i + 1), height, serialize(ns, v));
    }
    return this.writes;
  }
}

export { idKey as actorKey };
