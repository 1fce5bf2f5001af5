import assert from "node:assert/strict";
import { copyFile, mkdir, rename, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { openSqliteManagerStore } from "../../../src/db/sqlite-manager-store.js";
import { defaultCommonConfig } from "../../../src/manager/config/schema.js";
import {
  configuredStores,
  createPersistStoreManager,
  loadPersistStores,
  persistedPaths,
  statfsSpace,
  type PersistStore,
} from "../../../src/manager/modules/persist-stores.js";
import { sealSector } from "../../../src/proofs/seal.js";
import { tempDir } from "../../helpers/tmp.js";

const store = (name: string, extra: Partial<PersistStore> = {}): PersistStore => ({
  name,
  path: `/mnt/${name}`,
  strict: false,
  readOnly: false,
  weight: 1,
  meta: {},
  allowMiners: [],
  denyMiners: [],
  ...extra,
});

const SIZE = 2 * 2048; // a 2KiB sector's reservation: 2 × sector size

test("StoreReserveSpace: miner policy (deny wins), read-only, capacity after reservations, weights, candidates, idempotency, release", async (t) => {
  const db = openSqliteManagerStore(join(await tempDir(t), "m.db"));
  t.after(() => db.close());
  const stores = [
    store("a", { weight: 1 }),
    store("b", { weight: 3, allowMiners: [1000] }),
    store("ro", { readOnly: true, weight: 100 }),
    store("deny", { allowMiners: [1000], denyMiners: [1000], weight: 100 }),
    store("small", { weight: 100 }),
  ];
  const free: Record<string, number> = { a: 2 * SIZE + 10, b: SIZE, ro: 1e9, deny: 1e9, small: SIZE - 1 };
  let rand = 0;
  const m = createPersistStoreManager({ store: db, stores: () => stores, space: async (s) => ({ total: 1e9, free: free[s.name]! }), random: () => rand });
  const sid = (n: number, miner = 1000) => ({ Miner: miner, Number: n });

  // fitting and admitted: a (weight 1) and b (weight 3); r = 0.3 × 4 = 1.2 lands in b, r = 0.2 × 4 = 0.8 in a
  rand = 0.3;
  assert.equal((await m.reserve(sid(1), SIZE, []))?.Name, "b");
  rand = 0.2;
  assert.equal((await m.reserve(sid(2), SIZE, []))?.Name, "a");
  // b is full now (its free space holds one reservation): only a remains, whatever the draw
  rand = 0.99;
  assert.equal((await m.reserve(sid(3), SIZE, []))?.Name, "a");
  // a holds two: nothing fits any more
  assert.equal(await m.reserve(sid(4), SIZE, []), null);
  // repeating a held reservation returns the same store and takes no more space
  assert.equal((await m.reserve(sid(3), SIZE, []))?.Name, "a");
  assert.equal(await db.reservedBytes("a"), 2 * SIZE);
  // another miner: b does not allow it, deny wins over allow, read-only and too small never
  assert.equal(await m.reserve(sid(1, 1001), SIZE, []), null);
  // releasing makes room again; candidates restrict the choice
  assert.equal(await m.release(sid(2)), true);
  assert.equal(await m.release(sid(2)), false);
  assert.equal(await m.reserve(sid(5), SIZE, ["b", "ro", "small"]), null, "b is full, ro read-only, small too small");
  const got = await m.reserve(sid(5), SIZE, ["a", "ro"]);
  assert.deepEqual(got, { Name: "a", Path: "/mnt/a", Strict: false, ReadOnly: false, Weight: 1, Meta: {} });

  const listed = await m.list();
  const a = listed.find((s) => s.Name === "a")!;
  assert.equal(a.Reserved, 2 * SIZE);
  assert.deepEqual(a.ReservedBy.map((r) => [r.By, r.Size]).sort(), [["s-t01000-3", SIZE], ["s-t01000-5", SIZE]]);
  assert.equal(a.Free, 2 * SIZE + 10);
  assert.equal(listed.length, 5);
  assert.equal(m.basicInfo("nope"), null);
  assert.equal(m.basicInfo("ro")?.ReadOnly, true);
});

test("StoreReserveSpace: weighted choice follows the weights over many sectors", async (t) => {
  const db = openSqliteManagerStore(join(await tempDir(t), "m.db"));
  t.after(() => db.close());
  const stores = [store("x", { weight: 1 }), store("y", { weight: 1 }), store("z", { weight: 2 })];
  let i = 0;
  const m = createPersistStoreManager({ store: db, stores: () => stores, space: async () => ({ total: 1e12, free: 1e12 }), random: () => ((i++ * 0.618034) % 1) });
  const counts: Record<string, number> = {};
  for (let n = 1; n <= 400; n++) {
    const s = await m.reserve({ Miner: 1000, Number: n }, SIZE, []);
    counts[s!.Name] = (counts[s!.Name] ?? 0) + 1;
  }
  assert.ok(Math.abs(counts["z"]! / 400 - 0.5) < 0.05, JSON.stringify(counts));
  assert.ok(Math.abs(counts["x"]! / 400 - 0.25) < 0.05, JSON.stringify(counts));
});

test("persist stores: [[PersistStores]] names default to the path; ScanPersistStores reads sectorstore.json (Name, else ID); names are unique", async (t) => {
  const dir = await tempDir(t);
  for (const [d, j] of [
    ["s1", { ID: "scan-1", ReadOnly: true, Weight: 4, AllowMiners: [1000], Meta: { k: "v" } }],
    ["s2", { Name: "scan-2", ID: "ignored" }],
    ["s3", null],
  ] as const) {
    await mkdir(join(dir, "stores", d), { recursive: true });
    if (j) await writeFile(join(dir, "stores", d, "sectorstore.json"), JSON.stringify(j));
  }
  const common = defaultCommonConfig();
  common.PersistStores = [{ ...configuredStoreDefaults(), Path: "/mnt/p1" }, { ...configuredStoreDefaults(), Name: "named", Path: "/mnt/p2", Weight: 0 }];
  common.ScanPersistStores = [join(dir, "stores", "s*")];
  const stores = await loadPersistStores(common);
  assert.deepEqual(
    stores.map((s) => [s.name, s.path, s.readOnly, s.weight]),
    [
      ["/mnt/p1", "/mnt/p1", false, 1],
      ["named", "/mnt/p2", false, 1],
      ["scan-1", join(dir, "stores", "s1"), true, 4],
      ["scan-2", join(dir, "stores", "s2"), false, 1],
    ],
  );
  assert.deepEqual(stores[2]!.allowMiners, [1000]);
  assert.deepEqual(stores[2]!.meta, { k: "v" });
  assert.equal(configuredStores(common).length, 2);
  const space = await statfsSpace(dir);
  assert.ok(space.total > 0 && space.free > 0 && space.free <= space.total, JSON.stringify(space));
  common.PersistStores.push({ ...configuredStoreDefaults(), Name: "scan-1", Path: "/mnt/p3" });
  await assert.rejects(loadPersistStores(common), /"scan-1" is used by both/);
});

function configuredStoreDefaults() {
  return { Name: "", Path: "", Meta: {}, ReadOnly: false, Plugin: "", PluginName: "", Strict: false, Weight: 1, AllowMiners: [], DenyMiners: [] };
}

test("SubmitPersistedEx check: a really sealed 2KiB sector persisted under its name is provable; missing or wrong files are named", { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const empty = join(dir, "empty");
  await writeFile(empty, new Uint8Array(0));
  const sealed = await sealSector({ sealProofId: 5, minerId: 1000, sectorNumber: 3, ticket: new Uint8Array(32).fill(1), inputPath: empty, storeDir: join(dir, "local"), parentCacheDir: join(dir, "parents") });
  const sid = { Miner: 1000, Number: 3 };
  const persisted = persistedPaths(join(dir, "p"), sid, false);
  await mkdir(persisted.cacheDir, { recursive: true });
  await mkdir(join(dir, "p", "sealed"), { recursive: true });
  await copyFile(sealed.paths.sealed, persisted.sealedFile);
  for (const f of ["p_aux", "t_aux", "sc-02-data-tree-r-last.dat"]) await copyFile(join(sealed.paths.cacheDir, f), join(persisted.cacheDir, f));

  const db = openSqliteManagerStore(join(dir, "m.db"));
  t.after(() => db.close());
  const m = createPersistStoreManager({ store: db, stores: () => [store("p", { path: join(dir, "p") })] });
  assert.equal(await m.checkPersisted(sid, 5, "p", false, sealed.commR), null);
  assert.match((await m.checkPersisted(sid, 5, "p", false, new Uint8Array(32).fill(9)))!, /does not bind to the sector's CommR/);
  assert.match((await m.checkPersisted(sid, 5, "nope", false))!, /"nope" is not known/);
  assert.match((await m.checkPersisted(sid, 5, "p", true))!, /update-cache/, "the upgrade layout looks in update/ and update-cache/");
  // a Strict store refuses a symlinked file
  const strict = createPersistStoreManager({ store: db, stores: () => [store("p", { path: join(dir, "p"), strict: true })] });
  await rename(persisted.sealedFile, join(dir, "elsewhere"));
  await symlink(join(dir, "elsewhere"), persisted.sealedFile);
  assert.equal(await m.checkPersisted(sid, 5, "p", false, sealed.commR), null, "not strict: a symlink is followed");
  assert.match((await strict.checkPersisted(sid, 5, "p", false, sealed.commR))!, /not a regular file/);
  await rm(persisted.sealedFile);
  await copyFile(sealed.paths.sealed, persisted.sealedFile);
  assert.equal(await strict.checkPersisted(sid, 5, "p", false, sealed.commR), null);
  await truncate(persisted.sealedFile, 1024);
  assert.match((await m.checkPersisted(sid, 5, "p", false, sealed.commR))!, /has 1024 bytes/);
  await copyFile(sealed.paths.sealed, persisted.sealedFile);
  await rm(join(persisted.cacheDir, "t_aux"));
  assert.match((await m.checkPersisted(sid, 5, "p", false, sealed.commR))!, /t_aux is missing/);
  await copyFile(join(sealed.paths.cacheDir, "t_aux"), join(persisted.cacheDir, "t_aux"));
  await rm(join(persisted.cacheDir, "sc-02-data-tree-r-last.dat"));
  assert.match((await m.checkPersisted(sid, 5, "p", false, sealed.commR))!, /tree-r-last/);
});
