// The chain's rows in chain.db (schema.ts): tipset headers, messages and the mpool, receipts,
// versioned state rows and the plain key-value store. Synchronous better-sqlite3 statements, so the
// caller composes them inside one transaction per tipset.
import { CID } from "multiformats/cid";
import type { Database, Statement } from "better-sqlite3";
import { decodeCbor, encodeCbor, filBigInt, readBytes, readInt, readTuple, readUint, readCid, readArray, readFilBigInt, readNullable } from "../filecoin/cbor.js";
import { dagCborCid } from "../filecoin/message.js";
import type { ChainBlock, ChainTipset, Receipt } from "./chain.js";

/** Canonical text of a tipset key. */
export const tipsetKey = (cids: readonly CID[]): string => cids.map((c) => c.toString()).join(",");

/** The header record whose dag-cbor CID is the block CID (field order is this devnet's own). */
function headerTuple(b: Omit<ChainBlock, "cid">): unknown[] {
  return [
    b.miner,
    b.vrfProof,
    b.winCount,
    [b.beacon.round, b.beacon.data],
    b.height,
    b.parents,
    filBigInt(b.parentBaseFee),
    b.timestampMs,
    b.messages,
  ];
}

export function encodeHeader(b: Omit<ChainBlock, "cid">): Uint8Array {
  return encodeCbor(headerTuple(b) as never);
}

export function decodeHeader(bytes: Uint8Array): ChainBlock {
  const t = readTuple(decodeCbor(bytes), 9, "header");
  const beacon = readTuple(t[3], 2, "header.beacon");
  return {
    cid: dagCborCid(bytes),
    miner: readUint(t[0], "header.miner"),
    vrfProof: readBytes(t[1], "header.vrfProof"),
    winCount: readNullable(t[2], "header.winCount", readUint),
    beacon: { round: readUint(beacon[0], "header.beacon.round"), data: readBytes(beacon[1], "header.beacon.data") },
    height: readInt(t[4], "header.height"),
    parents: readArray(t[5], "header.parents", readCid),
    parentBaseFee: readFilBigInt(t[6], "header.parentBaseFee"),
    timestampMs: readUint(t[7], "header.timestampMs"),
    messages: readArray(t[8], "header.messages", readCid),
  };
}

export function tipsetOf(block: ChainBlock): ChainTipset {
  return { height: block.height, cids: [block.cid], key: tipsetKey([block.cid]), blocks: [block] };
}

export interface MessageRow {
  cid: string;
  unsigned_cid: string;
  signed: Uint8Array;
  from_id: number;
  to_addr: string;
  method: number;
  nonce: number;
  seq: number;
  not_before: number;
  included_at: number | null;
  idx: number | null;
}

export interface StateRow {
  key: string;
  value: string | null;
}

/** Prepared statements over one open chain.db. */
export class ChainStore {
  private readonly s: Record<string, Statement>;

  constructor(readonly db: Database) {
    const p = (sql: string): Statement => db.prepare(sql);
    this.s = {
      insertTipset: p("INSERT INTO tipsets (height, key, header) VALUES (?, ?, ?)"),
      tipsetAt: p("SELECT header FROM tipsets WHERE height = ?"),
      tipsetByKey: p("SELECT header FROM tipsets WHERE key = ?"),
      headHeight: p("SELECT MAX(height) AS h FROM tipsets"),
      deleteTipsetsAbove: p("DELETE FROM tipsets WHERE height > ?"),
      insertMessage: p(
        "INSERT INTO messages (cid, unsigned_cid, signed, from_id, to_addr, method, nonce, seq, not_before) VALUES (@cid, @unsigned_cid, @signed, @from_id, @to_addr, @method, @nonce, @seq, @not_before)",
      ),
      messageByCid: p("SELECT * FROM messages WHERE cid = ? OR unsigned_cid = ? LIMIT 1"),
      mpool: p("SELECT * FROM messages WHERE included_at IS NULL ORDER BY seq"),
      mpoolCount: p("SELECT COUNT(*) AS n FROM messages WHERE included_at IS NULL"),
      maxSeq: p("SELECT COALESCE(MAX(seq), 0) AS s FROM messages"),
      pendingMaxNonce: p("SELECT MAX(nonce) AS n FROM messages WHERE from_id = ? AND (included_at IS NULL OR included_at >= ?)"),
      pendingWithNonce: p("SELECT 1 AS x FROM messages WHERE from_id = ? AND nonce = ? AND (included_at IS NULL OR included_at >= ?)"),
      includedAt: p("SELECT * FROM messages WHERE included_at = ? ORDER BY idx"),
      include: p("UPDATE messages SET included_at = ?, idx = ? WHERE cid = ?"),
      deleteMessage: p("DELETE FROM messages WHERE cid = ?"),
      uninclude: p("UPDATE messages SET included_at = NULL, idx = NULL, not_before = 0 WHERE included_at > ?"),
      insertReceipt: p("INSERT OR REPLACE INTO receipts (cid, height, exit_code, ret, gas_used) VALUES (?, ?, ?, ?, ?)"),
      receipt: p("SELECT * FROM receipts WHERE cid = ?"),
      deleteReceiptsAbove: p("DELETE FROM receipts WHERE height > ?"),
      stateAt: p("SELECT value FROM state WHERE ns = ? AND key = ? AND height <= ? ORDER BY height DESC LIMIT 1"),
      stateList: p(
        "SELECT s.key AS key, s.value AS value FROM state s WHERE s.ns = ? AND s.key >= ? AND s.key < ? AND s.height = (SELECT MAX(t.height) FROM state t WHERE t.ns = s.ns AND t.key = s.key AND t.height <= ?) ORDER BY s.key",
      ),
      putState: p("INSERT OR REPLACE INTO state (ns, key, height, value) VALUES (?, ?, ?, ?)"),
      deleteStateAbove: p("DELETE FROM state WHERE height > ?"),
      pruneState: p(
        "DELETE FROM state WHERE height < @cut AND EXISTS (SELECT 1 FROM state t WHERE t.ns = state.ns AND t.key = state.key AND t.height > state.height AND t.height <= @cut)",
      ),
      kvGet: p("SELECT value FROM kv WHERE ns = ? AND key = ?"),
      kvPut: p("INSERT OR REPLACE INTO kv (ns, key, value) VALUES (?, ?, ?)"),
      kvDelete: p("DELETE FROM kv WHERE ns = ? AND key = ?"),
      kvList: p("SELECT key, value FROM kv WHERE ns = ? AND key >= ? AND key < ? ORDER BY key"),
      metaGet: p("SELECT value FROM meta WHERE key = ?"),
      metaPut: p("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"),
    };
  }

  insertTipset(block: ChainBlock, header: Uint8Array): void {
    this.s.insertTipset!.run(block.height, tipsetKey([block.cid]), header);
  }

  tipsetAt(height: number): ChainTipset | null {
    const row = this.s.tipsetAt!.get(height) as { header: Uint8Array } | undefined;
    return row ? tipsetOf(decodeHeader(row.header)) : null;
  }

  tipsetByKey(key: string): ChainTipset | null {
    const row = this.s.tipsetByKey!.get(key) as { header: Uint8Array } | undefined;
    return row ? tipsetOf(decodeHeader(row.header)) : null;
  }

  headHeight(): number | null {
    return (this.s.headHeight!.get() as { h: number | null }).h;
  }

  deleteTipsetsAbove(height: number): void {
    this.s.deleteTipsetsAbove!.run(height);
  }

  insertMessage(row: Omit<MessageRow, "included_at" | "idx">): void {
    this.s.insertMessage!.run(row);
  }

  message(cid: string): MessageRow | null {
    return (this.s.messageByCid!.get(cid, cid) as MessageRow | undefined) ?? null;
  }

  mpool(): MessageRow[] {
    return this.s.mpool!.all() as MessageRow[];
  }

  mpoolCount(): number {
    return (this.s.mpoolCount!.get() as { n: number }).n;
  }

  maxSeq(): number {
    return (this.s.maxSeq!.get() as { s: number }).s;
  }

  /** Highest nonce of `fromId` not yet executed (in the mpool or included at `head`), null when none. */
  pendingMaxNonce(fromId: number, head: number): number | null {
    return (this.s.pendingMaxNonce!.get(fromId, head) as { n: number | null }).n;
  }

  /** Whether a not-yet-executed message of `fromId` has this nonce. */
  pendingWithNonce(fromId: number, nonce: number, head: number): boolean {
    return this.s.pendingWithNonce!.get(fromId, nonce, head) !== undefined;
  }

  includedAt(height: number): MessageRow[] {
    return this.s.includedAt!.all(height) as MessageRow[];
  }

  include(cid: string, height: number, idx: number): void {
    this.s.include!.run(height, idx, cid);
  }

  deleteMessage(cid: string): void {
    this.s.deleteMessage!.run(cid);
  }

  /** Messages included above `height` go back to the mpool. */
  unincludeAbove(height: number): void {
    this.s.uninclude!.run(height);
  }

  /** Messages included in [from, to], ascending; filter applied by the caller. */
  includedBetween(from: number, to: number): MessageRow[] {
    return this.db
      .prepare("SELECT * FROM messages WHERE included_at >= ? AND included_at <= ? ORDER BY included_at, idx")
      .all(from, to) as MessageRow[];
  }

  insertReceipt(cid: string, height: number, r: Receipt): void {
    this.s.insertReceipt!.run(cid, height, r.exitCode, r.return, r.gasUsed.toString());
  }

  receipt(cid: string): (Receipt & { height: number }) | null {
    const row = this.s.receipt!.get(cid) as { height: number; exit_code: number; ret: Uint8Array; gas_used: string } | undefined;
    if (!row) return null;
    return { height: row.height, exitCode: row.exit_code, return: new Uint8Array(row.ret), gasUsed: BigInt(row.gas_used) };
  }

  deleteReceiptsAbove(height: number): void {
    this.s.deleteReceiptsAbove!.run(height);
  }

  /** The newest value of (ns, key) at or below `height`: undefined when never written, null when deleted. */
  stateAt(ns: string, key: string, height: number): string | null | undefined {
    const row = this.s.stateAt!.get(ns, key, height) as { value: string | null } | undefined;
    return row ? row.value : undefined;
  }

  stateList(ns: string, prefix: string, height: number): StateRow[] {
    return (this.s.stateList!.all(ns, prefix, `${prefix}\uffff`, height) as StateRow[]).filter((r) => r.value !== null);
  }

  putState(ns: string, key: string, height: number, value: string | null): void {
    this.s.putState!.run(ns, key, height, value);
  }

  deleteStateAbove(height: number): void {
    this.s.deleteStateAbove!.run(height);
  }

  /** Drops the versions no state at or above `cut` can read (superseded by a row at or below `cut`). */
  pruneState(cut: number): number {
    return this.s.pruneState!.run({ cut }).changes;
  }

  kvGet(ns: string, key: string): string | undefined {
    return (this.s.kvGet!.get(ns, key) as { value: string } | undefined)?.value;
  }

  kvPut(ns: string, key: string, value: string | null): void {
    if (value === null) this.s.kvDelete!.run(ns, key);
    else this.s.kvPut!.run(ns, key, value);
  }

  kvList(ns: string, prefix: string): { key: string; value: string }[] {
    return this.s.kvList!.all(ns, prefix, `${prefix}\uffff`) as { key: string; value: string }[];
  }

  metaGet(key: string): string | undefined {
    return (this.s.metaGet!.get(key) as { value: string } | undefined)?.value;
  }

  metaPut(key: string, value: string): void {
    this.s.metaPut!.run(key, value);
  }
}

export const cidOf = (text: string): CID => CID.parse(text);
