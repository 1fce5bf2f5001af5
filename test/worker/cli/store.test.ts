import assert from "node:assert/strict";
import { readFile, readdir, realpath, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/tmp.js";
import { hex, loadVector } from "../../helpers/vectors.js";
import { scanPersistStores } from "../../../src/worker/config/scan-persist-stores.js";

test("store sealing-init: .holder, data/ and meta/ in every location (mkdir -p); re-running keeps the store", async (t) => {
  const dir = await tempDir(t);
  const a = join(dir, "store1");
  const b = join(dir, "nested", "deeper", "store2");
  const r = await runCli("damocles-worker", ["store", "sealing-init", "-l", a, b]);
  assert.equal(r.code, 0, r.stderr);
  for (const loc of [a, b]) {
    assert.equal((await stat(join(loc, ".holder"))).isFile(), true, `${loc}/.holder`);
    assert.equal((await stat(join(loc, "data"))).isDirectory(), true);
    assert.equal((await stat(join(loc, "meta"))).isDirectory(), true);
    assert.match(r.stdout, new RegExp(`sealing store initialized: ${await realpath(loc)}`));
  }
  // a sector record in progress must survive a second init
  await writeFile(join(a, "meta", "info.json"), '{"state":"PC1Done"}');
  const again = await runCli("damocles-worker", ["store", "sealing-init", "--loc", a]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await readFile(join(a, "meta", "info.json"), "utf8"), '{"state":"PC1Done"}');
  assert.deepEqual((await readdir(a)).sort(), [".holder", "data", "meta"]);
});

test("store file-init: the directory and a sectorstore.json that scan_persist_stores reads back; never rewritten", async (t) => {
  const dir = await tempDir(t);
  const plain = join(dir, "remote", "p1");
  const named = join(dir, "remote", "p2");
  const r1 = await runCli("damocles-worker", ["store", "file-init", "-l", plain]);
  assert.equal(r1.code, 0, r1.stderr);
  const r2 = await runCli("damocles-worker", ["store", "file-init", "-l", named, "--name", "nfs-2", "--readonly"]);
  assert.equal(r2.code, 0, r2.stderr);
  const json = JSON.parse(await readFile(join(plain, "sectorstore.json"), "utf8")) as Record<string, unknown>;
  assert.equal(json["Name"], await realpath(plain), "default name: the canonical path, as for [[attached]] without a name");
  assert.equal(json["ID"], json["Name"]);
  assert.equal(json["ReadOnly"], false);
  assert.equal(json["Weight"], 1);
  const stores = await scanPersistStores([join(dir, "remote", "*")]);
  assert.deepEqual(stores, [
    { name: await realpath(plain), location: join(dir, "remote", "p1"), readonly: false },
    { name: "nfs-2", location: join(dir, "remote", "p2"), readonly: true },
  ]);
  // re-running keeps an operator's edited file
  await writeFile(join(named, "sectorstore.json"), '{"Name":"edited"}');
  const r3 = await runCli("damocles-worker", ["store", "file-init", "-l", named]);
  assert.equal(r3.code, 0, r3.stderr);
  assert.match(r3.stdout, /kept/);
  assert.equal(await readFile(join(named, "sectorstore.json"), "utf8"), '{"Name":"edited"}');
  // one name for several stores would collide
  const r4 = await runCli("damocles-worker", ["store", "file-init", "-l", plain, named, "--name", "x"]);
  assert.equal(r4.code, 1);
  assert.match(r4.stderr, /names must be unique/);
});

test("generator tree-d -s 2KiB: sc-02-data-tree-d.dat ends with zero(2048) of the vectors, leaves are zero", async (t) => {
  const dir = await tempDir(t);
  const out = join(dir, "static", "2k");
  const r = await runCli("damocles-worker", ["generator", "tree-d", "-s", "2KiB", "-p", out]);
  assert.equal(r.code, 0, r.stderr);
  const file = join(out, "sc-02-data-tree-d.dat");
  const data = new Uint8Array(await readFile(file));
  assert.equal(data.length, (2 * 64 - 1) * 32, "2KiB: 64 leaves, 127 nodes");
  const zero2k = hex(loadVector("zero-commitments.json").sector_sizes["2KiB"] as string);
  assert.deepEqual(data.subarray(data.length - 32), zero2k);
  assert.ok(data.subarray(0, 2048).every((b) => b === 0), "the leaf level of a CC sector is all zero");
  assert.match(r.stdout, new RegExp(`comm_d ${Buffer.from(zero2k).toString("hex")}`));
  assert.match(r.stdout, /"2KiB" = ".*sc-02-data-tree-d\.dat"/);
  const bad = await runCli("damocles-worker", ["generator", "tree-d", "-s", "3KiB", "-p", out]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /3KiB/);
});
