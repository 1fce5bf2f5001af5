import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, readdir, writeFile, appendFile } from "node:fs/promises";
import { join } from "node:path";
import { Failure } from "../../src/worker/failure.js";
import { SealingStore, initSealingStore } from "../../src/worker/sealing-store.js";
import { newRecord, parseRecord } from "../../src/worker/sector-record.js";
import { tempDir } from "../helpers/tmp.js";

const isCrit = (code: string, re: RegExp) => (e: unknown) => e instanceof Failure && e.level === "crit" && e.code === code && re.test(e.message);

test("a store without .holder is refused; a missing directory is initialised; sealing-init is idempotent", async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, "plain"));
  await assert.rejects(SealingStore.open(join(dir, "plain")), isCrit("STORE_OPEN", /\.holder is missing/));
  const fresh = join(dir, "fresh");
  const s = await SealingStore.open(fresh);
  assert.deepEqual((await readdir(fresh)).sort(), [".holder", "data", "meta"]);
  assert.equal(await s.load(), null);
  await initSealingStore(fresh);
  await assert.rejects(initSealingStore(join(dir, "no", "such")), /parent directory .* does not exist/);
  await assert.rejects(SealingStore.open(join(dir, "no", "such")), isCrit("STORE_OPEN", /cannot initialise it/));
});

test("a Damocles RocksDB record store is refused with the reason and the way out", async (t) => {
  const dir = await tempDir(t);
  await initSealingStore(dir);
  await writeFile(join(dir, "meta", "CURRENT"), "MANIFEST-000005\n");
  await assert.rejects(SealingStore.open(dir), (e: unknown) =>
    e instanceof Failure && e.level === "crit" && /Damocles RocksDB sector record/.test(e.message) && /Damocles worker|empty sealing store/.test(e.fix ?? ""));
});

test("the record is replaced atomically with state names; a leftover .tmp is ignored; unknown names are Critical", async (t) => {
  const dir = join(await tempDir(t), "store");
  const s = await SealingStore.open(dir);
  const r = newRecord("sealer");
  r.state = "PC1Done";
  r.prev_state = "TicketAssigned";
  await writeFile(join(dir, "meta", "info.json.tmp"), "{torn");
  await s.save(r);
  const json = JSON.parse(await readFile(join(dir, "meta", "info.json"), "utf8"));
  assert.equal(json.state, "PC1Done");
  assert.equal(json.prev_state, "TicketAssigned");
  assert.equal(json.version, 2);
  assert.deepEqual(await readdir(join(dir, "meta")), ["info.json"], "the temp file was overwritten and renamed");
  assert.deepEqual(await s.load(), r);
  await writeFile(join(dir, "meta", "info.json"), JSON.stringify({ ...json, state: 6 }));
  await assert.rejects(s.load(), isCrit("RECORD_INVALID", /state 6 is not a state name/));
  await writeFile(join(dir, "meta", "info.json"), JSON.stringify({ ...json, state: "PC3Done" }));
  await assert.rejects(s.load(), isCrit("RECORD_INVALID", /state "PC3Done" is not a state name/));
  assert.throws(() => parseRecord("not json", "f"), isCrit("RECORD_INVALID", /f: not JSON/));
  await s.deleteRecord();
  assert.equal(await s.load(), null);
});

test("events.jsonl is append-only and a torn last line is skipped; wipeData empties data/", async (t) => {
  const dir = join(await tempDir(t), "store");
  const s = await SealingStore.open(dir);
  await s.appendEvent({ at: "2026-01-01T00:00:00.000Z", sector: "s-t01000-1", prev: "Empty", next: "Allocated", event: "Allocate" });
  await s.appendEvent({ at: "2026-01-01T00:00:01.000Z", sector: "s-t01000-1", prev: "Allocated", next: "Allocated", event: "Failure", failure: { level: "temp", code: "X", desc: "d" } });
  await appendFile(s.eventsFile, '{"at":"2026');
  assert.deepEqual((await s.readEvents()).map((e) => e.event), ["Allocate", "Failure"]);
  const p = s.sectorPaths(1000, 1);
  await mkdir(p.cacheDir, { recursive: true });
  await writeFile(join(p.cacheDir, "p_aux"), "x");
  assert.deepEqual(await s.dataEntries(), ["cache/s-t01000-1/p_aux"]);
  await s.wipeData();
  assert.deepEqual(await readdir(s.dataDir), []);
  assert.equal((await s.readEvents()).length, 2, "the history survives the wipe");
});
