// damocles-manager as processes against a real devnet: the HTTP routes, the auth rule (tokens, permission
// levels, trusted worker networks), the exclusive home, SIGUSR1 reload and a clean SIGTERM.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import { createToken } from "../../src/rpc/auth.js";
import { runManagerDaemon } from "../../src/manager/daemon.js";
import { initManagerHome, resolveManagerHome } from "../../src/manager/home.js";
import { createLogger } from "../../src/manager/logger.js";
import { freePort, until } from "../helpers/devnet-process.js";
import { tempDir } from "../helpers/tmp.js";
import { ANY_SECTOR_SPEC, rawCall, startCluster, type Cluster } from "./manager-fixture.js";

const PIECE_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"; // raw sha2-256 of "hello world"

describe("damocles-manager daemon", { timeout: 120_000 }, () => {
  let c: Cluster;
  let secret: Uint8Array;
  before(async () => {
    c = await startCluster({ maxNumber: 100, extra: (dir) => `[[Common.PieceStores]]\nName = "pieces"\nPath = ${JSON.stringify(join(dir, "pieces"))}` });
    secret = new Uint8Array(await readFile(join(c.home, "auth.secret")));
  });
  after(() => c?.stop());

  it("answers /healthcheck and serves the damocles_manager_ metrics", async () => {
    const h = await fetch(`${c.base}/healthcheck`);
    assert.equal(h.status, 200);
    const alloc = await rawCall(c.rpcUrl, "Venus.AllocateSector", [ANY_SECTOR_SPEC], c.adminToken);
    assert.deepEqual(alloc.body["result"], { ID: { Miner: 1000, Number: 1 }, ProofType: 5 });
    const text = await (await fetch(`${c.base}/metrics`)).text();
    for (const name of ["info", "api_state", "new_sector", "api_request_duration_ms_bucket", "worker_count", "thread_count", "sectors", "auth_rejected_total"]) {
      assert.match(text, new RegExp(`^(# HELP )?damocles_manager_${name}\\b`, "m"), name);
    }
    assert.match(text, /^damocles_manager_api_state 1$/m);
    assert.match(text, /^damocles_manager_new_sector\{miner="1000"\} 1$/m);
    assert.match(text, /^damocles_manager_api_request_duration_ms_count\{endpoint="AllocateSector"\} 1$/m);
    assert.match(text, /^damocles_manager_sectors\{state="",store="online"\} 1$/m);
    await until(async () => /^damocles_manager_info 1$/m.test(await (await fetch(`${c.base}/metrics`)).text()), "network parameters read", 20_000);
  });

  it("refuses token-less calls when no trusted network is configured (401 with the request id)", async () => {
    const r = await rawCall(c.rpcUrl, "Venus.AllocateSector", [ANY_SECTOR_SPEC]);
    assert.equal(r.status, 401);
    assert.equal(r.body["id"], 7);
    assert.equal((r.body["error"] as { code: number }).code, 401);
    const bad = await rawCall(c.rpcUrl, "Venus.Version", [], "not.a.jwt");
    assert.equal(bad.status, 401);
    const text = await (await fetch(`${c.base}/metrics`)).text();
    assert.match(text, /^damocles_manager_auth_rejected_total\{reason="no-token"\} [1-9]/m);
    assert.match(text, /^damocles_manager_auth_rejected_total\{reason="invalid-token"\} [1-9]/m);
  });

  it("checks permission levels per method: a read token cannot call write or admin methods", async () => {
    const read = await createToken(secret, ["read"]);
    const list = await rawCall(c.rpcUrl, "Venus.ListSectors", ["online", 0], read);
    assert.equal(list.status, 200);
    assert.equal((list.body["result"] as unknown[]).length, 1);
    const restore = await rawCall(c.rpcUrl, "Venus.RestoreSector", [{ Miner: 1000, Number: 1 }, true], read);
    assert.deepEqual(restore.body["error"], { code: 1, message: "missing permission to invoke 'RestoreSector' (need 'admin')" });
    const alloc = await rawCall(c.rpcUrl, "Venus.AllocateSector", [ANY_SECTOR_SPEC], read);
    assert.deepEqual(alloc.body["error"], { code: 1, message: "missing permission to invoke 'AllocateSector' (need 'write')" });
  });

  it("authenticates WebSocket upgrades: a token in the header is accepted, none is refused with 401", async () => {
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${c.port}/rpc/v0`);
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
      ws.on("error", () => {});
    });
    assert.equal(refused, 401);
    const reply = await new Promise<unknown>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${c.port}/rpc/v0`, { headers: { Authorization: `Bearer ${c.adminToken}` } });
      ws.on("open", () => ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "Venus.FindSectorInAllStates", params: [{ Miner: 1000, Number: 1 }] })));
      ws.on("message", (d) => {
        resolve(JSON.parse(d.toString()));
        ws.close();
      });
      ws.on("error", reject);
    });
    assert.deepEqual((reply as { result: { ID: unknown } }).result.ID, { Miner: 1000, Number: 1 });
  });

  it("serves /piecestore/<cid>: 401 without a token, PUT with write, GET with read", async () => {
    assert.equal((await fetch(`${c.base}/piecestore/${PIECE_CID}`)).status, 401);
    const read = await createToken(secret, ["read"]);
    const write = await createToken(secret, ["read", "write"]);
    const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
    assert.equal((await fetch(`${c.base}/piecestore/${PIECE_CID}`, { headers: auth(read) })).status, 404);
    assert.equal((await fetch(`${c.base}/piecestore/${PIECE_CID}`, { method: "PUT", headers: auth(read), body: "x" })).status, 401);
    assert.equal((await fetch(`${c.base}/piecestore/not-a-cid`, { headers: auth(read) })).status, 400);
    const put = await fetch(`${c.base}/piecestore/${PIECE_CID}`, { method: "PUT", headers: auth(write), body: "hello world" });
    assert.equal(put.status, 200);
    const got = await fetch(`${c.base}/piecestore/${PIECE_CID}`, { headers: auth(read) });
    assert.equal(got.status, 200);
    assert.equal(await got.text(), "hello world");
  });

  it("refuses a second daemon on the same home with an error naming the home", async () => {
    const second = await c.spawnManager(0);
    assert.equal(await second.exited, 1);
    assert.match(second.stderr(), new RegExp(`another damocles-manager is already running with home ${c.home.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });

  it("SIGUSR1 reloads the configuration: trusted networks and a miner's MaxNumber change without a restart", async () => {
    await c.config({ maxNumber: 1, trustedNetworks: ["127.0.0.0/8"] });
    c.manager.child.kill("SIGUSR1");
    await until(() => c.manager.stderr().includes("configuration reloaded"), "the reload log line", 10_000);
    // Token-less from 127.0.0.1 is now admitted for the sealing-worker set, and MaxNumber = 1 is full.
    const alloc = await rawCall(c.rpcUrl, "Venus.AllocateSector", [ANY_SECTOR_SPEC]);
    assert.equal(alloc.status, 200);
    assert.equal(alloc.body["result"], null);
    assert.ok(!("error" in alloc.body));
    const ping = await rawCall(c.rpcUrl, "Venus.WorkerPing", [{ Name: "w1", Dest: "127.0.0.1:1", Version: "v", Summary: { Threads: 1, Empty: 1, Paused: 0, Running: 0, Waiting: 0, Errors: 0 } }]);
    assert.equal(ping.status, 200);
    assert.equal(ping.body["result"], null);
    // …and nothing else: operator methods still need a token.
    for (const [method, params] of [["Venus.ListSectors", ["online", 0]], ["Venus.RestoreSector", [{ Miner: 1000, Number: 1 }, true]]] as const) {
      const r = await rawCall(c.rpcUrl, method, params);
      assert.equal(r.status, 401, method);
      assert.equal((r.body["error"] as { code: number }).code, 401, method);
    }
    // A token is judged by its token even from a trusted network.
    assert.equal((await rawCall(c.rpcUrl, "Venus.AllocateSector", [ANY_SECTOR_SPEC], "bad")).status, 401);
    // A broken file is refused and the previous configuration stays.
    await c.config({ maxNumber: 1, trustedNetworks: ["not-a-network"] });
    c.manager.child.kill("SIGUSR1");
    await until(() => c.manager.stderr().includes("configuration reload failed"), "the failed-reload log line", 10_000);
    assert.equal((await rawCall(c.rpcUrl, "Venus.AllocateSector", [ANY_SECTOR_SPEC])).status, 200);
  });

  it("stops on SIGTERM with exit code 0", async () => {
    c.manager.child.kill("SIGTERM");
    assert.equal(await c.manager.exited, 0);
    assert.match(c.manager.stderr(), /"msg":"stopped"/);
  });
});

describe("damocles-manager daemon without a chain", () => {
  it("starts, serves /healthcheck and keeps retrying the chain, logging each failure", async (t) => {
    const dir = await tempDir(t);
    const home = resolveManagerHome({ home: join(dir, "m") });
    await initManagerHome(home);
    const deadPort = await freePort();
    await writeFile(home.config, `[Common.API]\nChain = "http://127.0.0.1:${deadPort}/rpc/v1"\n[[Miners]]\nActor = 1000\n`);
    const lines: string[] = [];
    const d = await runManagerDaemon({ home, listen: "127.0.0.1:0", chainRetryMs: 20, logger: createLogger({ write: (l) => void lines.push(l) }) });
    try {
      assert.equal((await fetch(`http://127.0.0.1:${d.address.port}/healthcheck`)).status, 200);
      await until(() => lines.filter((l) => l.includes("chain unreachable; retrying")).length >= 2, "two retry log lines", 10_000);
      const retry = JSON.parse(lines.find((l) => l.includes("chain unreachable"))!) as Record<string, unknown>;
      assert.equal(retry["level"], "warn");
      assert.equal(retry["url"], `http://127.0.0.1:${deadPort}/rpc/v1`);
      assert.match(await (await fetch(`http://127.0.0.1:${d.address.port}/metrics`)).text(), /^damocles_manager_info 0$/m);
    } finally {
      await d.stop();
    }
    assert.ok(lines.some((l) => l.includes('"msg":"stopped"')));
  });
});
