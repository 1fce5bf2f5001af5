// `damocles-devnet deal add`: queued in chain.db without a daemon (published by the next run in its
// first epoch), published through Devnet.PublishDeal with one, and refused (exit 2) for bad input.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { lotusApi } from "../../src/api/lotus.js";
import { runInit } from "../../src/devnet/cli.js";
import { startDevnet } from "../../src/devnet/daemon.js";
import { runDealAdd } from "../../src/devnet/deal-cli.js";
import { rpcClient } from "../../src/rpc/client.js";
import { tempDir } from "../helpers/tmp.js";
import { loadVector } from "../helpers/vectors.js";

const V2 = loadVector("commp.json").piece_cid_v2;
const TEXT = "i am the biggest cat, what do you think about that";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const flags = (home: string, extra: Record<string, unknown> = {}) => ({ home, startDelay: "2880", duration: "1440000", ...extra });

test("deal add: queued without a daemon, published by the next run; through the daemon while it runs", async (t) => {
  const dir = await tempDir(t);
  const home = join(dir, "home");
  const port = await freePort();
  await runInit({ home, listen: `127.0.0.1:${port}`, blockTime: "100ms", miner: [], set: [], seed: "11".repeat(32) });
  const file = join(dir, "cat.txt");
  await writeFile(file, TEXT);

  const queued = await runDealAdd(file, flags(home));
  assert.deepEqual(queued, {
    deal_id: null,
    piece_cid: V2.piece_cid_v1,
    piece_size: 128,
    payload_size: 50,
    start_epoch: 2880,
    end_epoch: 2880 + 1_440_000,
    verified: false,
    publish_cid: null,
    url: `http://127.0.0.1:${port}/resource?resource-id=${V2.piece_cid_v1}`,
    queued: true,
  });
  assert.equal(await readFile(join(home, "pieces", V2.piece_cid_v1), "utf8"), TEXT);

  const devnet = await startDevnet({ home }, () => {});
  t.after(() => devnet.stop());
  const token = (await readFile(join(home, "token"), "utf8")).trim();
  const lotus = rpcClient(lotusApi, { url: `http://127.0.0.1:${port}/rpc/v1`, token });
  t.after(() => lotus.close());
  // the queued deal is published in the run's first epochs
  let first = null;
  for (let i = 0; i < 100 && first === null; i++) {
    await new Promise((r) => setTimeout(r, 50));
    first = await lotus.StateMarketStorageDeal(1, []).catch(() => null);
  }
  assert.ok(first, "queued deal 1 published");
  assert.equal(first.Proposal.PieceCID.toString(), V2.piece_cid_v1);
  assert.equal(first.Proposal.StartEpoch, 2880);

  const other = join(dir, "other.bin");
  await writeFile(other, Uint8Array.from({ length: 1500 }, (_, i) => i & 0xff));
  const live = await runDealAdd(other, flags(home, { verified: true, startDelay: "100" }));
  assert.equal(live.queued, false);
  assert.equal(live.deal_id, 2);
  assert.equal(live.piece_size, 2048);
  assert.equal(live.payload_size, 1500);
  assert.equal(live.verified, true);
  assert.ok(live.publish_cid?.startsWith("bafy"));
  assert.equal(live.end_epoch - live.start_epoch, 1_440_000);
  assert.equal(live.url, `http://127.0.0.1:${port}/resource?resource-id=${live.piece_cid}`);
  assert.ok((await lotus.StateGetAllocationIdForPendingDeal(2, [])) > 0, "verified: an allocation exists");
  const res = await fetch(live.url, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await res.arrayBuffer()).byteLength, 1500);
});

test("deal add refuses an empty file, one above the sector's unpadded capacity and an unknown miner (exit 2)", async (t) => {
  const dir = await tempDir(t);
  const home = join(dir, "home");
  await runInit({ home, listen: "127.0.0.1:1", blockTime: "1s", miner: [], set: [], seed: "22".repeat(32) });
  const exit2 = (re: RegExp) => (e: unknown) => (e as { exitCode?: number }).exitCode === 2 && re.test((e as Error).message);
  await writeFile(join(dir, "empty"), "");
  await assert.rejects(runDealAdd(join(dir, "empty"), flags(home)), exit2(/empty/));
  await writeFile(join(dir, "big"), new Uint8Array(2033));
  await assert.rejects(runDealAdd(join(dir, "big"), flags(home)), exit2(/2032-byte unpadded capacity/));
  await writeFile(join(dir, "ok"), "x");
  await assert.rejects(runDealAdd(join(dir, "ok"), flags(home, { miner: "t01001" })), exit2(/not a miner/));
  await assert.rejects(runDealAdd(join(dir, "ok"), flags(home, { startDelay: "-1" })), exit2(/--start-delay/));
  await assert.rejects(runDealAdd(join(dir, "missing"), flags(home)), exit2(/not a readable file/));
  // a full sector's worth is accepted
  await writeFile(join(dir, "full"), new Uint8Array(2032).fill(1));
  assert.equal((await runDealAdd(join(dir, "full"), flags(home))).piece_size, 2048);
});

test("deal add finds a daemon run with --listen elsewhere (run.json); URLs name the bound port, not port 0", async (t) => {
  const dir = await tempDir(t);
  const home = join(dir, "home");
  await runInit({ home, listen: "127.0.0.1:1", blockTime: "100ms", miner: [], set: [], seed: "33".repeat(32) });
  const devnet = await startDevnet({ home, listen: "127.0.0.1:0" }, () => {});
  let stopped = false;
  t.after(() => (stopped ? undefined : devnet.stop()));
  const port = devnet.listen.port;
  assert.ok(port > 0);
  assert.equal(await readFile(join(home, "run.pid"), "utf8"), `${process.pid}\n`, "run.pid keeps only the pid");
  assert.deepEqual(JSON.parse(await readFile(join(home, "run.json"), "utf8")), { pid: process.pid, listen: `127.0.0.1:${port}` });
  const file = join(dir, "cat.txt");
  await writeFile(file, TEXT);
  const out = await runDealAdd(file, flags(home, { startDelay: "100" }));
  assert.equal(out.queued, false, "published through the daemon on its bound address, not config.toml's port 1");
  assert.equal(out.deal_id, 1);
  assert.equal(out.url, `http://127.0.0.1:${port}/resource?resource-id=${V2.piece_cid_v1}`);
  const token = (await readFile(join(home, "token"), "utf8")).trim();
  const res = await fetch(out.url, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(await res.text(), TEXT);
  stopped = true;
  await devnet.stop();
  assert.equal(existsSync(join(home, "run.json")), false, "removed with run.pid");
});
