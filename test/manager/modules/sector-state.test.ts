import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { z } from "zod";
import { SectorState, SectorWorkerJob } from "../../../src/api/sealer-types.js";
import { openSqliteManagerStore } from "../../../src/db/sqlite-manager-store.js";
import { commRToCid, commDToCid } from "../../../src/filecoin/cid.js";
import { RpcError } from "../../../src/rpc/errors.js";
import { createSectorStateManager, newSectorState, SECTOR_STATE_NOT_FOUND } from "../../../src/manager/modules/sector-state.js";
import { tempDir } from "../../helpers/tmp.js";

test("sector states: init, update with bytes and CIDs, finalize, restore, list by job, 11001 for unknown sectors", async (t) => {
  const store = openSqliteManagerStore(join(await tempDir(t), "m.db"));
  t.after(() => store.close());
  const states = createSectorStateManager(store);
  const sid = { Miner: 1000, Number: 7 };

  const fresh = await states.init(sid, 5);
  assert.deepEqual(fresh, newSectorState(sid, 5));
  const ticket = { Ticket: Uint8Array.from({ length: 32 }, (_, i) => i), Epoch: 12 };
  const commR = new Uint8Array(32).fill(3);
  const commD = new Uint8Array(32).fill(4);
  await states.update(sid, (s) => {
    s.Ticket = ticket;
    s.Pre = { CommR: commRToCid(commR), CommD: commDToCid(commD), Ticket: ticket };
    s.LatestState = { Worker: { Instance: "w1", Location: "/l" }, StateChange: { Prev: "PC1Done", Next: "PC2Done", Event: "PC2" }, Failure: null };
  });
  const back = await states.mustLoad(sid);
  assert.deepEqual(back.Ticket, ticket);
  assert.equal(back.Pre?.CommR.toString(), commRToCid(commR).toString());
  // what the CLI receives is the Damocles JSON shape
  const wire = z.encode(SectorState, back) as Record<string, unknown>;
  assert.deepEqual(wire["Ticket"], { Ticket: Buffer.from(ticket.Ticket).toString("base64"), Epoch: 12 });
  assert.equal((await store.getSector(1000, 7))!.latestState, "PC2Done");

  await states.init({ Miner: 1000, Number: 8 }, 5);
  await states.update({ Miner: 1000, Number: 8 }, (s) => {
    s.Upgraded = true;
  });
  assert.deepEqual((await states.list("online", SectorWorkerJob.SnapUp)).map((s) => s.ID.Number), [8]);
  assert.deepEqual((await states.list("online", SectorWorkerJob.Sealing)).map((s) => s.ID.Number), [7]);
  assert.equal((await states.list("online")).length, 2);

  const fin = await states.finalize(sid, (s) => {
    s.Finalized = true;
  });
  assert.equal(fin.Finalized, true);
  assert.equal(await states.load(sid), null, "no longer online");
  assert.equal((await states.load(sid, "offline"))?.Finalized, true);
  assert.equal((await states.load(sid, "any"))?.ID.Number, 7);
  await assert.rejects(states.update(sid, () => {}), (e: unknown) => e instanceof RpcError && e.code === SECTOR_STATE_NOT_FOUND);
  await states.restore(sid, (s) => {
    s.Finalized = false;
  });
  assert.equal((await states.mustLoad(sid)).Finalized, false);

  for (const call of [states.mustLoad({ Miner: 1000, Number: 99 }), states.update({ Miner: 1, Number: 1 }, () => {}), states.finalize({ Miner: 1, Number: 1 })])
    await assert.rejects(call, (e: unknown) => e instanceof RpcError && e.code === 11001 && /sector state not found/.test(e.message));
});

test("sector states: ImportSector writes the record as given and refuses to overwrite without override", async (t) => {
  const store = openSqliteManagerStore(join(await tempDir(t), "m.db"));
  t.after(() => store.close());
  const states = createSectorStateManager(store);
  const s = { ...newSectorState({ Miner: 1001, Number: 3 }, 8), AbortReason: "boom", Finalized: true };
  assert.equal(await states.importState("offline", s, false), true);
  assert.equal(await states.importState("offline", s, false), false);
  const got = await states.mustLoad({ Miner: 1001, Number: 3 }, "offline");
  assert.equal(got.AbortReason, "boom");
  assert.equal(got.SectorType, 8);
});
