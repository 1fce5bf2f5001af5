// What `daemon run` hands its modules: persist stores found by ScanPersistStores (at start and on reload) reach
// the sealer API; a sophon-messager's signed CID moves the stored message out of "pending"; the stale flag of
// `util sealer sectors list`. In-process daemon; the chain may stay unreachable for this.
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { openSqliteManagerStore } from "../../src/db/sqlite-manager-store.js";
import { sectorStateToDoc } from "../../src/manager/commitment/index.js";
import { markStorePushed, runManagerDaemon } from "../../src/manager/daemon.js";
import { isStale, STALE_AFTER_SECONDS } from "../../src/manager/manager-api.js";
import { runCli } from "../helpers/cli.js";
import { initManagerHome, resolveManagerHome } from "../../src/manager/home.js";
import { createLogger } from "../../src/manager/logger.js";
import { freePort } from "../helpers/devnet-process.js";
import { tempDir } from "../helpers/tmp.js";
import { rawCall } from "./manager-fixture.js";

test("daemon: ScanPersistStores stores are served (StoreList, StoreBasicInfo) and re-scanned on reload", async (t) => {
  const dir = await tempDir(t);
  const home = resolveManagerHome({ home: join(dir, "m") });
  await initManagerHome(home);
  const token = (await readFile(join(home.home, "token"), "utf8")).trim();
  const scanned = async (name: string): Promise<void> => {
    await mkdir(join(dir, "stores", name), { recursive: true });
    await writeFile(join(dir, "stores", name, "sectorstore.json"), JSON.stringify({ Name: name, Strict: false, ReadOnly: false, Weight: 2 }));
  };
  await scanned("scan-a");
  await mkdir(join(dir, "configured"));
  const deadPort = await freePort();
  await writeFile(
    home.config,
    [
      "[Common.API]",
      `Chain = "http://127.0.0.1:${deadPort}/rpc/v1"`,
      "[Common]",
      `ScanPersistStores = [${JSON.stringify(join(dir, "stores", "*"))}]`,
      "[[Common.PersistStores]]",
      'Name = "configured"',
      `Path = ${JSON.stringify(join(dir, "configured"))}`,
      "[[Miners]]",
      "Actor = 1000",
    ].join("\n"),
  );
  const d = await runManagerDaemon({ home, listen: "127.0.0.1:0", chainRetryMs: 1000, logger: createLogger({ write: () => {} }) });
  t.after(() => d.stop());
  const url = `http://127.0.0.1:${d.address.port}/rpc/v0`;
  const names = async (): Promise<string[]> => {
    const r = await rawCall(url, "Venus.StoreList", [], token);
    return (r.body["result"] as { Name: string }[]).map((s) => s.Name).sort();
  };
  assert.deepEqual(await names(), ["configured", "scan-a"]);
  const info = await rawCall(url, "Venus.StoreBasicInfo", ["scan-a"], token);
  assert.equal((info.body["result"] as { Weight: number; Path: string }).Weight, 2);
  assert.equal((info.body["result"] as { Path: string }).Path, join(dir, "stores", "scan-a"));

  await scanned("scan-b");
  assert.deepEqual(await names(), ["configured", "scan-a"], "scanned once, not per call");
  await d.reload();
  assert.deepEqual(await names(), ["configured", "scan-a", "scan-b"]);
});

test("markStorePushed: a pending message becomes pushed with the messager's signed CID; others are left alone", async (t) => {
  const dir = await tempDir(t);
  const store = openSqliteManagerStore(join(dir, "m.db"));
  t.after(() => store.close());
  const base = { miner: 1000, from: "t0100", to: "t01000", method: 28, params: new Uint8Array([1]), value: 0n, spec: null };
  await store.recordMessage({ ...base, uid: "u1" });
  const cid = "bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2";
  await markStorePushed(store, "u1", cid);
  const m = await store.getMessage("u1");
  assert.equal(m!.state, "pushed");
  assert.equal(m!.signedCid, cid);
  await markStorePushed(store, "u1", "bafy2bzaceother");
  assert.equal((await store.getMessage("u1"))!.state, "pushed");
  await markStorePushed(store, "unknown", cid); // no record: nothing to do
});

test("util sealer sectors list flags an online sector stale after 24 h without a write (ReportState)", async (t) => {
  assert.equal(isStale({ online: true, finalized: false, aborted: false, updatedAt: 0 }, STALE_AFTER_SECONDS), true);
  assert.equal(isStale({ online: true, finalized: false, aborted: false, updatedAt: 1 }, STALE_AFTER_SECONDS), false);
  assert.equal(isStale({ online: true, finalized: true, aborted: false, updatedAt: 0 }, STALE_AFTER_SECONDS), false);
  assert.equal(isStale({ online: false, finalized: false, aborted: false, updatedAt: 0 }, STALE_AFTER_SECONDS), false);

  const dir = await tempDir(t);
  const home = resolveManagerHome({ home: join(dir, "m") });
  await initManagerHome(home);
  const deadPort = await freePort();
  await writeFile(home.config, `[Common.API]\nChain = "http://127.0.0.1:${deadPort}/rpc/v1"\n[[Miners]]\nActor = 1000\n`);
  const doc = (n: number) =>
    sectorStateToDoc({
      ID: { Miner: 1000, Number: n }, SectorType: 5, Ticket: undefined, Seed: undefined, Deals: [], Pieces: [], Pre: undefined, Proof: undefined,
      MessageInfo: { PreCommitCid: null, CommitCid: null, NeedSend: false }, TerminateInfo: { TerminateCid: null, TerminatedAt: 0, AddedHeight: 0 },
      LatestState: undefined, Finalized: false, Removed: false, AbortReason: "", Upgraded: false, UpgradePublic: null, UpgradedInfo: null,
      UpgradeMessageID: null, UpgradeLandedEpoch: null, Imported: false, NeedRebuild: false, Unsealing: false,
    });
  const old = openSqliteManagerStore(home.db, { now: () => Date.now() - (STALE_AFTER_SECONDS + 3600) * 1000 });
  await old.createSector({ miner: 1000, number: 1, proofType: 5, doc: doc(1) });
  await old.close();
  const fresh = openSqliteManagerStore(home.db);
  await fresh.createSector({ miner: 1000, number: 2, proofType: 5, doc: doc(2) });
  await fresh.close();

  const d = await runManagerDaemon({ home, listen: "127.0.0.1:0", chainRetryMs: 1000, logger: createLogger({ write: () => {} }) });
  t.after(() => d.stop());
  const cli = (args: string[]) => runCli("damocles-manager", ["--home", home.home, "util", "--listen", `127.0.0.1:${d.address.port}`, "sealer", "sectors", "list", ...args]);
  const table = await cli([]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split("\n");
  assert.match(lines[0]!, /\bSTALE$/);
  assert.deepEqual(lines.slice(1).map((l) => [l.split(/\s+/)[1], /\bstale$/.test(l)]), [["1", true], ["2", false]]);
  const json = await cli(["--json"]);
  assert.deepEqual((JSON.parse(json.stdout) as { ID: { Number: number }; Stale: boolean }[]).map((s) => [s.ID.Number, s.Stale]), [[1, true], [2, false]]);
});
