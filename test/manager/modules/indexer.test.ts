import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { openSqliteManagerStore } from "../../../src/db/sqlite-manager-store.js";
import { createSectorIndexer } from "../../../src/manager/modules/indexer.js";
import { tempDir } from "../../helpers/tmp.js";

test("indexer: store names per sector in the normal and upgrade sets; SectorIndexerFind's Found/Instance", async (t) => {
  const store = openSqliteManagerStore(join(await tempDir(t), "m.db"));
  t.after(() => store.close());
  const idx = createSectorIndexer(store);
  const sid = { Miner: 1000, Number: 5 };
  assert.deepEqual(await idx.locate("normal", sid), { Found: false, Instance: { SealedFile: "", CacheDir: "" } });
  await idx.update("normal", sid, { SealedFile: "store-a", CacheDir: "store-a" });
  await idx.update("upgrade", sid, { SealedFile: "store-b", CacheDir: "store-c" });
  assert.deepEqual(await idx.locate("normal", sid), { Found: true, Instance: { SealedFile: "store-a", CacheDir: "store-a" } });
  assert.deepEqual(await idx.find("upgrade", sid), { SealedFile: "store-b", CacheDir: "store-c" });
  assert.equal(await idx.remove("upgrade", sid), true);
  assert.equal(await idx.find("upgrade", sid), null);
  assert.equal((await idx.find("normal", sid))?.SealedFile, "store-a");
});
