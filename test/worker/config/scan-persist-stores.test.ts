import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../helpers/tmp.js";
import { globDirs, scanPersistStores } from "../../../src/worker/config/scan-persist-stores.js";

test("scan_persist_stores: directories with a sectorstore.json, named by Name, else ID, else unnamed", async (t) => {
  const dir = await tempDir(t);
  const store = async (sub: string, json?: object): Promise<void> => {
    await mkdir(join(dir, sub), { recursive: true });
    if (json) await writeFile(join(dir, sub, "sectorstore.json"), JSON.stringify(json));
  };
  await store("1", { ID: "123", Name: "", ReadOnly: false, Meta: {} });
  await store("2", { Name: "456", ReadOnly: true });
  await store("3");
  await store("4", {});
  await store("deep/x/5", { Name: "five" });
  assert.deepEqual(await scanPersistStores([join(dir, "*")]), [
    { name: "123", location: join(dir, "1"), readonly: false },
    { name: "456", location: join(dir, "2"), readonly: true },
    { location: join(dir, "4"), readonly: false },
  ]);
  assert.deepEqual((await scanPersistStores(["**/5"], dir)).map((s) => s.name), ["five"]);
  assert.deepEqual(await globDirs(join(dir, "[12]")), [join(dir, "1"), join(dir, "2")]);
  assert.deepEqual(await globDirs(join(dir, "?")), ["1", "2", "3", "4"].map((d) => join(dir, d)));
  await store("bad", undefined);
  await writeFile(join(dir, "bad", "sectorstore.json"), "{");
  await assert.rejects(scanPersistStores([join(dir, "bad")]), /bad\/sectorstore.json: not a valid sectorstore.json/);
});
