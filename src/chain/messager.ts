// Sending messages and waiting for them (manager.md §2.1 API.Messager, §8.4 "Sending"). Two implementations of
// one interface:
//
// - SophonMessager: a sophon-messager (or the devnet's `Message.*`, devnet.md §5.5). The server keys every
//   message by its uid and pushes a known uid only once, across its restarts and ours, so the client just
//   repeats a call whose outcome it did not hear.
// - MpoolMessager: straight to the chain node (MpoolPushMessage + StateSearchMsg/StateWaitMsg), used when
//   neither Messager nor Gateway is configured. A node keys nothing by our uid, so this side keeps a MessageLog
//   and writes each message to it BEFORE pushing. The crash windows and what closes each:
//
//   W0  crash before `record` is durable: nothing was pushed and there is no record; the caller, whose own
//       state still says "to send", sends it again under a new or the same uid. Nothing twice.
//   W1  recorded, crash before MpoolPushMessage reached the node: record "recorded". On resume (push or wait
//       of the uid, or recover()) the record is settled before anything is pushed, as in W2; the chain shows no
//       match, so it is pushed now: once.
//   W2  the node took MpoolPushMessage, crash (or a lost reply: TransportError) before `markPushed`: record
//       "recorded" too, indistinguishable from W1 locally. Settling: the record holds the sender's
//       MpoolGetNonce read just before recording (`nonceFloor`) and the head height then (`recordedAt`). A
//       pushed message has a nonce ≥ nonceFloor and is included above recordedAt. If the node's MpoolGetNonce
//       for the sender is still nonceFloor, nothing from the sender was taken since: not pushed. Otherwise wait
//       until the sender's on-chain nonce reaches that value (every message in the window has executed, ours
//       included if it exists), then list the sender's messages since recordedAt (StateListMessages) and take
//       the one with nonce ≥ nonceFloor and the same To, Method, Value and Params that no other uid holds
//       (findByCid): found ⇒ markPushed with its CID, never pushed again; none ⇒ it was not pushed ⇒ push.
//       A replacement by gas bump keeps To/Method/Value/Params, so it is found too.
//       Lotus additionally de-duplicates MpoolPushMessage by MessageSendSpec.MsgUuid (derived from the uid
//       here): a re-push of a message it already signed returns the first one.
//   W3  markPushed durable, crash before the message landed: record "pushed" with its CID; resume waits on
//       that CID (StateWaitMsg/StateSearchMsg, replacements allowed) and never pushes.
//   W4  landed, crash before markLanded: still "pushed"; the search by CID finds the receipt.
//
//   What no protocol closes here: a node that loses a pending message from its mpool after we pushed it makes
//   MpoolGetNonce fall back; a re-push then reuses the same nonce, so at most one of the two can ever execute.
//   Settling a W2 record waits for the sender's earlier pending messages to execute: a message stuck in the
//   mpool (fee cap too low) holds it until the caller's signal aborts.
//
// An RpcError from MpoolPushMessage is the node's refusal (nothing pushed): the record is marked failed and
// MessageFailedError thrown; the caller re-queues under a new uid.

import { createHash } from "node:crypto";
import { CID } from "multiformats/cid";
import type { ClientMethods } from "../api/define.js";
import type { Message as LotusMessage, MessageReceipt, MsgLookup } from "../api/lotus.js";
import { MessageState, messagerApi, type MessagerApi, type MessagerMessage, type SendSpec as MessagerSendSpec } from "../api/messager.js";
import { signedMessageCid } from "../filecoin/message.js";
import { parseAddress } from "../filecoin/address.js";
import { rpcClient } from "../rpc/client.js";
import { RpcError } from "../rpc/errors.js";
import { rpcOptions, type ChainClient, type Endpoint } from "./lotus-client.js";
import { DEFAULT_RETRY, retryTransport, sleep, type RetryPolicy } from "./retry.js";

// ---- the interface ----

/**
 * How a message's gas is set (manager.md §3 fee block). Absent or 0 = the node's / messager's choice. The
 * MpoolMessager applies the multipliers to the node's GasEstimateMessageGas answer (a Lotus node's estimate already
 * holds its own GasLimitOverestimation) and pushes the message with its gas filled; a sophon-messager gets them in
 * its SendSpec and the fee cap on the message.
 */
export interface SendSpec {
  /** Upper bound on the fee (attoFIL). */
  maxFee?: bigint;
  /** GasFeeCap of the message (attoFIL per gas unit). */
  gasFeeCap?: bigint;
  /** Multiplier of the estimated GasLimit. */
  gasOverEstimation?: number;
  /** Multiplier of the estimated GasPremium (capped at the fee cap). */
  gasOverPremium?: number;
}

export interface OutgoingMessage extends SendSpec {
  /** The caller's id of this message; one uid is one message, pushed at most once. */
  uid: string;
  from: string;
  to: string;
  method: number;
  params: Uint8Array;
  value: bigint;
}

export interface MsgResult {
  uid: string;
  /** The message that landed: the pushed one or its replacement. */
  cid: CID;
  /** What was pushed for the uid (null when a messager does not report it). */
  pushedCid: CID | null;
  replaced: boolean;
  /** Height of the tipset carrying the receipt (inclusion + 1, as Lotus reports it). */
  height: number;
  tipSet: CID[];
  receipt: MessageReceipt;
}

export type MessageFailure = "refused" | "failed" | "nonce-conflict";

/** The message will not land under this uid: refused by the node / messager, or its nonce taken by another. */
export class MessageFailedError extends Error {
  override name = "MessageFailedError";
  constructor(
    readonly uid: string,
    readonly reason: MessageFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Messager {
  /** Sends the message (at most once per uid, across restarts); returns the uid. */
  push(msg: OutgoingMessage, signal?: AbortSignal): Promise<string>;
  /** Waits until the message landed with `confidence` epochs on top of its receipt. */
  wait(uid: string, confidence: number, signal?: AbortSignal): Promise<MsgResult>;
  /** The receipt if the message is on chain now, else null (also for an unknown uid). Never pushes. */
  search(uid: string): Promise<MsgResult | null>;
}

// ---- the log MpoolMessager writes before pushing ----

type Awaitable<T> = T | Promise<T>;

export type MessageRecordState = "recorded" | "pushed" | "landed" | "failed";

export interface NewMessageRecord {
  uid: string;
  from: string;
  to: string;
  method: number;
  params: Uint8Array;
  value: bigint;
  maxFee: bigint | null;
  /** The rest of the SendSpec; absent in records written before it existed. */
  gasFeeCap?: bigint | null;
  gasOverEstimation?: number | null;
  gasOverPremium?: number | null;
  /** MpoolGetNonce(from) just before recording: if pushed, the message's nonce is at least this. */
  nonceFloor: number;
  /** Head height just before recording: if pushed, the message is included above it. */
  recordedAt: number;
}

export interface MessageRecord extends NewMessageRecord {
  state: MessageRecordState;
  /** The signed CID pushed (text), from "pushed" on. */
  cid: string | null;
  nonce: number | null;
  /** From "landed" on: the CID that landed (differs from `cid` when replaced), its receipt height and exit code. */
  landedCid: string | null;
  height: number | null;
  exitCode: number | null;
  /** Set with state "failed". */
  error: string | null;
}

/**
 * Durable storage of MpoolMessager's records (the manager backs it with its database). Each method must be
 * durable when it returns. Sync or async implementations both fit.
 */
export interface MessageLog {
  /** Inserts a record in state "recorded"; a uid already present is an error. */
  record(rec: NewMessageRecord): Awaitable<void>;
  markPushed(uid: string, cid: string, nonce: number): Awaitable<void>;
  markLanded(uid: string, landed: { cid: string; height: number; exitCode: number }): Awaitable<void>;
  markFailed(uid: string, error: string): Awaitable<void>;
  get(uid: string): Awaitable<MessageRecord | null>;
  /** The uid whose pushed or landed CID is `cid`, if any (so one chain message is never claimed by two uids). */
  findByCid(cid: string): Awaitable<string | null>;
  /** Records in state "recorded" or "pushed", oldest first. */
  listUnfinished(): Awaitable<MessageRecord[]>;
}

/** A MessageLog in memory (tests; a process that accepts losing its records). */
export function memoryMessageLog(): MessageLog & { records: Map<string, MessageRecord> } {
  const records = new Map<string, MessageRecord>();
  const must = (uid: string): MessageRecord => {
    const r = records.get(uid);
    if (!r) throw new Error(`message ${uid} is not recorded`);
    return r;
  };
  return {
    records,
    record(rec) {
      if (records.has(rec.uid)) throw new Error(`message ${rec.uid} is already recorded`);
      records.set(rec.uid, { ...rec, params: rec.params.slice(), state: "recorded", cid: null, nonce: null, landedCid: null, height: null, exitCode: null, error: null });
    },
    markPushed(uid, cid, nonce) {
      Object.assign(must(uid), { state: "pushed", cid, nonce });
    },
    markLanded(uid, l) {
      Object.assign(must(uid), { state: "landed", landedCid: l.cid, height: l.height, exitCode: l.exitCode });
    },
    markFailed(uid, error) {
      Object.assign(must(uid), { state: "failed", error });
    },
    get: (uid) => {
      const r = records.get(uid);
      return r ? { ...r } : null;
    },
    findByCid: (cid) => [...records.values()].find((r) => r.cid === cid || r.landedCid === cid)?.uid ?? null,
    listUnfinished: () => [...records.values()].filter((r) => r.state === "recorded" || r.state === "pushed").map((r) => ({ ...r })),
  };
}

// ---- shared helpers ----

const FOREVER: RetryPolicy = { ...DEFAULT_RETRY, attempts: Infinity };

/** Lotus's MessageSendSpec.MsgUuid for a uid: the uid itself when it is a UUID, else a name-based UUID of it. */
export function msgUuidFor(uid: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uid)) return uid.toLowerCase();
  const b = createHash("sha256").update("damocles-manager message ").update(uid).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50; // version 5 (name-based)
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function unsignedMessage(m: Pick<OutgoingMessage, "from" | "to" | "method" | "params" | "value">): LotusMessage {
  return { Version: 0, To: m.to, From: m.from, Nonce: 0, Value: m.value, GasLimit: 0, GasFeeCap: 0n, GasPremium: 0n, Method: m.method, Params: m.params };
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function checkOutgoing(m: OutgoingMessage): void {
  if (typeof m.uid !== "string" || m.uid === "") throw new RangeError("message uid must be a non-empty string");
  for (const k of ["from", "to"] as const) {
    try {
      parseAddress(m[k]);
    } catch (e) {
      throw new RangeError(`message ${m.uid}: ${k} "${m[k]}" is not an address: ${(e as Error).message}`, { cause: e });
    }
  }
  if (!Number.isSafeInteger(m.method) || m.method < 0) throw new RangeError(`message ${m.uid}: method ${m.method} must be a non-negative integer`);
  if (m.value < 0n) throw new RangeError(`message ${m.uid}: value ${m.value} must not be negative`);
  if (m.maxFee !== undefined && m.maxFee < 0n) throw new RangeError(`message ${m.uid}: maxFee ${m.maxFee} must not be negative`);
  if (m.gasFeeCap !== undefined && m.gasFeeCap < 0n) throw new RangeError(`message ${m.uid}: gasFeeCap ${m.gasFeeCap} must not be negative`);
  for (const k of ["gasOverEstimation", "gasOverPremium"] as const) {
    const v = m[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`message ${m.uid}: ${k} ${v} must be a non-negative number`);
  }
}

/** A uid must always name the same message; a caller reusing one for another message has a bug. */
function checkSameMessage(rec: NewMessageRecord, m: OutgoingMessage): void {
  const same = rec.from === m.from && rec.to === m.to && rec.method === m.method && rec.value === m.value && sameBytes(rec.params, m.params);
  if (!same) throw new RangeError(`message uid ${m.uid} is already recorded for a different message (to ${rec.to}, method ${rec.method})`);
}

function lookupResult(uid: string, pushed: CID | null, l: MsgLookup): MsgResult {
  return {
    uid,
    cid: l.Message,
    pushedCid: pushed,
    replaced: pushed !== null && !pushed.equals(l.Message),
    height: l.Height,
    tipSet: l.TipSet,
    receipt: l.Receipt,
  };
}

/** Per-uid serialisation inside one process: two calls on one uid never settle or push it side by side. */
class UidLocks {
  private readonly tails = new Map<string, Promise<unknown>>();
  run<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(uid) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.tails.set(uid, tail);
    void tail.then(() => {
      if (this.tails.get(uid) === tail) this.tails.delete(uid);
    });
    return next;
  }
}

// ---- MpoolMessager ----

export type MpoolChain = Pick<
  ChainClient,
  "ChainHead" | "MpoolGetNonce" | "MpoolPushMessage" | "StateGetActor" | "StateListMessages" | "ChainGetMessage" | "StateLookupID" | "StateSearchMsg" | "StateWaitMsg"
> &
  // Needed only for messages with gas multipliers.
  Partial<Pick<ChainClient, "GasEstimateMessageGas">>;

export interface MpoolMessagerOptions {
  chain: MpoolChain;
  log: MessageLog;
  /** How often settling a W2 record looks at the sender's on-chain nonce. */
  pollMs?: number;
  retry?: RetryPolicy;
}

export class MpoolMessager implements Messager {
  private readonly chain: MpoolChain;
  private readonly log: MessageLog;
  private readonly pollMs: number;
  private readonly retry: RetryPolicy;
  private readonly locks = new UidLocks();

  constructor(opts: MpoolMessagerOptions) {
    this.chain = opts.chain;
    this.log = opts.log;
    this.pollMs = opts.pollMs ?? 1_000;
    this.retry = opts.retry ?? DEFAULT_RETRY;
  }

  async push(msg: OutgoingMessage, signal?: AbortSignal): Promise<string> {
    checkOutgoing(msg);
    return this.locks.run(msg.uid, async () => {
      const rec = await this.log.get(msg.uid);
      if (rec) {
        checkSameMessage(rec, msg);
        await this.resume(rec, signal);
        return msg.uid;
      }
      const read = <T>(fn: () => Promise<T>): Promise<T> => retryTransport(fn, this.retry, signal);
      const [nonceFloor, head] = await Promise.all([read(() => this.chain.MpoolGetNonce(msg.from)), read(() => this.chain.ChainHead())]);
      const fresh: NewMessageRecord = {
        uid: msg.uid,
        from: msg.from,
        to: msg.to,
        method: msg.method,
        params: msg.params,
        value: msg.value,
        maxFee: msg.maxFee ?? null,
        gasFeeCap: msg.gasFeeCap ?? null,
        gasOverEstimation: msg.gasOverEstimation ?? null,
        gasOverPremium: msg.gasOverPremium ?? null,
        nonceFloor,
        recordedAt: head.Height,
      };
      await this.log.record(fresh); // durable before the node sees anything (W0/W1)
      await this.pushRecorded(fresh);
      return msg.uid;
    });
  }

  async wait(uid: string, confidence: number, signal?: AbortSignal): Promise<MsgResult> {
    const rec = await this.settled(uid, signal);
    if (!rec) throw new RangeError(`message ${uid} is unknown to this messager`);
    const cid = CID.parse(rec.cid!);
    let lookup: MsgLookup;
    try {
      lookup = await retryTransport(() => this.chain.StateWaitMsg(cid, confidence, -1, true), FOREVER, signal);
    } catch (e) {
      throw nonceConflict(uid, e) ?? e;
    }
    return this.landed(uid, cid, lookup);
  }

  async search(uid: string): Promise<MsgResult | null> {
    let rec = await this.log.get(uid);
    if (!rec) return null;
    if (rec.state === "failed") throw failedError(rec);
    if (rec.state === "recorded") {
      // Look, never push: a message not found yet may still be in the mpool.
      rec = await this.locks.run(uid, async () => {
        const r = (await this.log.get(uid))!;
        if (r.state !== "recorded") return r;
        const found = await this.findPushed(r, false);
        if (!found) return r;
        await this.log.markPushed(uid, found.cid, found.nonce);
        return (await this.log.get(uid))!;
      });
      if (rec.state !== "pushed" && rec.state !== "landed") return null;
    }
    const cid = CID.parse(rec.cid!);
    let lookup: MsgLookup | null;
    try {
      lookup = await retryTransport(() => this.chain.StateSearchMsg([], cid, -1, true), this.retry);
    } catch (e) {
      throw nonceConflict(uid, e) ?? e;
    }
    return lookup ? this.landed(uid, cid, lookup) : null;
  }

  /** Settles every record left "recorded" by a crash (W1/W2): each is found on chain or pushed, once. */
  async recover(signal?: AbortSignal): Promise<{ resumed: string[]; failed: { uid: string; error: Error }[] }> {
    const resumed: string[] = [];
    const failed: { uid: string; error: Error }[] = [];
    for (const rec of await this.log.listUnfinished()) {
      if (rec.state !== "recorded") continue;
      try {
        await this.settled(rec.uid, signal);
        resumed.push(rec.uid);
      } catch (e) {
        if (signal?.aborted) throw e;
        failed.push({ uid: rec.uid, error: e as Error });
      }
    }
    return { resumed, failed };
  }

  /** The record with a CID to wait on: a "recorded" one is first settled (found on chain, or pushed). */
  private async settled(uid: string, signal?: AbortSignal): Promise<MessageRecord | null> {
    const rec = await this.log.get(uid);
    if (!rec) return null;
    if (rec.state === "failed") throw failedError(rec);
    if (rec.state !== "recorded") return rec;
    return this.locks.run(uid, async () => {
      const r = (await this.log.get(uid))!;
      await this.resume(r, signal);
      const after = (await this.log.get(uid))!;
      if (after.state === "failed") throw failedError(after);
      return after;
    });
  }

  private async resume(rec: MessageRecord, signal?: AbortSignal): Promise<void> {
    if (rec.state === "failed") throw failedError(rec);
    if (rec.state !== "recorded") return;
    const found = await this.findPushed(rec, true, signal);
    if (found) await this.log.markPushed(rec.uid, found.cid, found.nonce);
    else await this.pushRecorded(rec);
  }

  /** The one place MpoolPushMessage is called; the record is durable and known not to be on the node. */
  private async pushRecorded(rec: NewMessageRecord): Promise<void> {
    let signed;
    try {
      const spec = { MaxFee: rec.maxFee ?? 0n, MsgUuid: msgUuidFor(rec.uid) };
      signed = await this.chain.MpoolPushMessage(await this.withGas(rec, spec), spec);
    } catch (e) {
      if (e instanceof RpcError) {
        await this.log.markFailed(rec.uid, e.message);
        throw new MessageFailedError(rec.uid, "refused", `message ${rec.uid} refused by the chain node: ${e.message}`, { cause: e });
      }
      throw e; // outcome unknown (W2): the record stays "recorded" and is settled before any new push
    }
    const cid = signed.CID ?? signedMessageCid(signed);
    await this.log.markPushed(rec.uid, cid.toString(), signed.Message.Nonce);
  }

  /** The unsigned message with the record's fee cap, and with gas estimated and scaled when it has multipliers. */
  private async withGas(rec: NewMessageRecord, spec: { MaxFee: bigint; MsgUuid: string }): Promise<LotusMessage> {
    const msg = { ...unsignedMessage(rec), GasFeeCap: rec.gasFeeCap ?? 0n };
    const over = rec.gasOverEstimation ?? 0;
    const premium = rec.gasOverPremium ?? 0;
    if (over <= 0 && premium <= 0) return msg; // the node fills gas, keeping the fee cap
    if (!this.chain.GasEstimateMessageGas) throw new Error(`message ${rec.uid}: gas multipliers need GasEstimateMessageGas on the chain client`);
    const est = await this.chain.GasEstimateMessageGas(msg, spec, []);
    const feeCap = msg.GasFeeCap > 0n ? msg.GasFeeCap : est.GasFeeCap;
    const scaled = (v: bigint, k: number): bigint => (v * BigInt(Math.round(k * 1e6)) + 999_999n) / 1_000_000n;
    let gasPremium = premium > 0 ? scaled(est.GasPremium, premium) : est.GasPremium;
    if (gasPremium > feeCap) gasPremium = feeCap; // a premium above the cap is refused by the mpool
    return { ...msg, GasLimit: over > 0 ? Math.ceil(est.GasLimit * over) : est.GasLimit, GasFeeCap: feeCap, GasPremium: gasPremium };
  }

  /**
   * Looks for the record's message on chain (W2). With `block`, first waits until every message of the
   * sender's nonce window has executed, so "not found" means "not pushed"; without, "not found" means
   * "not on chain yet".
   */
  private async findPushed(rec: MessageRecord, block: boolean, signal?: AbortSignal): Promise<{ cid: string; nonce: number } | null> {
    const read = <T>(fn: () => Promise<T>): Promise<T> => retryTransport(fn, this.retry, signal);
    const next = await read(() => this.chain.MpoolGetNonce(rec.from));
    if (next <= rec.nonceFloor) return null; // the sender's nonce has not moved: nothing of it was taken since
    if (block) {
      for (;;) {
        const actor = await read(() => this.chain.StateGetActor(rec.from, []));
        if (actor.Nonce >= next) break;
        await sleep(this.pollMs, signal);
      }
    }
    const head = await read(() => this.chain.ChainHead());
    const cids = await read(() => this.chain.StateListMessages({ From: rec.from }, head.Cids, rec.recordedAt));
    const toId = await this.idOf(rec.to, read);
    for (const cid of cids) {
      const m = await read(() => this.chain.ChainGetMessage(cid));
      if (m.Nonce < rec.nonceFloor || m.Method !== rec.method || m.Value !== rec.value || !sameBytes(m.Params, rec.params)) continue;
      if (m.To !== rec.to && (await this.idOf(m.To, read)) !== toId) continue;
      const owner = await this.log.findByCid(cid.toString());
      if (owner !== null && owner !== rec.uid) continue; // an identical message of another uid
      return { cid: cid.toString(), nonce: m.Nonce };
    }
    return null;
  }

  private async idOf(addr: string, read: <T>(fn: () => Promise<T>) => Promise<T>): Promise<string> {
    if (parseAddress(addr).id !== undefined) return addr.slice(1);
    try {
      return (await read(() => this.chain.StateLookupID(addr, []))).slice(1);
    } catch (e) {
      if (e instanceof RpcError) return addr; // no actor yet: only the same text matches
      throw e;
    }
  }

  private async landed(uid: string, pushed: CID, l: MsgLookup): Promise<MsgResult> {
    await this.log.markLanded(uid, { cid: l.Message.toString(), height: l.Height, exitCode: l.Receipt.ExitCode });
    return lookupResult(uid, pushed, l);
  }
}

function failedError(rec: MessageRecord): MessageFailedError {
  return new MessageFailedError(rec.uid, "refused", `message ${rec.uid} failed: ${rec.error ?? "unknown error"}`);
}

/** Lotus answers a wait whose nonce was used by a different message with an error naming the nonce. */
function nonceConflict(uid: string, e: unknown): MessageFailedError | null {
  if (e instanceof RpcError && /nonce/i.test(e.message)) {
    return new MessageFailedError(uid, "nonce-conflict", `message ${uid}: its nonce was used by another message: ${e.message}`, { cause: e });
  }
  return null;
}

// ---- SophonMessager ----

export interface SophonMessagerOptions {
  /** A client of the `Message` API (rpcClient(messagerApi, endpoint)). */
  client: ClientMethods<MessagerApi>;
  /** Pause between WaitMessage answers that are not final yet. */
  pollMs?: number;
  retry?: RetryPolicy;
  /**
   * Told the signed CID of a pushed message once the messager has signed it (the caller's record leaves
   * "pending"); a messager that signs later is asked again by `search`.
   */
  onPushed?: (uid: string, cid: CID) => Promise<void> | void;
}

export class SophonMessager implements Messager {
  private readonly client: ClientMethods<MessagerApi>;
  private readonly pollMs: number;
  private readonly retry: RetryPolicy;
  private readonly onPushed: SophonMessagerOptions["onPushed"];
  /** Uids whose signed CID was reported. */
  private readonly reported = new Set<string>();

  constructor(opts: SophonMessagerOptions) {
    this.client = opts.client;
    this.pollMs = opts.pollMs ?? 1_000;
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.onPushed = opts.onPushed;
  }

  async push(msg: OutgoingMessage, signal?: AbortSignal): Promise<string> {
    checkOutgoing(msg);
    const spec: MessagerSendSpec = {};
    if (msg.maxFee !== undefined) spec.maxFee = msg.maxFee;
    if (msg.gasOverEstimation !== undefined) spec.gasOverEstimation = msg.gasOverEstimation;
    if (msg.gasOverPremium !== undefined) spec.gasOverPremium = msg.gasOverPremium;
    const unsigned = { ...unsignedMessage(msg), GasFeeCap: msg.gasFeeCap ?? 0n };
    // PushMessageWithId is idempotent by uid, so a call whose reply was lost is simply repeated.
    const id = await retryTransport(() => this.client.PushMessageWithId(msg.uid, unsigned, Object.keys(spec).length > 0 ? spec : null), this.retry, signal);
    if (id !== msg.uid) throw new Error(`messager answered PushMessageWithId(${msg.uid}) with another id ${id}`);
    await this.report(id).catch(() => {}); // best effort: `search` reports it later
    return id;
  }

  /** Reads the messager's record and reports its signed CID once. */
  private async report(uid: string, known?: MessagerMessage): Promise<void> {
    if (!this.onPushed || this.reported.has(uid)) return;
    const m = known ?? (await retryTransport(() => this.client.GetMessageByUid(uid), this.retry));
    if (!m.SignedCid) return;
    await this.onPushed(uid, m.SignedCid);
    this.reported.add(uid);
  }

  async wait(uid: string, confidence: number, signal?: AbortSignal): Promise<MsgResult> {
    for (;;) {
      const m = await retryTransport(() => this.client.WaitMessage(uid, confidence), FOREVER, signal);
      await this.report(uid, m).catch(() => {});
      const r = sophonResult(m);
      if (r && m.Confidence >= confidence) return r;
      await sleep(this.pollMs, signal);
    }
  }

  async search(uid: string): Promise<MsgResult | null> {
    if (!(await retryTransport(() => this.client.HasMessageByUid(uid), this.retry))) return null;
    const m = await retryTransport(() => this.client.GetMessageByUid(uid), this.retry);
    await this.report(uid, m);
    return sophonResult(m);
  }
}

/** A SophonMessager with its own client of the `Message` API at `endpoint`. */
export function createSophonMessager(
  endpoint: Endpoint,
  opts: Omit<SophonMessagerOptions, "client"> = {},
): SophonMessager & { close(): Promise<void> } {
  const client = rpcClient(messagerApi, rpcOptions(endpoint));
  return Object.assign(new SophonMessager({ ...opts, client }), { close: () => client.close() });
}

/** A landed record as a MsgResult; null while not on chain; failures thrown. */
function sophonResult(m: MessagerMessage): MsgResult | null {
  if (m.State === MessageState.FailedMsg) throw new MessageFailedError(m.ID, "failed", `message ${m.ID} failed in the messager: ${m.ErrorMsg || "no reason given"}`);
  if (m.State === MessageState.NonceConflictMsg) throw new MessageFailedError(m.ID, "nonce-conflict", `message ${m.ID}: nonce conflict in the messager${m.ErrorMsg ? `: ${m.ErrorMsg}` : ""}`);
  if (m.State !== MessageState.OnChainMsg || !m.Receipt) return null;
  const cid = m.SignedCid ?? m.UnsignedCid;
  if (!cid) throw new Error(`messager record ${m.ID} is on chain without a CID`);
  return { uid: m.ID, cid, pushedCid: cid, replaced: false, height: m.Height, tipSet: m.TipSetKey, receipt: m.Receipt };
}
