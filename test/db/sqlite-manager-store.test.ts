import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import test, { type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { MANAGER_MIGRATIONS } from "../../src/db/manager-migrations.js";
import {
  MessageConflictError,
  SectorConflictError,
  SectorExistsError,
  SectorNotFoundError,
  SectorNumberExhaustedError,
  decodeDoc,
  encodeDoc,
  type ManagerStore,
  type NewMessage,
} from "../../src/db/manager-store.js";
import { openSqliteManagerStore, type SqliteManagerStoreOptions } from "../../src/db/sqlite-manager-store.js";
import { openSqlite, SqliteLockedError } from "../../src/db/sqlite.js";
import { tempDir } from "../helpers/tmp.js";

const M = 1000;

async function open(t: TestContext, opts: SqliteManagerStoreOptions = {}): Promise<{ store: ManagerStore; path: string; clock: { now: number } }> {
  const path = join(await tempDir(t), "manager.db");
  const clock = { now: 1_700_000_000_000 };
  const store = openSqliteManagerStore(path, { now: () => clock.now, ...opts });
  t.after(() => store.close());
  return { store, path, clock };
}

const message = (uid: string, over: Partial<NewMessage> = {}): NewMessage => ({
  uid,
  miner: M,
  from: "t0100",
  to: "t01000",
  method: 28,
  params: new Uint8Array([0x81, 0x01]),
  value: 10n ** 18n,
  ...over,
});

test("sector numbers: max(counter, min) + 1, stored at once; past MaxNumber nothing is stored", async (t) => {
  const { store, path } = await open(t);
  assert.equal(await store.lastSectorNumber(M), null);
  assert.equal(await store.peekSectorNumber(M), 1);
  assert.equal(await store.nextSectorNumber(M), 1);
  assert.equal(await store.nextSectorNumber(M), 2);
  assert.equal(await store.nextSectorNumber(M, { min: 100 }), 101, "MinNumber lifts the counter");
  assert.equal(await store.nextSectorNumber(M, { min: 50 }), 102, "a lower min never lowers it");
  assert.equal(await store.peekSectorNumber(M, { min: 500 }), 501);
  assert.equal(await store.lastSectorNumber(M), 102, "peek stores nothing");
  assert.equal(await store.nextSectorNumber(M, { max: 103 }), 103);
  await assert.rejects(store.nextSectorNumber(M, { max: 103 }), (e: unknown) => {
    assert.ok(e instanceof SectorNumberExhaustedError);
    assert.equal(e.next, 104);
    assert.match(e.message, /miner 1000: next sector number 104 exceeds MaxNumber 103/);
    return true;
  });
  assert.equal(await store.lastSectorNumber(M), 103, "the refused number is not consumed");
  assert.equal(await store.nextSectorNumber(2000), 1, "counters are per miner");
  assert.equal(await store.raiseSectorNumber(M, 90), 103, "import never lowers the counter");
  assert.equal(await store.raiseSectorNumber(3000, 7), 7);
  await assert.rejects(store.nextSectorNumber(-1), /miner: expected a non-negative safe integer, got -1/);
  await store.close();
  const again = openSqliteManagerStore(path);
  assert.equal(await again.nextSectorNumber(M), 104, "the counter survives a restart");
  await again.close();
});

test("concurrent nextSectorNumber calls get distinct numbers, increasing in call order", async (t) => {
  const { store } = await open(t);
  const calls = Array.from({ length: 60 }, (_, i) => store.nextSectorNumber(i % 2 === 0 ? M : 2000));
  // A transaction holding the store in the middle must not let any call in or out of order.
  const inTx = store.transaction(async (tx) => [await tx.nextSectorNumber(M), await tx.nextSectorNumber(M)]);
  const more = Array.from({ length: 10 }, () => store.nextSectorNumber(M));
  const got = await Promise.all(calls);
  assert.deepEqual(got.filter((_, i) => i % 2 === 0), Array.from({ length: 30 }, (_, i) => i + 1));
  assert.deepEqual(got.filter((_, i) => i % 2 === 1), Array.from({ length: 30 }, (_, i) => i + 1));
  assert.deepEqual(await inTx, [31, 32]);
  assert.deepEqual(await Promise.all(more), Array.from({ length: 10 }, (_, i) => 33 + i));
  assert.equal(await store.lastSectorNumber(M), 42);
});

test("sector states: create, read, update with versions, finalize and restore, list, count", async (t) => {
  const { store, clock } = await open(t);
  const ticket = Uint8Array.from({ length: 32 }, (_, i) => i);
  const created = await store.createSector({ miner: M, number: 1, proofType: 8, doc: { Ticket: { Ticket: ticket, Epoch: 10 } } });
  assert.deepEqual(created, {
    miner: M,
    number: 1,
    online: true,
    proofType: 8,
    job: "sealing",
    latestState: null,
    finalized: false,
    abortReason: null,
    needSend: null,
    doc: { Ticket: { Ticket: ticket, Epoch: 10 } },
    version: 1,
    createdAt: clock.now,
    updatedAt: clock.now,
  });
  await assert.rejects(store.createSector({ miner: M, number: 1, proofType: 8, doc: {} }), SectorExistsError);
  await store.createSector({ miner: M, number: 2, proofType: 8, doc: {}, latestState: "PC1Done" });
  await store.createSector({ miner: 2000, number: 1, proofType: 9, doc: {}, job: "snapup" });

  clock.now += 1000;
  const updated = await store.updateSector(M, 1, (s) => ({ ...s, latestState: "PC2Done", needSend: "precommit", doc: { ...s.doc, Deposit: 123n } }));
  assert.equal(updated.version, 2);
  assert.equal(updated.updatedAt, clock.now);
  assert.equal(updated.latestState, "PC2Done");
  assert.deepEqual(updated.doc, { Ticket: { Ticket: ticket, Epoch: 10 }, Deposit: 123n }, "bigint and bytes read back exactly");
  assert.deepEqual(await store.getSector(M, 1), updated);
  assert.equal(await store.getSector(M, 1, { online: false }), null);
  assert.equal(await store.getSector(M, 9), null);
  await assert.rejects(store.updateSector(M, 9, (s) => s), (e: unknown) => e instanceof SectorNotFoundError && /s-t01000-9 is not known/.test(e.message));

  // Optimistic versions: a record read before someone else's write is refused.
  const stale = await store.getSector(M, 2);
  await store.updateSector(M, 2, (s) => ({ ...s, latestState: "PC2Done" }));
  await assert.rejects(store.saveSector({ ...stale!, latestState: "Aborted" }), (e: unknown) => {
    assert.ok(e instanceof SectorConflictError);
    assert.match(e.message, /version 2 is stored, the record was read at 1/);
    return true;
  });
  const fresh = await store.saveSector({ ...(await store.getSector(M, 2))!, latestState: "PCSubmitted" });
  assert.equal(fresh.version, 3);
  await assert.rejects(store.updateSector(M, 2, (s) => ({ ...s, needSend: "bogus" as never })), /needSend: expected one of precommit, provecommit, terminate, snapup/);

  // Finalize moves online → offline in one write; repeating it changes nothing.
  const fin = await store.finalizeSector(M, 1, (s) => ({ ...s, finalized: true, latestState: "Finished" }));
  assert.equal(fin.online, false);
  assert.equal(fin.finalized, true);
  assert.equal(fin.version, 3);
  assert.equal(await store.getSector(M, 1, { online: true }), null);
  assert.deepEqual(await store.getSector(M, 1, { online: false }), fin);
  assert.deepEqual(await store.finalizeSector(M, 1, () => assert.fail("not called for an offline sector")), fin);
  await assert.rejects(store.saveSector({ ...fin, online: true }), /is offline; saveSector keeps a sector in its store/);
  await assert.rejects(store.updateSector(M, 1, (s) => s, { online: true }), (e: unknown) => e instanceof SectorNotFoundError && /not known online/.test(e.message));
  await store.finalizeSector(M, 2, (s) => ({ ...s, abortReason: "sector aborted by operator" }));

  const restored = await store.restoreSector(M, 1, (s) => ({ ...s, job: "unseal" }));
  assert.equal(restored.online, true);
  assert.equal(restored.job, "unseal");
  await assert.rejects(store.restoreSector(M, 77), SectorNotFoundError);

  const ids = (list: { miner: number; number: number }[]) => list.map((s) => `${s.miner}-${s.number}`);
  assert.deepEqual(ids(await store.listSectors()), ["1000-1", "1000-2", "2000-1"]);
  assert.deepEqual(ids(await store.listSectors({ online: true })), ["1000-1", "2000-1"]);
  assert.deepEqual(ids(await store.listSectors({ online: false })), ["1000-2"]);
  assert.deepEqual(ids(await store.listSectors({ miner: 2000 })), ["2000-1"]);
  assert.deepEqual(ids(await store.listSectors({ states: ["Finished", "PCSubmitted"] })), ["1000-1", "1000-2"]);
  assert.deepEqual(ids(await store.listSectors({ states: [] })), []);
  assert.deepEqual(ids(await store.listSectors({ job: "snapup" })), ["2000-1"]);
  assert.deepEqual(ids(await store.listSectors({ needSend: "precommit" })), ["1000-1"]);
  assert.deepEqual(await store.countSectors(), [
    { online: true, latestState: null, count: 1 },
    { online: true, latestState: "Finished", count: 1 },
    { online: false, latestState: "PCSubmitted", count: 1 },
  ]);
});

test("import writes a sector as given, and replaces one only with override", async (t) => {
  const { store } = await open(t);
  assert.equal(await store.importSector({ miner: M, number: 5, proofType: 8, doc: { a: 1 }, online: false, finalized: true }), true);
  const s = await store.getSector(M, 5);
  assert.equal(s?.online, false);
  assert.equal(s?.finalized, true);
  assert.equal(await store.importSector({ miner: M, number: 5, proofType: 8, doc: { a: 2 }, online: true }), false);
  assert.deepEqual((await store.getSector(M, 5))?.doc, { a: 1 });
  assert.equal(await store.importSector({ miner: M, number: 5, proofType: 8, doc: { a: 2 }, online: true }, { override: true }), true);
  const replaced = await store.getSector(M, 5);
  assert.deepEqual([replaced?.online, replaced?.finalized, replaced?.doc, replaced?.version], [true, false, { a: 2 }, 2]);
});

test("a throwing change leaves nothing behind, in one table or several", async (t) => {
  const { store } = await open(t);
  const before = await store.createSector({ miner: M, number: 1, proofType: 8, doc: { n: 1 } });

  await assert.rejects(
    store.updateSector(M, 1, () => {
      throw new Error("mutate failed");
    }),
    /mutate failed/,
  );
  // An async mutate that wrote other tables through the store before failing: all of it is undone.
  await assert.rejects(
    store.updateSector(M, 1, async (s) => {
      await store.reserveSpace({ miner: M, number: 1, store: "a", size: 10 });
      await store.nextSectorNumber(M);
      return { ...s, doc: { n: 2, bad: () => 0 } as never };
    }),
    /doc\.bad: a function is not storable/,
  );
  assert.deepEqual(await store.getSector(M, 1), before);
  assert.equal(await store.getReservation(M, 1), null);
  assert.equal(await store.lastSectorNumber(M), null);

  await assert.rejects(
    store.transaction(async (tx) => {
      await tx.recordMessage(message("m1"));
      await tx.updateSector(M, 1, (s) => ({ ...s, needSend: "precommit" }));
      await tx.createBatch({ miner: M, kind: "precommit", sectors: [1, 2], messageUid: "m1" });
    }),
    (e: unknown) => e instanceof SectorNotFoundError && e.number === 2,
  );
  assert.equal(await store.getMessage("m1"), null);
  assert.equal((await store.getSector(M, 1))?.needSend, null);

  // A nested transaction is a savepoint: its failure, caught by the caller, undoes only its own part.
  await store.transaction(async (tx) => {
    await tx.setSectorLocation(M, 1, { sealedStore: "a", cacheStore: "a" }, "normal");
    await assert.rejects(
      tx.transaction(async (inner) => {
        await inner.setSectorLocation(M, 1, { sealedStore: "b", cacheStore: "b" }, "upgrade");
        throw new Error("inner");
      }),
      /inner/,
    );
    await tx.transaction(async (inner) => inner.recordPing(ping("w1", 1)));
  });
  assert.deepEqual(await store.findSectorLocation(M, 1, "normal"), { sealedStore: "a", cacheStore: "a" });
  assert.equal(await store.findSectorLocation(M, 1, "upgrade"), null);
  assert.equal((await store.getPing("w1"))?.lastPing, 1);
});

test("nested transactions the outer one did not await still finish inside it", async (t) => {
  const { store } = await open(t);
  let nested!: Promise<void>;
  await store.transaction(async (tx) => {
    nested = tx.transaction(async (inner) => {
      await new Promise((r) => setTimeout(r, 10));
      await inner.recordPing(ping("late", 7));
    });
    void tx.transaction(async (inner) => inner.recordPing(ping("later", 8)));
  });
  await nested;
  assert.deepEqual((await store.listPings()).map((p) => p.name), ["late", "later"]);
  // A transaction started from a callback of a committed one is a transaction of its own.
  let fromCallback!: Promise<number>;
  await store.transaction(async () => {
    fromCallback = new Promise((resolve, reject) => setTimeout(() => store.transaction(async (tx) => tx.nextSectorNumber(M)).then(resolve, reject), 5));
  });
  assert.equal(await fromCallback, 1);
  assert.equal(await store.lastSectorNumber(M), 1);
});

test("callers outside a transaction wait for it and never see its uncommitted writes", async (t) => {
  const { store } = await open(t);
  await store.createSector({ miner: M, number: 1, proofType: 8, doc: { n: 0 } });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const seen: string[] = [];
  const tx = store.transaction(async (tx) => {
    await tx.updateSector(M, 1, (s) => ({ ...s, doc: { n: 1 } }));
    seen.push("tx wrote");
    await gate;
    seen.push("tx commits");
  });
  await new Promise((r) => setImmediate(r));
  const read = store.getSector(M, 1).then((s) => {
    seen.push(`reader saw ${String(s?.doc.n)}`);
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, ["tx wrote"], "the reader waits");
  release();
  await Promise.all([tx, read]);
  assert.deepEqual(seen, ["tx wrote", "tx commits", "reader saw 1"]);
});

test("deals per sector: set, list, find by deal or piece, release on abort", async (t) => {
  const { store } = await open(t);
  await store.createSector({ miner: M, number: 1, proofType: 8, doc: {} });
  await store.createSector({ miner: M, number: 2, proofType: 8, doc: {} });
  const deals = [
    { pieceIndex: 0, dealId: 11, allocationId: 0, pieceCid: "baga-a", pieceSize: 1024 },
    { pieceIndex: 1, dealId: 0, allocationId: 77, pieceCid: "baga-b", pieceSize: 1024 },
  ];
  await store.setSectorDeals(M, 1, deals);
  await store.setSectorDeals(M, 1, deals); // idempotent: replaces
  await store.setSectorDeals(M, 2, [{ pieceIndex: 0, dealId: 12, allocationId: 0, pieceCid: "baga-a", pieceSize: 1024 }]);
  assert.deepEqual(await store.listSectorDeals(M, 1), deals);
  assert.deepEqual((await store.findSectorsWithDeal(11)).map((s) => s.number), [1]);
  assert.deepEqual((await store.findSectorsWithPiece("baga-a")).map((s) => s.number), [1, 2]);
  await store.finalizeSector(M, 2);
  assert.deepEqual((await store.findSectorsWithPiece("baga-a", { online: true })).map((s) => s.number), [1]);
  assert.deepEqual((await store.findSectorsWithPiece("baga-a", { online: false })).map((s) => s.number), [2]);
  assert.deepEqual(await store.releaseSectorDeals(M, 1), deals);
  assert.deepEqual(await store.listSectorDeals(M, 1), []);
  assert.deepEqual(await store.releaseSectorDeals(M, 1), []);
  await assert.rejects(store.setSectorDeals(M, 9, deals), SectorNotFoundError);
  await assert.rejects(store.setSectorDeals(M, 1, [{ ...deals[0]!, dealId: -1 }]), /deals\[0\]\.dealId: expected a non-negative safe integer/);
});

test("messages: recorded once per uid before the push, then pushed, landed or failed", async (t) => {
  const { store, clock } = await open(t);
  const first = await store.recordMessage({ ...message("pre-1"), spec: { maxFee: 5n } });
  assert.equal(first.state, "pending");
  assert.deepEqual(first.spec, { maxFee: 5n });
  clock.now += 5;
  assert.deepEqual(await store.recordMessage(message("pre-1")), first, "same uid again: the recorded message, no second row");
  await assert.rejects(store.recordMessage(message("pre-1", { params: new Uint8Array([9]) })), (e: unknown) => {
    assert.ok(e instanceof MessageConflictError);
    assert.equal(e.message, "message pre-1 is already recorded with a different params");
    return true;
  });
  await assert.rejects(store.recordMessage(message("pre-1", { value: 1n })), /different value/);
  await store.recordMessage(message("pre-2", { miner: 2000 }));
  await store.recordMessage(message("pre-3"));
  assert.deepEqual((await store.listUnfinishedMessages()).map((m) => m.uid), ["pre-1", "pre-2", "pre-3"]);
  assert.deepEqual((await store.listUnfinishedMessages({ miner: 2000 })).map((m) => m.uid), ["pre-2"]);

  const pushed = await store.markPushed("pre-1", "bafy-signed-1");
  assert.deepEqual([pushed.state, pushed.signedCid], ["pushed", "bafy-signed-1"]);
  const landed = await store.markLanded("pre-1", { receipt: { exitCode: 0, return: new Uint8Array([1, 2]), gasUsed: 123456n }, tipset: "bafy-ts", height: 42 });
  assert.deepEqual(
    { state: landed.state, receipt: landed.receipt, tipset: landed.tipset, height: landed.height },
    { state: "landed", receipt: { exitCode: 0, return: new Uint8Array([1, 2]), gasUsed: 123456n }, tipset: "bafy-ts", height: 42 },
  );
  await assert.rejects(store.markPushed("pre-1", "bafy-other"), /message pre-1 is already landed; it cannot be marked pushed/);
  const failed = await store.markFailed("pre-2", "messager: out of gas");
  assert.deepEqual([failed.state, failed.error], ["failed", "messager: out of gas"]);
  assert.deepEqual((await store.listUnfinishedMessages()).map((m) => m.uid), ["pre-3"]);
  await assert.rejects(store.markPushed("nope", "x"), /message nope is not recorded/);
  assert.equal(await store.getMessage("nope"), null);
  assert.deepEqual((await store.getMessage("pre-1"))?.value, 10n ** 18n);
});

test("batches link sectors to a message and clear NeedSend in one step", async (t) => {
  const { store } = await open(t);
  for (const n of [1, 2, 3]) await store.createSector({ miner: M, number: n, proofType: 8, doc: {}, needSend: "precommit" });
  await store.createSector({ miner: M, number: 4, proofType: 8, doc: {} });

  // Accept + queue as one unit: record the message and create its batch together.
  const batch = await store.transaction(async (tx) => {
    await tx.recordMessage(message("pre-b1"));
    return tx.createBatch({ miner: M, kind: "precommit", sectors: [2, 1], messageUid: "pre-b1" });
  });
  assert.deepEqual({ ...batch, createdAt: 0 }, { id: 1, miner: M, kind: "precommit", sectors: [1, 2], messageUid: "pre-b1", createdAt: 0 });
  assert.deepEqual((await store.listSectors({ needSend: "precommit" })).map((s) => s.number), [3], "re-queued after a restart: only 3");
  assert.equal((await store.getSector(M, 1))?.version, 2);

  await store.recordMessage(message("pre-b2"));
  await assert.rejects(
    store.createBatch({ miner: M, kind: "precommit", sectors: [3, 4], messageUid: "pre-b2" }),
    /sector s-t01000-4 is not waiting for a precommit message \(needSend: none\)/,
  );
  assert.equal((await store.getSector(M, 3))?.needSend, "precommit", "nothing of the refused batch is written");
  await assert.rejects(store.createBatch({ miner: M, kind: "precommit", sectors: [3], messageUid: "missing" }), /message missing is not recorded/);
  await assert.rejects(store.createBatch({ miner: 2000, kind: "precommit", sectors: [3], messageUid: "pre-b2" }), /belongs to miner 1000/);
  await assert.rejects(store.createBatch({ miner: M, kind: "precommit", sectors: [3, 3], messageUid: "pre-b2" }), /repeats a sector/);
  const b2 = await store.createBatch({ miner: M, kind: "precommit", sectors: [3], messageUid: "pre-b2" });

  assert.deepEqual((await store.listOpenBatches()).map((b) => b.id), [1, b2.id]);
  await store.markLanded("pre-b1", { receipt: { exitCode: 0, return: new Uint8Array(), gasUsed: 1n }, tipset: "ts", height: 5 });
  assert.deepEqual((await store.listOpenBatches({ miner: M, kind: "precommit" })).map((b) => b.id), [b2.id]);
  assert.deepEqual(await store.listOpenBatches({ kind: "provecommit" }), []);

  // A failed message: the sector is queued again and its next batch becomes the one found.
  await store.markFailed("pre-b2", "nonce conflict");
  assert.equal((await store.findSectorMessage(M, 3, "precommit"))?.message.state, "failed");
  await store.updateSector(M, 3, (s) => ({ ...s, needSend: "precommit" }));
  await store.recordMessage(message("pre-b3"));
  const b3 = await store.createBatch({ miner: M, kind: "precommit", sectors: [3], messageUid: "pre-b3" });
  const found = await store.findSectorMessage(M, 3, "precommit");
  assert.deepEqual([found?.batch.id, found?.message.uid, found?.message.state], [b3.id, "pre-b3", "pending"]);
  assert.equal((await store.findSectorMessage(M, 1, "precommit"))?.message.state, "landed");
  assert.equal(await store.findSectorMessage(M, 1, "provecommit"), null);
  assert.deepEqual((await store.getBatch(1))?.sectors, [1, 2]);
  assert.equal(await store.getBatch(99), null);

  // Terminations batch offline (finalized) sectors the same way.
  await store.finalizeSector(M, 1, (s) => ({ ...s, finalized: true, needSend: "terminate" }));
  await store.recordMessage(message("term-1", { method: 9 }));
  const term = await store.createBatch({ miner: M, kind: "terminate", sectors: [1], messageUid: "term-1" });
  assert.deepEqual([term.kind, (await store.getSector(M, 1))?.needSend], ["terminate", null]);
  assert.equal((await store.findSectorMessage(M, 1, "terminate"))?.message.uid, "term-1");
});

test("indexer: normal and upgrade locations, lookup by store", async (t) => {
  const { store } = await open(t);
  await store.setSectorLocation(M, 1, { sealedStore: "p1", cacheStore: "p1" }, "normal");
  await store.setSectorLocation(M, 1, { sealedStore: "p2", cacheStore: "p2" }, "upgrade");
  await store.setSectorLocation(M, 2, { sealedStore: "p1", cacheStore: "p3" }, "normal");
  await store.setSectorLocation(M, 2, { sealedStore: "p3", cacheStore: "p3" }, "normal"); // upsert
  assert.deepEqual(await store.findSectorLocation(M, 1, "normal"), { sealedStore: "p1", cacheStore: "p1" });
  assert.deepEqual(await store.findSectorLocation(M, 1, "upgrade"), { sealedStore: "p2", cacheStore: "p2" });
  assert.deepEqual(await store.findSectorLocation(M, 2, "normal"), { sealedStore: "p3", cacheStore: "p3" });
  assert.equal(await store.findSectorLocation(M, 3, "normal"), null);
  assert.deepEqual(await store.listSectorsInStore("p1"), [{ miner: M, number: 1, set: "normal", sealedStore: "p1", cacheStore: "p1" }]);
  assert.deepEqual((await store.listSectorsInStore("p3", "normal")).map((s) => s.number), [2]);
  assert.deepEqual(await store.listSectorsInStore("p2", "normal"), []);
  assert.equal(await store.removeSectorLocation(M, 1, "upgrade"), true);
  assert.equal(await store.removeSectorLocation(M, 1, "upgrade"), false);
  await assert.rejects(store.findSectorLocation(M, 1, "other" as never), /set: expected one of normal, upgrade/);
});

test("reservations: idempotent per sector, bounded by free space, released once", async (t) => {
  const { store, clock } = await open(t);
  const r1 = await store.reserveSpace({ miner: M, number: 1, store: "p1", size: 4096, free: 10_000 });
  assert.deepEqual(r1, { miner: M, number: 1, store: "p1", size: 4096, reservedAt: clock.now });
  clock.now += 1000;
  assert.deepEqual(await store.reserveSpace({ miner: M, number: 1, store: "p1", size: 4096, free: 0 }), r1, "same request: same answer, even when full");
  assert.equal((await store.listReservations()).length, 1);
  await store.reserveSpace({ miner: M, number: 2, store: "p1", size: 4096, free: 10_000 });
  assert.equal(await store.reservedBytes("p1"), 8192);
  assert.equal(await store.reserveSpace({ miner: M, number: 3, store: "p1", size: 4096, free: 10_000 }), null, "8192 + 4096 > 10000");
  assert.equal(await store.getReservation(M, 3), null);
  // A sector moving its reservation to another store frees the first.
  const moved = await store.reserveSpace({ miner: M, number: 2, store: "p2", size: 4096 });
  assert.deepEqual([moved?.store, moved?.reservedAt], ["p2", clock.now]);
  assert.equal(await store.reservedBytes("p1"), 4096);
  assert.deepEqual((await store.listReservations({ store: "p2" })).map((r) => r.number), [2]);
  assert.equal(await store.releaseReservation(M, 1), true);
  assert.equal(await store.releaseReservation(M, 1), false);
  assert.equal(await store.reservedBytes("p1"), 0);
  await assert.rejects(store.reserveSpace({ miner: M, number: 4, store: "", size: 1 }), /reservation\.store: expected a non-empty string/);
});

const ping = (name: string, lastPing: number) => ({
  name,
  dest: "127.0.0.1:17890",
  version: "v0.1.0",
  summary: { threads: 4, empty: 1, paused: 0, running: 3, waiting: 0, errors: 0 },
  lastPing,
});

test("worker pings: upsert by name, list, remove", async (t) => {
  const { store } = await open(t);
  await store.recordPing(ping("w2", 100));
  await store.recordPing(ping("w1", 100));
  await store.recordPing({ ...ping("w1", 160), summary: { threads: 4, empty: 0, paused: 1, running: 2, waiting: 0, errors: 1 } });
  assert.deepEqual(await store.getPing("w1"), { ...ping("w1", 160), summary: { threads: 4, empty: 0, paused: 1, running: 2, waiting: 0, errors: 1 } });
  assert.deepEqual((await store.listPings()).map((p) => [p.name, p.lastPing]), [["w1", 160], ["w2", 100]]);
  assert.equal(await store.removePing("w2"), true);
  assert.equal(await store.removePing("w2"), false);
  assert.equal(await store.getPing("w2"), null);
  await assert.rejects(store.recordPing({ ...ping("", 1) }), /ping\.name: expected a non-empty string/);
  await assert.rejects(store.recordPing({ ...ping("w3", 1), summary: { ...ping("w3", 1).summary, running: -1 } }), /ping\.summary\.running/);
});

test("jobs: generic keyed records for snapup, rebuild, unseal and prover jobs", async (t) => {
  const { store, clock } = await open(t);
  const j = await store.putJob({ kind: "rebuild", key: "1000-5", state: "queued", doc: { PiecesAvailable: true } });
  assert.deepEqual(j, { kind: "rebuild", key: "1000-5", state: "queued", doc: { PiecesAvailable: true }, createdAt: clock.now, updatedAt: clock.now });
  clock.now += 10;
  await store.putJob({ kind: "rebuild", key: "1000-6", state: "queued", doc: {} });
  await store.putJob({ kind: "unseal", key: "1000-5/baga", state: "set_up", doc: { Dest: ["file:///x"] } });
  const u = await store.updateJob("rebuild", "1000-5", (cur) => ({ state: "taken", doc: { ...cur.doc, Worker: "w1" } }));
  assert.deepEqual([u.state, u.doc, u.createdAt, u.updatedAt], ["taken", { PiecesAvailable: true, Worker: "w1" }, clock.now - 10, clock.now]);
  assert.deepEqual((await store.listJobs({ kind: "rebuild" })).map((x) => x.key), ["1000-5", "1000-6"]);
  assert.deepEqual((await store.listJobs({ kind: "rebuild", states: ["queued"] })).map((x) => x.key), ["1000-6"]);
  await assert.rejects(store.updateJob("rebuild", "nope", (c) => c), /job rebuild\/nope is not known/);
  assert.equal(await store.deleteJob("rebuild", "1000-6"), true);
  assert.equal(await store.getJob("rebuild", "1000-6"), null);
  assert.equal((await store.getJob("unseal", "1000-5/baga"))?.state, "set_up");
});

test("documents keep bigint and bytes exactly and refuse what JSON cannot carry", () => {
  const doc = { a: 1n << 70n, b: new Uint8Array([0, 255]), c: [null, true, "x", -1.5], d: { e: undefined, f: {} } };
  const text = encodeDoc(doc);
  assert.equal(text, '{"a":{"$bigint":"1180591620717411303424"},"b":{"$bytes":"AP8="},"c":[null,true,"x",-1.5],"d":{"f":{}}}');
  assert.deepEqual(decodeDoc(text), { a: 1n << 70n, b: new Uint8Array([0, 255]), c: [null, true, "x", -1.5], d: { f: {} } });
  assert.deepEqual(decodeDoc(encodeDoc(Buffer.from([1, 2]).subarray(1))), new Uint8Array([2]));
  assert.throws(() => encodeDoc({ x: { $bigint: "1" } }), /doc\.x: the key "\$bigint" is reserved/);
  assert.throws(() => encodeDoc({ when: new Date(0) } as never), /doc\.when: a Date is not storable/);
  assert.throws(() => encodeDoc({ n: [1, Number.NaN] }), /doc\.n\[1\]: NaN is not a finite number/);
  assert.throws(() => encodeDoc({ n: [undefined] } as never), /doc\.n\[0\]: undefined is not storable/);
});

test("one manager per database; a database from a newer program is refused", async (t) => {
  const { store, path } = await open(t);
  assert.throws(() => openSqliteManagerStore(path), SqliteLockedError);
  await store.close();
  await assert.rejects(store.getSector(M, 1), /the manager store is closed/);
  const future = { version: MANAGER_MIGRATIONS.length + 1, name: "future", sql: "CREATE TABLE future (x INTEGER)" };
  openSqlite(path, { migrations: [...MANAGER_MIGRATIONS, future] }).close();
  assert.throws(() => openSqliteManagerStore(path), /schema version 2 \("future"\), newer than this program knows \(1\)/);
});

// --- kill -9 --------------------------------------------------------------------------------------

const WRITER = fileURLToPath(new URL("./fixtures/manager-store-writer.ts", import.meta.url));

/** Runs the writer until it has committed `atLeast` more sectors, then kills it with SIGKILL mid-loop. */
async function runAndKill(t: TestContext, path: string, atLeast: number): Promise<number[]> {
  const child = spawn(process.execPath, ["--import", "tsx", WRITER, path], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => child.kill("SIGKILL"));
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const committed: number[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const l of lines) if (/^\d+$/.test(l)) committed.push(Number(l));
      if (committed.length >= atLeast) resolve();
    });
    void exited.then(() => reject(new Error(`writer exited early: ${stderr}`)));
  });
  // Land the kill at an arbitrary point of a later transaction (most time is spent inside commits).
  await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
  child.kill("SIGKILL");
  await exited;
  return committed;
}

async function assertConsistent(path: string, committed: readonly number[]): Promise<number> {
  const store = openSqliteManagerStore(path);
  try {
    const last = (await store.lastSectorNumber(M))!;
    assert.ok(last >= Math.max(...committed), `counter ${last} covers every committed number`);
    const sectors = await store.listSectors({ miner: M });
    assert.deepEqual(
      sectors.map((s) => s.number),
      Array.from({ length: last }, (_, i) => i + 1),
      "every number handed out has its sector, and no sector lacks its number",
    );
    assert.equal((await store.getSector(999, 1))?.doc.total, last, "the ledger counts exactly the committed sectors");
    const reservations = await store.listReservations();
    const unfinished = await store.listUnfinishedMessages();
    const batches = await store.listOpenBatches();
    assert.deepEqual([reservations.length, unfinished.length, batches.length], [last, last, last]);
    for (const s of sectors) {
      assert.equal(s.needSend, null, `${s.number}: linked to its batch`);
      assert.equal(s.doc.seq, s.number);
      assert.equal((await store.listSectorDeals(M, s.number))[0]?.dealId, s.number);
      assert.equal((await store.findSectorMessage(M, s.number, "precommit"))?.message.uid, `pre-${s.number}`);
    }
    return last;
  } finally {
    await store.close();
  }
}

test("kill -9 during a loop of multi-table transactions: the reopened store is consistent", { timeout: 90_000 }, async (t) => {
  const path = join(await tempDir(t), "manager.db");
  const first = await runAndKill(t, path, 15);
  const lastAfterFirst = await assertConsistent(path, first);
  // The next run carries on from the recovered state.
  const second = await runAndKill(t, path, 10);
  assert.equal(second[0], lastAfterFirst + 1, "numbering continues after the crash");
  await assertConsistent(path, [...first, ...second]);
});
