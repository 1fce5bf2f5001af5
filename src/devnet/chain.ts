// The devnet chain (spec/devnet.md §4): tipsets persisted in chain.db, versioned actor state, the
// mpool, message execution, randomness, fault injection and head-change notification. The Lotus
// API (lotus-api.ts), the market, messager and gateway (helper B2) all read and write through this
// surface; nothing else touches chain.db's chain tables.
//
// State model (as Lotus): the state *of* tipset h is the state after executing the messages of
// tipsets < h (ParentState). Messages included in tipset e execute at epoch e while tipset e + 1 is
// produced, so their receipts come with tipset e + 1. Every state write is a row (namespace, key,
// height, value): reading at tipset h takes the newest row with height ≤ h, and Revert drops rows.
import { CID } from "multiformats/cid";
import { transaction, type Database } from "../db/sqlite.js";
import { AddressProtocol, parseAddress } from "../filecoin/address.js";
import type { Policy } from "../filecoin/policy.js";
import {
  SigType,
  dagCborCid,
  decodeSignedMessage,
  encodeSignedMessage,
  messageCid,
  signedMessageCid,
  type Message,
  type SignedMessage,
} from "../filecoin/message.js";
import { beaconDigest as beaconDigestOf, drawRandomness, ticketDigest as ticketDigestOf } from "../filecoin/randomness.js";
import { signMessageCid, verifySecpSignature } from "../filecoin/secp256k1.js";
import { newMinerState, type MinerState } from "./actors/miner-state.js";
import { invokeMiner, processDeadlineEnd, type MarketHooks, type MinerEnv } from "./actors/miner.js";
import { ChainStore, encodeHeader, tipsetKey, tipsetOf, type MessageRow } from "./chain-store.js";
import { FIRST_MINER_ID, accountKey, beaconData, seedOf, ticketVrfProof, type Genesis, type GenesisRecord } from "./genesis.js";
import { EmptyState, NS_INIT, Overlay, RowState } from "./state.js";
import { BASE_FEE, BLOCK_GAS_LIMIT, GAS_PREMIUM, applyMessage, estimateGasLimit, unhandled, type Dispatch, type FailRule } from "./vm.js";

/** JSON-able value kept in the versioned state or the plain key-value store. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A drand-like beacon entry: `Data(e) = sha256("damocles-devnet beacon" ‖ seed ‖ u64be(e))`. */
export interface BeaconEntry {
  round: number;
  data: Uint8Array;
}

/** One block: the devnet's own header record; its CID is the dag-cbor/blake2b-256 CID of the record. */
export interface ChainBlock {
  cid: CID;
  /** Winner's actor id, 0 (`t00`) when nobody won the round. */
  miner: number;
  /** Ticket.VRFProof = sha256("damocles-devnet ticket" ‖ seed ‖ u64be(fork) ‖ u64be(height)). */
  vrfProof: Uint8Array;
  /** ElectionProof.WinCount: 1 when won, null otherwise. */
  winCount: number | null;
  beacon: BeaconEntry;
  height: number;
  parents: CID[];
  /** Fixed 100 attoFIL. */
  parentBaseFee: bigint;
  /** Wall-clock production time in ms since the Unix epoch (Lotus shows seconds). */
  timestampMs: number;
  /** CIDs (signed form) of the messages this block includes, in execution order. */
  messages: CID[];
}

/** A tipset of exactly one block; `key` is the canonical text of `cids` (for maps and SQL). */
export interface ChainTipset {
  height: number;
  cids: CID[];
  key: string;
  blocks: [ChainBlock];
}

export interface Receipt {
  exitCode: number;
  /** CBOR return value (empty when none). */
  return: Uint8Array;
  gasUsed: bigint;
}

/** What StateSearchMsg / StateWaitMsg report: the receipt and the tipset that carries it (inclusion + 1). */
export interface MessageLookup {
  /** CID of the message as found on chain (signed CID for secp messages). */
  message: CID;
  receipt: Receipt;
  tipset: ChainTipset;
  height: number;
}

/** A message as the chain stores it: signed, with its CID and, once included, its inclusion height. */
export interface ChainMessage {
  cid: CID;
  signed: SignedMessage;
  /** Inclusion height, null while in the mpool. */
  includedAt: number | null;
}

export interface MessageFilter {
  to?: number;
  from?: number;
  method?: number;
  /** Lowest inclusion height (StateListMessages' `toheight` is the lower bound). */
  fromHeight?: number;
}

export interface HeadChange {
  type: "apply" | "revert";
  tipset: ChainTipset;
}

/** An actor's bookkeeping row (namespace "actor"). */
export interface ActorRecord {
  id: number;
  /** "account" | "miner" | "market" | "system" | "burnt" | "reward" | "power" | "verifreg" … */
  kind: string;
  balance: bigint;
  nonce: number;
  /** Key (t1…) address of an account, null for others. */
  keyAddress: string | null;
}

/** Read-only view of the state of one tipset (head by default). */
export interface StateView {
  readonly height: number;
  readonly tipset: ChainTipset;
  /** Actor row, or null when no actor has this id. */
  actor(id: number): ActorRecord | null;
  /** Actor id of an ID or key address (text or bytes form); null when no such actor. */
  resolveId(address: string | Uint8Array): number | null;
  /** "t0<id>" for non-accounts; the key address for an account (StateAccountKey). */
  actorAddress(id: number): string;
  balanceOf(id: number): bigint;
  /** Miner state of actor `id` (H3's MinerState), null when `id` is not a miner. */
  minerState(id: number): MinerState | null;
  /** Every miner actor id, ascending. */
  minerIds(): number[];
  /** Versioned value of an extension namespace (e.g. the market's), undefined when absent. */
  get(namespace: string, key: string): JsonValue | undefined;
  /** Every (key, value) of a namespace, keys ascending (lexicographic). */
  list(namespace: string, keyPrefix?: string): [string, JsonValue][];
}

/**
 * The writable state of one message execution or one end-of-epoch step. Writes land in an overlay
 * that becomes rows of the produced tipset when it commits; a thrown ActorError discards them.
 */
export interface StateTx extends StateView {
  /** The epoch being executed (inclusion height of the message). */
  readonly epoch: number;
  put(namespace: string, key: string, value: JsonValue | null): void;
  setMinerState(id: number, state: MinerState): void;
  /** Moves attoFIL between actors; throws ActorError(6 SysErrInsufficientFunds) when `from` lacks it. */
  transfer(from: number, to: number, amount: bigint): void;
}

/** A message delivered to a registered actor. `value` has already moved to the actor. */
export interface ActorCall {
  epoch: number;
  caller: number;
  to: number;
  value: bigint;
  method: number;
  params: Uint8Array;
  /** CID of the executing message (PublishCid of a deal). */
  messageCid: CID;
}

/** Method handler of an extra actor (the market t05, plugged by B2). */
export interface ActorHandler {
  /** Runs one message; returns the CBOR return value (or null); throw ActorError(code) to fail it with nothing changed. */
  invoke(call: ActorCall, tx: StateTx): Uint8Array | null;
  /** Optional work after the epoch's messages and before deadline processing (deal expiry). */
  endOfEpoch?(epoch: number, tx: StateTx): void;
  /**
   * Optional: undo this actor's own SQL tables down to the state of tipset `height` (Devnet.Revert),
   * called inside the revert's transaction. Values kept through StateTx.put need no hook.
   */
  revertTo?(height: number): void;
}

/** Builds the market hooks H3's miner actor calls at activation, bound to the executing transaction. */
export type MarketHooksFactory = (tx: StateTx, call: ActorCall) => MarketHooks;

/** A round of the WinningPoSt election (spec/devnet.md §6.2). */
export interface Round {
  /** The epoch whose tipset ends the round. The head is epoch − 1 when the round starts. */
  epoch: number;
  /** Aborted when the round ends (tipset `epoch` is produced) or production pauses. */
  signal: AbortSignal;
  /** Clock time (ms) when the round ends. */
  endsAt: number;
}

/** What a round hook answers: the winner to name in the block, credited with `block_reward`. */
export interface RoundWinner {
  minerId: number;
}

/** Called at the start of each round; whatever settled with a winner before the round ends is used. */
export type RoundHook = (round: Round) => Promise<RoundWinner | null | void> | RoundWinner | null | void;

/** The chain-side pieces of `Devnet.Status`. */
export interface ChainStatus {
  height: number;
  paused: boolean;
  blockTimeMs: number;
  networkName: string;
  mpoolSize: number;
}

/** Genesis facts the rest of the devnet needs. */
export interface ChainGenesis {
  /** `init` time, Unix seconds (StateGetNetworkParams.GenesisTimestamp). */
  timestamp: number;
  seed: Uint8Array;
  miners: { id: number; sectorSize: number; sealProof: number; windowPoStProof: number; owner: number; worker: number }[];
  /** Account id of the deal client (the last genesis account). */
  dealClient: number;
}

/** Injectable time source; tests drive production by hand with `produceNext()` instead of timers. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Lotus-side views of the market, implemented by B2 and used by lotus-api.ts for StateMarket*. */
export interface MarketViews {
  /** StateMarketStorageDeal; null for an unknown deal (the API answers code 1). */
  storageDeal(view: StateView, dealId: number): JsonValue | null;
  /** StateGetAllocationIdForPendingDeal: 0 when none. */
  allocationIdForPendingDeal(view: StateView, dealId: number): number;
  /** StateGetAllocation: null when none. */
  allocation(view: StateView, clientId: number, allocationId: number): JsonValue | null;
}

/** The devnet chain. One instance per open chain.db. */
export interface DevnetChain {
  /**
   * chain.db itself, for extension tables (B2's market_* migrations are in schema.ts's list). Message
   * execution runs inside the tipset's IMMEDIATE transaction, each message in a savepoint: SQL written
   * by a handler commits with the tipset, and a thrown ActorError rolls the message's writes back.
   */
  readonly db: Database;
  // --- chain reading ---
  /** Current head tipset. */
  head(): ChainTipset;
  /** Height of the head. */
  readonly height: number;
  /** Tipset at height `h` (≤ head), null above the head. No null rounds exist. */
  tipsetAt(h: number): ChainTipset | null;
  /** Tipset with exactly this key, null when not on the current chain. */
  tipsetByKey(cids: readonly CID[]): ChainTipset | null;
  /** State view at a tipset; `null` or an empty key = head. Throws Error when the key is unknown. */
  view(tsk?: readonly CID[] | null): StateView;
  readonly policy: Readonly<Policy>;
  readonly networkName: string;
  readonly genesis: ChainGenesis;
  /** Block time in ms of this run. */
  readonly blockTimeMs: number;

  // --- randomness (spec/filecoin.md §15) ---
  /** draw(ticket digest at `epoch`, tag, epoch, entropy); negative epochs use epoch 0's digest; above head throws. */
  ticketRandomness(tag: number, epoch: number, entropy: Uint8Array): Uint8Array;
  /** draw(beacon digest at `epoch`, …); negative epochs use epoch 0's entry; above head throws. */
  beaconRandomness(tag: number, epoch: number, entropy: Uint8Array): Uint8Array;
  /** blake2b256(VRFProof) of the tipset at max(0, epoch); above head throws. */
  ticketDigest(epoch: number): Uint8Array;
  /** The beacon entry of any epoch ≥ 0 (deterministic from the seed, also for future rounds). */
  beaconEntry(epoch: number): BeaconEntry;

  // --- head-state shortcuts (same as view()) ---
  resolveId(address: string | Uint8Array): number | null;
  actorAddress(id: number): string;
  balanceOf(id: number): bigint;
  minerState(id: number): MinerState | null;
  minerIds(): number[];

  // --- messages ---
  /** MpoolPushMessage core: fills nonce (after the mpool's) and gas, signs with the genesis key of From; code-1 Error `no key for <addr>`. */
  pushMessage(unsigned: Message): SignedMessage;
  /** MpoolPush: verifies signature, nonce ≥ state nonce and balance ≥ Value + GasLimit × GasFeeCap; returns the signed CID. */
  mpoolPush(sm: SignedMessage): CID;
  /** Next nonce for a sender (state nonce after pending mpool messages). */
  mpoolNonce(address: string): number;
  /** GasEstimateMessageGas: fills GasLimit (+25 %), GasFeeCap and GasPremium. */
  estimateGas(msg: Message): Message;
  /** Signs bytes with the genesis key of `address` (WalletSign); throws `no key for <addr>`. */
  sign(address: string, data: Uint8Array): { type: number; data: Uint8Array };
  /** Key addresses of the genesis wallet (WalletList). */
  walletKeys(): string[];
  /** A message known to the chain or the mpool by signed or unsigned CID. */
  getMessage(cid: CID): ChainMessage | null;
  /** Receipt lookup once the receipt's tipset exists (inclusion + 1); null otherwise. */
  searchMessage(cid: CID): MessageLookup | null;
  /** Resolves when found with head − lookup.height ≥ confidence; rejects on abort. */
  waitMessage(cid: CID, confidence: number, signal?: AbortSignal): Promise<MessageLookup>;
  /** CIDs of included messages matching the filter, by inclusion height then order. */
  listMessages(filter: MessageFilter): CID[];
  /** Messages waiting in the mpool. */
  mpoolPending(): ChainMessage[];

  // --- notification and extension points ---
  /** Called after each commit with the applied or reverted tipsets (reverts newest first); returns an unsubscribe. */
  onHeadChange(cb: (changes: HeadChange[]) => void): () => void;
  /** Registers a round hook (B2's election); returns an unsubscribe. */
  onRoundStart(hook: RoundHook): () => void;
  /** Plugs an actor's method handler (B2: the market at id 5). */
  registerActor(id: number, handler: ActorHandler): void;
  /** Plugs the market hooks given to the miner actor; without it, deal pieces are rejected. */
  setMarketHooks(factory: MarketHooksFactory): void;
  /** Plain (unversioned, never reverted) key-value store in chain.db: messager records, queued deals. */
  kvGet(namespace: string, key: string): JsonValue | undefined;
  kvPut(namespace: string, key: string, value: JsonValue | null): void;
  kvList(namespace: string, keyPrefix?: string): [string, JsonValue][];

  // --- production and fault injection (spec/devnet.md §7) ---
  /** Starts timer-driven production: one tipset per block time. */
  start(): void;
  /** Stops production and waits for an in-flight tipset to commit. */
  stop(): Promise<void>;
  /** Produces the next tipset now (tests with an injected clock; also what the timer calls). */
  produceNext(): ChainTipset;
  readonly paused: boolean;
  pause(): void;
  /** Resumes; the next tipset comes one block time later. */
  resume(): void;
  /** Next `count` executed messages with `method` fail with `exitCode` (nonce used, gas charged, no state change); 0 clears. */
  failMessages(method: number, exitCode: number, count: number): void;
  /** The next `count` messages entering the mpool wait `epochs` epochs before inclusion. */
  delayMessages(count: number, epochs: number): void;
  /** Drops the last k tipsets (1 ≤ k ≤ min(height, 900)); their messages return to the mpool; returns the new head. */
  revert(k: number): ChainTipset;
  status(): ChainStatus;
  /** Closes the database (after stop()). */
  close(): void;
}


/** What the chain is built from: the genesis record of `init` and the profile. */
export interface ChainSetup {
  genesis: Genesis;
  seed: Uint8Array;
  policy: Readonly<Policy>;
  /** `init` time in ms since the Unix epoch: the genesis tipset's timestamp. */
  genesisTimestampMs: number;
}

export interface OpenChainOptions {
  /** chain.db, opened with the devnet's migrations (schema.ts), exclusive for a daemon. */
  db: Database;
  setup: ChainSetup;
  blockTimeMs: number;
  /** attoFIL credited to the winner of a round (config `block_reward`). */
  blockReward: bigint;
  clock?: Clock;
  /** Structured log sink (JSON lines in the daemon). */
  log?: LogFn;
  /** Called when producing a tipset fails (disk error): the daemon exits 1. */
  onFatal?: (err: unknown) => void;
}

export type LogFn = (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The ChainSetup of the genesis record `init` wrote. */
export function chainSetupOf(rec: GenesisRecord): ChainSetup {
  return { genesis: rec.genesis, seed: seedOf(rec), policy: rec.profile, genesisTimestampMs: rec.timestamp * 1000 };
}

/**
 * Opens the chain in `opts.db` (creating the genesis tipset and state on first use) and loads the
 * head. Production starts only with `start()`; `deal add` without a daemon opens, uses kvPut, closes.
 */
export function openChain(opts: OpenChainOptions): DevnetChain {
  return new Chain(opts);
}

// ---------------------------------------------------------------- implementation

const MAX_REVERT = 900;
/** An encoded message may reach 32 MiB: devnet proofs are big (spec/devnet.md §4 "Messages"). */
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
/** Per-block bounds, so one tipset commit stays short. */
const MAX_BLOCK_MESSAGES = 2000;
const MAX_BLOCK_BYTES = 128 * 1024 * 1024;

/** State versions older than the deepest possible revert are pruned this often (in epochs). */
const PRUNE_EVERY = 100;

const META_FORK = "fork";
const META_PRUNED_BELOW = "pruned_below";
const META_FAIL_RULES = "fail_rules";
const META_DELAY_RULE = "delay_rule";

/** Kinds of the singleton actors created at genesis (builtin-actors singletons). */
const BUILTIN_KINDS: Record<number, string> = {
  0: "system",
  1: "init",
  2: "reward",
  3: "cron",
  4: "power",
  5: "market",
  6: "verifreg",
  7: "datacap",
  99: "burnt",
};

/** Without the market: every deal piece is refused (a CC sector has none). */
const rejectDealPieces: MarketHooks = {
  activatePieces: ({ pieces }) => ({ pieceOk: pieces.map(() => false), verifiedBytes: 0n, claimFailed: false }),
};

interface RoundState {
  epoch: number;
  controller: AbortController;
  winner: RoundWinner | null;
}

interface Waiter {
  cid: CID;
  confidence: number;
  resolve: (l: MessageLookup) => void;
}

class Chain implements DevnetChain {
  readonly db: Database;
  readonly policy: Readonly<Policy>;
  readonly networkName: string;
  readonly genesis: ChainGenesis;
  readonly blockTimeMs: number;
  private readonly store: ChainStore;
  private readonly setup: ChainSetup;
  private readonly clock: Clock;
  private readonly log: LogFn;
  private readonly blockReward: bigint;
  private readonly onFatal: (err: unknown) => void;
  private readonly keys = new Map<string, Uint8Array>();
  private readonly handlers = new Map<number, ActorHandler>();
  private marketHooks: MarketHooksFactory | null = null;
  private readonly headListeners = new Set<(changes: HeadChange[]) => void>();
  private readonly roundHooks = new Set<RoundHook>();
  private readonly waiters = new Set<Waiter>();
  private headTs: ChainTipset;
  private headState: RowState;
  private fork: number;
  /** Tipsets below this height have no complete state any more (pruned past finality). */
  private prunedBelow: number;
  private failRules: Map<number, FailRule>;
  private delayRule: { count: number; epochs: number } | null;
  private running = false;
  private pausedFlag = false;
  private timer: unknown = null;
  private nextAt = 0;
  private round: RoundState | null = null;
  private closed = false;

  constructor(opts: OpenChainOptions) {
    this.db = opts.db;
    this.setup = opts.setup;
    this.policy = opts.setup.policy;
    this.networkName = opts.setup.policy.NetworkName;
    this.blockTimeMs = opts.blockTimeMs;
    this.blockReward = opts.blockReward;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? (() => {});
    this.onFatal = opts.onFatal ?? ((err) => this.log("error", "tipset production failed", { error: String(err) }));
    this.store = new ChainStore(this.db);
    const g = opts.setup.genesis;
    this.genesis = {
      timestamp: Math.floor(opts.setup.genesisTimestampMs / 1000),
      seed: opts.setup.seed,
      miners: g.miners.map((m) => ({
        id: m.id,
        sectorSize: m.sectorSize,
        sealProof: m.sealProofType,
        windowPoStProof: m.windowPoStProofType,
        owner: m.ownerId,
        worker: m.workerId,
      })),
      dealClient: g.clientId,
    };
    for (const a of g.accounts) this.keys.set(a.address, accountKey(opts.setup.seed, a.keyIndex).privateKey);
    if (this.store.headHeight() === null) transaction(this.db, () => this.writeGenesis());
    const h = this.store.headHeight()!;
    this.headTs = this.store.tipsetAt(h)!;
    this.headState = new RowState(this.store, this.headTs);
    this.fork = Number(this.store.metaGet(META_FORK) ?? "0");
    this.prunedBelow = Number(this.store.metaGet(META_PRUNED_BELOW) ?? "0");
    const rules = JSON.parse(this.store.metaGet(META_FAIL_RULES) ?? "[]") as [number, FailRule][];
    this.failRules = new Map(rules);
    this.delayRule = JSON.parse(this.store.metaGet(META_DELAY_RULE) ?? "null") as { count: number; epochs: number } | null;
  }

  // ---------------------------------------------------------------- genesis

  private writeGenesis(): void {
    const { genesis: g, seed, policy, genesisTimestampMs } = this.setup;
    const base = new EmptyState();
    const tx = new Overlay(base, 0);
    for (const [id, kind] of Object.entries(BUILTIN_KINDS))
      tx.setActor({ id: Number(id), kind, balance: 0n, nonce: 0, keyAddress: null });
    for (const a of g.accounts) tx.setActor({ id: a.id, kind: "account", balance: a.balance, nonce: 0, keyAddress: a.address });
    for (const m of g.miners) {
      tx.setActor({ id: m.id, kind: "miner", balance: 0n, nonce: 0, keyAddress: null });
      tx.setMinerState(
        m.id,
        newMinerState({ id: m.id, owner: m.ownerId, worker: m.workerId, sealProofType: m.sealProofType, sectorSize: m.sectorSize, epoch: 0, policy }),
      );
    }
    tx.put(NS_INIT, "next", Math.max(2000, FIRST_MINER_ID + g.miners.length));
    const block: Omit<ChainBlock, "cid"> = {
      miner: 0,
      vrfProof: ticketVrfProof(seed, 0, 0),
      winCount: null,
      beacon: { round: 0, data: beaconData(seed, 0) },
      height: 0,
      parents: [],
      parentBaseFee: BASE_FEE,
      timestampMs: genesisTimestampMs,
      messages: [],
    };
    const header = encodeHeader(block);
    this.store.insertTipset({ ...block, cid: dagCborCid(header) }, header);
    tx.flush(this.store, 0);
  }

  // ---------------------------------------------------------------- reading

  head(): ChainTipset {
    return this.headTs;
  }

  get height(): number {
    return this.headTs.height;
  }

  tipsetAt(h: number): ChainTipset | null {
    if (!Number.isSafeInteger(h) || h < 0 || h > this.height) return null;
    return h === this.height ? this.headTs : this.store.tipsetAt(h);
  }

  tipsetByKey(cids: readonly CID[]): ChainTipset | null {
    const key = tipsetKey(cids);
    if (key === this.headTs.key) return this.headTs;
    return this.store.tipsetByKey(key);
  }

  view(tsk?: readonly CID[] | null): StateView {
    if (!tsk || tsk.length === 0) return this.headState;
    const ts = this.tipsetByKey(tsk);
    if (!ts) throw new Error(`tipset ${tipsetKey(tsk)} is not on the chain`);
    if (ts.height < this.prunedBelow)
      throw new Error(`the state of height ${ts.height} is pruned: the devnet keeps the last ${MAX_REVERT} epochs (from ${this.prunedBelow})`);
    return ts.height === this.height ? this.headState : new RowState(this.store, ts);
  }

  resolveId(address: string | Uint8Array): number | null {
    return this.headState.resolveId(address);
  }

  actorAddress(id: number): string {
    return this.headState.actorAddress(id);
  }

  balanceOf(id: number): bigint {
    return this.headState.balanceOf(id);
  }

  minerState(id: number): MinerState | null {
    return this.headState.minerState(id);
  }

  minerIds(): number[] {
    return this.headState.minerIds();
  }

  // ---------------------------------------------------------------- randomness

  ticketDigest(epoch: number): Uint8Array {
    if (!Number.isSafeInteger(epoch)) throw new RangeError(`epoch ${String(epoch)} must be an integer`);
    if (epoch > this.height) throw new RangeError(`epoch ${epoch} is above the head ${this.height}`);
    return ticketDigestOf(this.tipsetAt(Math.max(0, epoch))!.blocks[0].vrfProof);
  }

  ticketRandomness(tag: number, epoch: number, entropy: Uint8Array): Uint8Array {
    return drawRandomness(this.ticketDigest(epoch), tag, epoch, entropy);
  }

  beaconEntry(epoch: number): BeaconEntry {
    if (!Number.isSafeInteger(epoch)) throw new RangeError(`epoch ${String(epoch)} must be an integer`);
    const round = Math.max(0, epoch);
    return { round, data: beaconData(this.setup.seed, round) };
  }

  beaconRandomness(tag: number, epoch: number, entropy: Uint8Array): Uint8Array {
    if (epoch > this.height) throw new RangeError(`epoch ${epoch} is above the head ${this.height}`);
    return drawRandomness(beaconDigestOf(this.beaconEntry(epoch).data), tag, epoch, entropy);
  }

  // ---------------------------------------------------------------- messages

  private keyAddressOf(address: string): string | null {
    const id = this.resolveId(address);
    if (id !== null) return this.headState.actor(id)?.keyAddress ?? null;
    try {
      return parseAddress(address).protocol === AddressProtocol.Secp256k1 ? `t${address.slice(1)}` : null;
    } catch {
      return null;
    }
  }

  private privateKey(address: string): Uint8Array {
    const key = this.keyAddressOf(address);
    const pk = key === null ? undefined : this.keys.get(key);
    if (!pk) throw new Error(`no key for ${address}`);
    return pk;
  }

  walletKeys(): string[] {
    return [...this.keys.keys()];
  }

  sign(address: string, data: Uint8Array): { type: number; data: Uint8Array } {
    return { type: SigType.Secp256k1, data: signMessageCid(this.privateKey(address), data) };
  }

  estimateGas(msg: Message): Message {
    return {
      ...msg,
      GasLimit: msg.GasLimit > 0 ? msg.GasLimit : estimateGasLimit(msg.Method, msg.Params.length),
      GasPremium: msg.GasPremium > 0n ? msg.GasPremium : GAS_PREMIUM,
      GasFeeCap: msg.GasFeeCap > 0n ? msg.GasFeeCap : BASE_FEE + GAS_PREMIUM,
    };
  }

  /** Nonce of the next message of `fromId`: after the head's executed state, its included and pending messages. */
  private nextNonce(fromId: number): number {
    const stateNonce = this.headState.actor(fromId)?.nonce ?? 0;
    const pending = this.store.pendingMaxNonce(fromId, this.height);
    return pending === null ? stateNonce : Math.max(stateNonce, pending + 1);
  }

  mpoolNonce(address: string): number {
    const id = this.resolveId(address);
    return id === null ? 0 : this.nextNonce(id);
  }

  pushMessage(unsigned: Message): SignedMessage {
    const pk = this.privateKey(unsigned.From);
    const from = this.keyAddressOf(unsigned.From)!;
    const fromId = this.resolveId(from);
    const msg = this.estimateGas({ ...unsigned, From: from, Nonce: fromId === null ? 0 : this.nextNonce(fromId) });
    const sm: SignedMessage = { Message: msg, Signature: { Type: SigType.Secp256k1, Data: signMessageCid(pk, messageCid(msg).bytes) } };
    this.mpoolPush(sm);
    return sm;
  }

  mpoolPush(sm: SignedMessage): CID {
    const m = sm.Message;
    if (sm.Signature.Type !== SigType.Secp256k1) throw new Error(`signature type ${sm.Signature.Type} is not accepted: only secp256k1 (1)`);
    const encoded = encodeSignedMessage(sm);
    if (encoded.length > MAX_MESSAGE_BYTES) throw new Error(`message is ${encoded.length} bytes, above the ${MAX_MESSAGE_BYTES}-byte limit`);
    const cid = signedMessageCid(sm);
    if (this.store.message(cid.toString())) return cid; // already known: pushing twice is harmless
    const ucid = messageCid(m);
    if (!verifySecpSignature(sm.Signature.Data, ucid.bytes, m.From)) throw new Error(`invalid signature for sender ${m.From}`);
    const fromId = this.resolveId(m.From);
    if (fromId === null) throw new Error(`sender ${m.From} has no actor (no funds)`);
    if (!Number.isSafeInteger(m.GasLimit) || m.GasLimit <= 0 || m.GasLimit > BLOCK_GAS_LIMIT)
      throw new Error(`GasLimit ${m.GasLimit} must be in 1…${BLOCK_GAS_LIMIT}`);
    if (m.Value < 0n || m.GasFeeCap < 0n || m.GasPremium < 0n) throw new Error("Value, GasFeeCap and GasPremium must not be negative");
    const next = this.nextNonce(fromId);
    const stateNonce = this.headState.actor(fromId)?.nonce ?? 0;
    if (m.Nonce < stateNonce) throw new Error(`nonce ${m.Nonce} of ${m.From} is already used (next is ${next})`);
    if (this.store.pendingWithNonce(fromId, m.Nonce, this.height)) throw new Error(`nonce ${m.Nonce} of ${m.From} is already taken by a pending message`);
    const cost = m.Value + BigInt(m.GasLimit) * m.GasFeeCap;
    const balance = this.balanceOf(fromId);
    if (balance < cost) throw new Error(`sender ${m.From} holds ${balance} attoFIL, below Value + GasLimit × GasFeeCap = ${cost}`);
    let notBefore = 0;
    if (this.delayRule && this.delayRule.count > 0) {
      notBefore = this.height + this.delayRule.epochs + 1;
      this.delayRule.count -= 1;
      if (this.delayRule.count === 0) this.delayRule = null;
    }
    transaction(this.db, () => {
      this.store.insertMessage({
        cid: cid.toString(),
        unsigned_cid: ucid.toString(),
        signed: encoded,
        from_id: fromId,
        to_addr: m.To,
        method: m.Method,
        nonce: m.Nonce,
        seq: this.store.maxSeq() + 1,
        not_before: notBefore,
      });
      this.store.metaPut(META_DELAY_RULE, JSON.stringify(this.delayRule));
    });
    this.log("info", "message accepted", { cid: cid.toString(), from: m.From, to: m.To, method: m.Method, nonce: m.Nonce });
    return cid;
  }

  private chainMessage(row: MessageRow): ChainMessage {
    return { cid: CID.parse(row.cid), signed: decodeSignedMessage(row.signed), includedAt: row.included_at };
  }

  getMessage(cid: CID): ChainMessage | null {
    const row = this.store.message(cid.toString());
    return row ? this.chainMessage(row) : null;
  }

  searchMessage(cid: CID): MessageLookup | null {
    const row = this.store.message(cid.toString());
    if (!row || row.included_at === null) return null;
    const r = this.store.receipt(row.cid);
    if (!r) return null;
    const tipset = this.tipsetAt(r.height);
    if (!tipset) return null;
    return { message: CID.parse(row.cid), receipt: { exitCode: r.exitCode, return: r.return, gasUsed: r.gasUsed }, tipset, height: r.height };
  }

  waitMessage(cid: CID, confidence: number, signal?: AbortSignal): Promise<MessageLookup> {
    const ready = (): MessageLookup | null => {
      const l = this.searchMessage(cid);
      return l && this.height - l.height >= confidence ? l : null;
    };
    const now = ready();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        cid,
        confidence,
        resolve: (l) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(l);
        },
      };
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        reject(signal?.reason instanceof Error ? signal.reason : new Error("wait aborted"));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  private wakeWaiters(): void {
    for (const w of [...this.waiters]) {
      const l = this.searchMessage(w.cid);
      if (l && this.height - l.height >= w.confidence) {
        this.waiters.delete(w);
        w.resolve(l);
      }
    }
  }

  listMessages(filter: MessageFilter): CID[] {
    const rows = this.store.includedBetween(Math.max(0, filter.fromHeight ?? 0), this.height);
    return rows
      .filter((r) => filter.from === undefined || r.from_id === filter.from)
      .filter((r) => filter.method === undefined || r.method === filter.method)
      .filter((r) => filter.to === undefined || this.resolveId(r.to_addr) === filter.to)
      .map((r) => CID.parse(r.cid));
  }

  mpoolPending(): ChainMessage[] {
    return this.store.mpool().map((r) => this.chainMessage(r));
  }

  // ---------------------------------------------------------------- extension points

  onHeadChange(cb: (changes: HeadChange[]) => void): () => void {
    this.headListeners.add(cb);
    return () => this.headListeners.delete(cb);
  }

  onRoundStart(hook: RoundHook): () => void {
    this.roundHooks.add(hook);
    return () => this.roundHooks.delete(hook);
  }

  registerActor(id: number, handler: ActorHandler): void {
    if (BUILTIN_KINDS[id] === undefined) throw new RangeError(`actor t0${id} is not a builtin singleton; only those take handlers`);
    this.handlers.set(id, handler);
  }

  setMarketHooks(factory: MarketHooksFactory): void {
    this.marketHooks = factory;
  }

  kvGet(namespace: string, key: string): JsonValue | undefined {
    const v = this.store.kvGet(namespace, key);
    return v === undefined ? undefined : (JSON.parse(v) as JsonValue);
  }

  kvPut(namespace: string, key: string, value: JsonValue | null): void {
    this.store.kvPut(namespace, key, value === null ? null : JSON.stringify(value));
  }

  kvList(namespace: string, keyPrefix = ""): [string, JsonValue][] {
    return this.store.kvList(namespace, keyPrefix).map((r) => [r.key, JSON.parse(r.value) as JsonValue]);
  }

  private notify(changes: HeadChange[]): void {
    for (const cb of [...this.headListeners]) {
      try {
        cb(changes);
      } catch (err) {
        this.log("error", "head-change listener failed", { error: String(err) });
      }
    }
    this.wakeWaiters();
  }

  // ---------------------------------------------------------------- execution

  private minerEnv(epoch: number, tx: Overlay, call: ActorCall | null): MinerEnv {
    const marketHooks = this.marketHooks && call ? this.marketHooks(tx, call) : rejectDealPieces;
    return {
      epoch,
      policy: this.policy,
      networkName: this.networkName,
      ticketRandomness: (tag, e, entropy) => this.ticketRandomness(tag, e, entropy),
      beaconRandomness: (tag, e, entropy) => this.beaconRandomness(tag, e, entropy),
      market: marketHooks,
      verifyProofs: true,
    };
  }

  private dispatch: Dispatch = (tx, call) => {
    const actor = tx.actor(call.to)!;
    const actorCall: ActorCall = { epoch: tx.epoch, caller: call.caller, to: call.to, value: call.value, method: call.method, params: call.params, messageCid: call.cid };
    if (actor.kind === "miner") {
      // The VM moved Value already; invokeMiner adds it to the balance itself, so it gets the state before.
      const after = tx.minerState(call.to)!;
      const before = { ...after, Balance: after.Balance - call.value };
      const r = invokeMiner(before, this.minerEnv(tx.epoch, tx, actorCall), { caller: call.caller, value: call.value }, call.method, call.params);
      // setMinerState credits f099 with the growth of the state's Burnt total; r.burnt is that same amount
      // (already taken from the miner's balance), so it must not be transferred again.
      tx.setMinerState(call.to, r.state);
      for (const s of r.sent ?? []) tx.mint(s.to, s.amount); // the miner's balance already dropped by `amount`
      return r.ret;
    }
    const handler = this.handlers.get(call.to);
    if (handler) return handler.invoke(actorCall, tx);
    return unhandled(call.method, call.to);
  };

  /** Executes the messages of tipset `p` and the end of epoch `p` on top of the head state. */
  private executeParent(parent: ChainTipset, receiptHeight: number): Overlay {
    const p = parent.height;
    const tx = new Overlay(this.headState, p);
    const deps = { db: this.db, dispatch: this.dispatch, failRules: this.failRules, log: this.log };
    const cron = (epoch: number): void => {
      for (const id of tx.minerIds()) {
        const before = tx.minerState(id)!;
        const after = processDeadlineEnd(before, this.minerEnv(epoch, tx, null));
        if (after !== before) tx.setMinerState(id, after);
      }
    };
    cron(p); // deadlines that closed at p (after a restart or at genesis: all that are due)
    for (const row of this.store.includedAt(p)) {
      const receipt = applyMessage(tx, decodeSignedMessage(row.signed), CID.parse(row.cid), deps);
      this.store.insertReceipt(row.cid, receiptHeight, receipt);
      if (receipt.exitCode !== 0) this.log("info", "message failed", { cid: row.cid, method: row.method, exit_code: receipt.exitCode, epoch: p });
    }
    const winner = parent.blocks[0].miner;
    if (winner !== 0 && tx.minerState(winner)) tx.mint(winner, this.blockReward);
    for (const handler of this.handlers.values()) handler.endOfEpoch?.(p, tx);
    // builtin-actors' cron runs at the end of a deadline's last epoch: process those closing at p + 1.
    cron(p + 1);
    return tx;
  }

  /** Mpool messages for tipset `e`: per sender consecutive nonces from its state nonce, not delayed. */
  private selectMessages(tx: Overlay, e: number): MessageRow[] {
    const bySender = new Map<number, MessageRow[]>();
    for (const row of this.store.mpool()) {
      const list = bySender.get(row.from_id) ?? [];
      list.push(row);
      bySender.set(row.from_id, list);
    }
    const out: MessageRow[] = [];
    let bytes = 0;
    for (const [from, rows] of bySender) {
      let expected = tx.actor(from)?.nonce ?? 0;
      for (const row of rows.sort((a, b) => a.nonce - b.nonce)) {
        if (row.nonce < expected) {
          this.store.deleteMessage(row.cid); // its nonce was used by another message: it can never execute
          continue;
        }
        if (row.nonce !== expected || row.not_before > e) break;
        if (out.length >= MAX_BLOCK_MESSAGES || bytes + row.signed.length > MAX_BLOCK_BYTES) break;
        out.push(row);
        bytes += row.signed.length;
        expected += 1;
      }
    }
    return out;
  }

  produceNext(): ChainTipset {
    if (this.closed) throw new Error("the chain is closed");
    const parent = this.headTs;
    const e = parent.height + 1;
    const winner = this.round?.epoch === e ? this.round.winner : null;
    const { seed } = this.setup;
    let writes!: Map<string, unknown>;
    let tipset!: ChainTipset;
    let pruned: number | null = null;
    transaction(this.db, () => {
      const tx = this.executeParent(parent, e);
      const selected = this.selectMessages(tx, e);
      const block: Omit<ChainBlock, "cid"> = {
        miner: winner?.minerId ?? 0,
        vrfProof: ticketVrfProof(seed, this.fork, e),
        winCount: winner ? 1 : null,
        beacon: { round: e, data: beaconData(seed, e) },
        height: e,
        parents: parent.cids,
        parentBaseFee: BASE_FEE,
        timestampMs: Math.max(Date.now(), parent.blocks[0].timestampMs),
        messages: selected.map((r) => CID.parse(r.cid)),
      };
      const header = encodeHeader(block);
      const full: ChainBlock = { ...block, cid: dagCborCid(header) };
      this.store.insertTipset(full, header);
      selected.forEach((r, i) => this.store.include(r.cid, e, i));
      writes = tx.flush(this.store, e);
      this.store.metaPut(META_FAIL_RULES, JSON.stringify([...this.failRules]));
      // Revert reaches back at most MAX_REVERT tipsets: older versions of a value are dead weight.
      if (e % PRUNE_EVERY === 0 && e - MAX_REVERT > this.prunedBelow) {
        this.store.pruneState(e - MAX_REVERT);
        this.store.metaPut(META_PRUNED_BELOW, String(e - MAX_REVERT));
        pruned = e - MAX_REVERT;
      }
      tipset = tipsetOf(full);
    });
    this.headState = this.headState.next(tipset, writes as never);
    this.headTs = tipset;
    if (pruned !== null) this.prunedBelow = pruned;
    this.log("info", "tipset", { height: e, cid: tipset.key, messages: tipset.blocks[0].messages.length, miner: tipset.blocks[0].miner });
    this.notify([{ type: "apply", tipset }]);
    return tipset;
  }

  // ---------------------------------------------------------------- production and fault injection

  get paused(): boolean {
    return this.pausedFlag;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.nextAt = this.clock.now() + this.blockTimeMs;
    if (!this.pausedFlag) this.beginRound();
  }

  private beginRound(): void {
    const epoch = this.height + 1;
    const controller = new AbortController();
    const round: RoundState = { epoch, controller, winner: null };
    this.round = round;
    const endsAt = Math.max(this.nextAt, this.clock.now());
    for (const hook of this.roundHooks) {
      Promise.resolve()
        .then(() => hook({ epoch, signal: controller.signal, endsAt }))
        .then((r) => {
          if (r && !controller.signal.aborted && round.winner === null) round.winner = r;
        })
        .catch((err: unknown) => this.log("warn", "round hook failed", { epoch, error: String(err) }));
    }
    this.timer = this.clock.setTimeout(() => this.tick(), Math.max(0, endsAt - this.clock.now()));
  }

  private endRound(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.round?.controller.abort(new Error("round ended"));
  }

  private tick(): void {
    this.timer = null;
    if (!this.running || this.pausedFlag) return;
    const round = this.round;
    round?.controller.abort(new Error("round ended"));
    try {
      this.produceNext();
    } catch (err) {
      this.running = false;
      this.onFatal(err);
      return;
    }
    if (round === this.round) this.round = null;
    // Drift-free schedule: the next round ends one block time after this one did, never in the past.
    this.nextAt = Math.max(this.nextAt + this.blockTimeMs, this.clock.now());
    if (this.running && !this.pausedFlag) this.beginRound();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.endRound();
    this.round = null;
  }

  pause(): void {
    if (this.pausedFlag) return;
    this.pausedFlag = true;
    this.endRound();
    this.round = null;
    this.log("info", "blocks paused", { height: this.height });
  }

  resume(): void {
    if (!this.pausedFlag) return;
    this.pausedFlag = false;
    this.log("info", "blocks resumed", { height: this.height });
    if (this.running) {
      this.nextAt = this.clock.now() + this.blockTimeMs;
      this.beginRound();
    }
  }

  failMessages(method: number, exitCode: number, count: number): void {
    if (!Number.isSafeInteger(method) || method < 0) throw new RangeError(`method ${String(method)} must be a non-negative integer`);
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count ${String(count)} must be a non-negative integer`);
    if (count === 0) this.failRules.delete(method);
    else {
      if (!Number.isSafeInteger(exitCode) || exitCode < 1 || exitCode > 255) throw new RangeError(`exit code ${String(exitCode)} must be in 1…255`);
      this.failRules.set(method, { exitCode, count });
    }
    this.store.metaPut(META_FAIL_RULES, JSON.stringify([...this.failRules]));
  }

  delayMessages(count: number, epochs: number): void {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count ${String(count)} must be a non-negative integer`);
    if (!Number.isSafeInteger(epochs) || epochs < 0) throw new RangeError(`epochs ${String(epochs)} must be a non-negative integer`);
    this.delayRule = count === 0 || epochs === 0 ? null : { count, epochs };
    this.store.metaPut(META_DELAY_RULE, JSON.stringify(this.delayRule));
  }

  revert(k: number): ChainTipset {
    const h = this.height;
    const max = Math.min(h, MAX_REVERT);
    if (!Number.isSafeInteger(k) || k < 1 || k > max) throw new RangeError(`revert count ${String(k)} must be in 1…${max} (min(height, ${MAX_REVERT}))`);
    const target = h - k;
    const reverted: ChainTipset[] = [];
    for (let x = h; x > target; x--) reverted.push(this.tipsetAt(x)!);
    transaction(this.db, () => {
      this.store.deleteTipsetsAbove(target);
      this.store.deleteStateAbove(target);
      this.store.deleteReceiptsAbove(target);
      this.store.unincludeAbove(target);
      this.fork += 1;
      this.store.metaPut(META_FORK, String(this.fork));
      for (const handler of this.handlers.values()) handler.revertTo?.(target);
    });
    this.headTs = this.store.tipsetAt(target)!;
    this.headState = new RowState(this.store, this.headTs);
    this.log("warn", "reverted", { from: h, to: target, fork: this.fork });
    this.notify(reverted.map((tipset) => ({ type: "revert" as const, tipset })));
    if (this.running && !this.pausedFlag) {
      this.endRound();
      this.nextAt = this.clock.now() + this.blockTimeMs;
      this.beginRound();
    }
    return this.headTs;
  }

  status(): ChainStatus {
    return { height: this.height, paused: this.pausedFlag, blockTimeMs: this.blockTimeMs, networkName: this.networkName, mpoolSize: this.store.mpoolCount() };
  }

  close(): void {
    if (this.closed) return;
    this.running = false;
    this.endRound();
    this.closed = true;
    this.waiters.clear();
    this.db.close();
  }
}
