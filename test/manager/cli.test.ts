// `damocles-manager util …` against a running daemon and devnet: each command's table and --json, worker
// pause/resume proxied to a worker's admin API, tokens made by `util auth create-token`, and a bounded
// fuzz of the RPC after which the daemon still answers and its sector lists stay consistent.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sealerApi } from "../../src/api/sealer.js";
import { workerAdminApi, type WorkerThreadInfo } from "../../src/api/worker-admin.js";
import { createToken } from "../../src/rpc/auth.js";
import { createRpcServer, implement, type RpcServer } from "../../src/rpc/server.js";
import { runCli } from "../helpers/cli.js";
import { ANY_SECTOR_SPEC, rawCall, startCluster, type Cluster } from "./manager-fixture.js";

const THREAD: WorkerThreadInfo = {
  location: "/data/sealing-0",
  plan: "sealer",
  job_id: "s-t01000-1",
  index: 0,
  thread_state: { state: "Running", elapsed: 5, proc: null },
  job_state: "PC1Done",
  job_stage: "PC2",
  last_error: null,
};

const parse = (out: string): unknown => JSON.parse(out);
type Sector = { ID: { Miner: number; Number: number }; AbortReason: string; Finalized: boolean };

describe("damocles-manager util", { timeout: 180_000 }, () => {
  let c: Cluster;
  let worker: RpcServer;
  let workerDest = "";
  const adminCalls: string[] = [];

  before(async () => {
    c = await startCluster({ extra: (dir) => `[[Common.PersistStores]]\nName = "ps1"\nPath = ${JSON.stringify(join(dir, "ps1"))}` });
    worker = createRpcServer({
      routes: [
        {
          path: "/",
          apis: [
            implement(workerAdminApi, {
              WorkerList: () => [THREAD],
              WorkerPause: (i) => (adminCalls.push(`pause ${i}`), true),
              WorkerResume: (i, st) => (adminCalls.push(`resume ${i} ${st}`), true),
              WorkerSetEnv: () => null,
              WorkerRemoveEnv: () => null,
              WorkerVersion: () => "v0.13.1-test",
            }),
          ],
        },
      ],
    });
    const a = await worker.listen("127.0.0.1", 0);
    workerDest = `127.0.0.1:${a.port}`;
    for (let i = 0; i < 2; i++) {
      const r = await rawCall(c.rpcUrl, "Venus.AllocateSector", [ANY_SECTOR_SPEC], c.adminToken);
      assert.ok(r.body["result"], JSON.stringify(r.body));
    }
    const ping = { Name: "w1", Dest: workerDest, Version: "v0.13.1-test", Summary: { Threads: 1, Empty: 0, Paused: 0, Running: 1, Waiting: 0, Errors: 0 } };
    assert.equal((await rawCall(c.rpcUrl, "Venus.WorkerPing", [ping], c.adminToken)).status, 200);
  });
  after(async () => {
    await worker?.close();
    await c?.stop();
  });

  const ok = async (args: string[], env?: NodeJS.ProcessEnv): Promise<string> => {
    const r = await c.cli(args, env);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  it("sealer sectors list|state|find-deal: tables and --json", async () => {
    const [table, json, state, deal] = await Promise.all([
      ok(["util", "sealer", "sectors", "list"]),
      ok(["util", "sealer", "sectors", "list", "--json"]),
      ok(["util", "sealer", "sectors", "state", "1000", "1", "--json"]),
      ok(["util", "sealer", "sectors", "find-deal", "5", "--json"]),
    ]);
    const lines = table.trim().split("\n");
    assert.match(lines[0]!, /^MINER\s+NUMBER\s+PROOF\s+STATE\s+WORKER\s+FINALIZED\s+ABORT\s+STALE$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3)), [["1000", "1", "5"], ["1000", "2", "5"]]);
    assert.deepEqual((parse(json) as Sector[]).map((s) => s.ID), [{ Miner: 1000, Number: 1 }, { Miner: 1000, Number: 2 }]);
    assert.deepEqual((parse(state) as Sector).ID, { Miner: 1000, Number: 1 });
    assert.deepEqual(parse(deal), []);
    // --home after the subcommand, as the global flag's alternative.
    const late = await runCli("damocles-manager", ["util", "--listen", `127.0.0.1:${c.port}`, "sealer", "sectors", "list", "--json", "--home", c.home]);
    assert.equal(late.code, 0, late.stderr);
    assert.deepEqual(parse(late.stdout), parse(json));
    const missing = await c.cli(["util", "sealer", "sectors", "state", "1000", "99"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /1000-99|11001|not found/);
  });

  it("sealer sectors abort and restore move a sector offline and back", async () => {
    assert.match(await ok(["util", "sealer", "sectors", "abort", "1000", "2", "--reason", "stale"]), /aborted/);
    const offline = parse(await ok(["util", "sealer", "sectors", "list", "--offline", "--json"])) as Sector[];
    assert.deepEqual(offline.map((s) => [s.ID.Number, s.AbortReason]), [[2, "stale"]]);
    assert.match(await ok(["util", "sealer", "sectors", "restore", "1000", "2"]), /restored/);
    const online = parse(await ok(["util", "sealer", "sectors", "list", "--json"])) as Sector[];
    assert.deepEqual(online.map((s) => s.ID.Number), [1, 2]);
  });

  it("sealer proving info|deadlines|faults, chain head and miner info read the chain", async () => {
    const [info, infoTable, deadlines, faults, head, headTable, miner] = await Promise.all([
      ok(["util", "sealer", "proving", "info", "--json"]),
      ok(["util", "sealer", "proving", "info"]),
      ok(["util", "sealer", "proving", "deadlines", "--json"]),
      ok(["util", "sealer", "proving", "faults", "--json"]),
      ok(["util", "chain", "head", "--json"]),
      ok(["util", "chain", "head"]),
      ok(["util", "miner", "info", "t01000", "--json"]),
    ]);
    const i = parse(info) as { Miner: string; Deadlines: number; Faults: number; DeadlineIndex: number };
    assert.equal(i.Miner, "t01000");
    assert.equal(i.Faults, 0);
    assert.ok(i.DeadlineIndex < i.Deadlines);
    assert.match(infoTable, /^DeadlineIndex\s+\d+$/m);
    const d = parse(deadlines) as { Index: number; Current: boolean }[];
    assert.equal(d.length, i.Deadlines);
    assert.equal(d.filter((x) => x.Current).length, 1);
    assert.deepEqual(parse(faults), []);
    const h = parse(head) as { Height: number; Cids: string[] };
    assert.ok(h.Height > 0 && h.Cids.length === 1 && h.Cids[0]!.startsWith("bafy"));
    assert.match(headTable, /^HEIGHT\s+TIPSET\n\d+\s+bafy/);
    const m = parse(miner) as { Miner: string; SectorSize: number; Owner: string };
    assert.equal(m.Miner, "t01000");
    assert.equal(m.SectorSize, 2048);
    assert.match(m.Owner, /^t0\d+$/);
  });

  it("worker list|info|pause|resume|remove, pause and resume proxied to the worker's admin API", async () => {
    const [table, json, info, infoJson] = await Promise.all([
      ok(["util", "worker", "list"]),
      ok(["util", "worker", "list", "--json"]),
      ok(["util", "worker", "info", "w1"]),
      ok(["util", "worker", "info", "w1", "--json"]),
    ]);
    assert.match(table, new RegExp(`^w1\\s+${workerDest}\\s+v0.13.1-test\\s+1\\s+1\\s+0\\s+0\\s+\\d+s ago$`, "m"));
    const pings = parse(json) as { Info: { Name: string; Dest: string }; Stale: boolean }[];
    assert.deepEqual(pings.map((p) => [p.Info.Name, p.Info.Dest, p.Stale]), [["w1", workerDest, false]]);
    assert.match(info, /^0\s+sealer\s+\/data\/sealing-0\s+s-t01000-1\s+PC1Done\s+PC2\s+Running\s+-$/m);
    assert.deepEqual(parse(infoJson), [THREAD]);
    assert.match(await ok(["util", "worker", "pause", "w1", "0"]), /will pause/);
    assert.match(await ok(["util", "worker", "resume", "w1", "0", "PC1Done"]), /resumed/);
    assert.deepEqual(adminCalls, ["pause 0", "resume 0 PC1Done"]);
    assert.match(await ok(["util", "worker", "remove", "w1"]), /removed/);
    assert.deepEqual(parse(await ok(["util", "worker", "list", "--json"])), []);
    const unknown = await c.cli(["util", "worker", "pause", "w1", "0"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /worker "w1" is unknown/);
  });

  it("storage list|find|release-reserved", async () => {
    const [list, table, find, findTable, release] = await Promise.all([
      ok(["util", "storage", "list", "--json"]),
      ok(["util", "storage", "list"]),
      ok(["util", "storage", "find", "1000", "1", "--json"]),
      ok(["util", "storage", "find", "1000", "1"]),
      ok(["util", "storage", "release-reserved", "1000", "1"]),
    ]);
    const stores = parse(list) as { Name: string; Path: string; Weight: number }[];
    assert.deepEqual(stores.map((s) => [s.Name, s.Path, s.Weight]), [["ps1", join(c.dir, "ps1"), 1]]);
    assert.match(table, /^NAME\s+PATH\s+WEIGHT\s+READONLY\s+TOTAL\s+FREE\s+USED%\s+RESERVED\nps1\s/);
    assert.equal((parse(find) as { Found: boolean }).Found, false);
    assert.match(findTable, /not indexed/);
    assert.match(release, /had no reservation/);
  });

  it("auth create-token --perm write makes a token that can allocate but not call admin methods", async () => {
    const token = (await ok(["util", "auth", "create-token", "--perm", "write"])).trim();
    const alloc = await rawCall(c.rpcUrl, "Venus.AllocateSector", [ANY_SECTOR_SPEC], token);
    assert.deepEqual(alloc.body["result"], { ID: { Miner: 1000, Number: 3 }, ProofType: 5 });
    const restore = await rawCall(c.rpcUrl, "Venus.RestoreSector", [{ Miner: 1000, Number: 1 }, true], token);
    assert.deepEqual(restore.body["error"], { code: 1, message: "missing permission to invoke 'RestoreSector' (need 'admin')" });
    const bad = await c.cli(["util", "auth", "create-token", "--perm", "root"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--perm "root": expected one of read, write, admin/);
    // The CLI uses DAMOCLES_API_TOKEN over the home's token: a read token cannot abort.
    const read = await createToken(new Uint8Array(await readFile(join(c.home, "auth.secret"))), ["read"]);
    const refused = await c.cli(["util", "sealer", "sectors", "abort", "1000", "1"], { DAMOCLES_API_TOKEN: read });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /missing permission to invoke 'ReportAborted'/);
  });

  it("survives a bounded fuzz of malformed and random params; the sector lists stay consistent", async () => {
    let seed = Number(process.env["FUZZ_SEED"] ?? Date.now() % 1_000_000);
    const seed0 = seed;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const value = (depth: number): unknown => {
      switch (Math.floor(rnd() * (depth > 2 ? 6 : 9))) {
        case 0: return null;
        case 1: return Math.floor(rnd() * 2000) - 500;
        case 2: return pick(["", "online", "offline", "normal", "x".repeat(300), "\u0000", "1000", "t01000"]);
        case 3: return rnd() < 0.5;
        case 4: return pick([1e308, -0, 2 ** 63, 0.5, Number.MAX_SAFE_INTEGER]);
        case 5: return { Miner: 1000, Number: Math.floor(rnd() * 5) };
        case 6: return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
        case 7: return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [pick(["ID", "Miner", "Number", "AllowedMiners", "Name", "Dest", "x"]), value(depth + 1)]));
        default: return { ID: { Miner: 1000, Number: Math.floor(rnd() * 5) }, ProofType: pick([5, 8, -1, "5"]) };
      }
    };
    const methods = [...Object.keys(sealerApi.methods).filter((m) => m !== "RemoveSector"), "Nope", "", "Venus"];
    const malformed = ["{", "[]", "null", '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":1,"method":5}', '{"jsonrpc":"2.0","id":{},"method":"Venus.Version","params":{}}', "\u0000\u0001"];
    const end = Date.now() + 6_000;
    let calls = 0;
    for (; calls < 400 && Date.now() < end; calls++) {
      if (rnd() < 0.1) {
        const res = await fetch(c.rpcUrl, { method: "POST", headers: { Authorization: `Bearer ${c.adminToken}` }, body: pick(malformed) });
        const body = (await res.json()) as { error?: { code: number } };
        assert.ok(body.error && typeof body.error.code === "number", `seed ${seed0}: malformed body answered without an error`);
        continue;
      }
      const method = pick(methods);
      const params = rnd() < 0.1 ? value(0) : Array.from({ length: Math.floor(rnd() * 5) }, () => value(0));
      const r = await rawCall(c.rpcUrl, method === "" ? "" : `Venus.${method}`, params, rnd() < 0.2 ? undefined : c.adminToken);
      assert.ok("result" in r.body || "error" in r.body, `seed ${seed0}: ${method} answered neither result nor error`);
    }
    assert.ok(calls > 20, `only ${calls} fuzz calls ran`);
    assert.equal(c.manager.child.exitCode, null, `seed ${seed0}: the daemon exited: ${c.manager.stderr().slice(-2000)}`);
    assert.equal((await fetch(`${c.base}/healthcheck`)).status, 200);
    const [onCli, offCli] = await Promise.all([
      ok(["util", "sealer", "sectors", "list", "--json"]),
      ok(["util", "sealer", "sectors", "list", "--offline", "--json"]),
    ]);
    const on = parse(onCli) as Sector[];
    const off = parse(offCli) as Sector[];
    const key = (s: Sector): string => `${s.ID.Miner}-${s.ID.Number}`;
    const keys = [...on, ...off].map(key);
    assert.equal(new Set(keys).size, keys.length, `seed ${seed0}: a sector is listed twice: ${keys.join(",")}`);
    assert.ok(on.every((s) => !s.Finalized), `seed ${seed0}: a finalized sector is online`);
    const rpc = await rawCall(c.rpcUrl, "Venus.ListSectors", ["online", 0], c.adminToken);
    assert.deepEqual((rpc.body["result"] as Sector[]).map(key), on.map(key));
  });
});
