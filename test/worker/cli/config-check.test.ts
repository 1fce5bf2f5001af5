import assert from "node:assert/strict";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/tmp.js";

const MOCK = new URL("../config/fixtures/damocles-worker.mock.toml", import.meta.url);

/** Damocles' mock config in a temp dir (its relative paths resolve there), with its stores created. */
async function mockHome(t: import("node:test").TestContext): Promise<string> {
  const dir = await tempDir(t);
  await copyFile(MOCK, join(dir, "worker.toml"));
  for (const d of ["store1", "store2", "store3", "remote"]) await mkdir(join(dir, "mock-tmp", d), { recursive: true });
  return dir;
}

test("config check on Damocles' mock config: threads with provenance, warnings only, exit 0", async (t) => {
  const dir = await mockHome(t);
  await writeFile(join(dir, "mock-tmp", "store2", "config.toml"), `plan = "snapup"\nsealing.max_retries = 8\n`);
  const r = await runCli("damocles-worker", ["config", "check", "-c", "worker.toml", "--offline"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^config worker\.toml\nmanager http:\/\/127\.0\.0\.1:1789\/rpc\/v0: not contacted \(--offline\)\n/);
  assert.match(r.stdout, /sealing_thread\[0\] location \.\/mock-tmp\/store1 {2}plan sealer \(default\)\n/);
  assert.match(r.stdout, /\n {2}max_retries +\s= 3 {2}\(\[sealing\]\)\n/);
  assert.match(r.stdout, /\n {2}seal_interval +\s= "30s" {2}\(default\)\n/);
  assert.match(r.stdout, /sealing_thread\[1\] location \.\/mock-tmp\/store2 {2}plan snapup \(config\.toml\) {2}hot config mock-tmp\/store2\/config\.toml\n/);
  assert.match(r.stdout, /\n {2}max_retries +\s= 8 {2}\(config\.toml\)\n/);
  assert.match(r.stdout, /warning worker\.toml:55: key attached_selection: ignored/);
  assert.match(r.stdout, /\n {2}pc1 +2 own children \(damocles-worker processor pc1\), at most 3 at once, one start per 1m\n/);
  assert.match(r.stdout, /\n {2}c1 +built-in, in-process\n/);
  assert.match(r.stdout, /not checked: attached store names against the manager: --offline/);
  assert.match(r.stdout, /\n0 errors, \d+ warnings\n$/);
});

test("config check --json, DAMOCLES_WORKER_CONFIG, exit 1 on an error", async (t) => {
  const dir = await mockHome(t);
  await writeFile(join(dir, "bad.toml"), `[sector_manager]\nrpc_client.addr = "/ip4/127.0.0.1/tcp/1789"\n[sealing]\nmax_retry = 3\nseal_interval = 30\n[[sealing_thread]]\nlocation = "/tmp"\n[[processors.synth_proof]]\n`);
  const r = await runCli("damocles-worker", ["config", "check", "--json", "--offline"], { cwd: dir, env: { DAMOCLES_WORKER_CONFIG: "bad.toml" } });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { file: string; problems: { level: string; code: string; line: number; message: string }[] };
  assert.equal(report.file, "bad.toml");
  assert.deepEqual(report.problems.map((p) => [p.level, p.code, p.line]), [
    ["warning", "UNKNOWN_KEY", 4],
    ["error", "WRONG_TYPE", 5],
    ["error", "UNKNOWN_PROCESSOR_STAGE", 8],
  ]);
  assert.equal(report.problems[0]!.message, "unknown key, ignored; did you mean max_retries?");
  const none = await runCli("damocles-worker", ["config", "check"], { cwd: dir, env: { DAMOCLES_WORKER_CONFIG: "" } });
  assert.notEqual(none.code, 0);
});

/** A stand-in for damocles-manager answering the two calls `config check` makes. */
async function fakeManager(t: import("node:test").TestContext, defaults: unknown): Promise<number> {
  const body = async (req: IncomingMessage): Promise<{ id: number; method: string; params: unknown[] }> => {
    let s = "";
    for await (const c of req) s += String(c);
    return JSON.parse(s) as { id: number; method: string; params: unknown[] };
  };
  const srv = createServer((req, res) => {
    void body(req).then(({ id, method, params }) => {
      let result: unknown = null;
      if (method === "Venus.WorkerSealingDefaults") result = defaults;
      else if (method === "Venus.StoreBasicInfo" && params[0] === "persist-1")
        result = { Name: "persist-1", Path: "/mnt/p1", Strict: false, ReadOnly: false, Weight: 1, Meta: null };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
    });
  });
  await new Promise<void>((ok) => srv.listen(0, "127.0.0.1", ok));
  t.after(() => new Promise<void>((ok) => srv.close(() => ok())));
  return (srv.address() as AddressInfo).port;
}

test("with a reachable manager: its sealing defaults are layer 1 and unknown store names are errors", async (t) => {
  const dir = await tempDir(t);
  const port = await fakeManager(t, { max_retries: 9, seal_interval: "10s", recover_interval: "20s" });
  await mkdir(join(dir, "s1"));
  await writeFile(join(dir, "w.toml"),
    `[worker]\nname = "w1"\n[sector_manager]\nrpc_client.addr = "/ip4/127.0.0.1/tcp/${port}"\n[sealing]\nrecover_interval = "1m"\n` +
      `[[sealing_thread]]\nlocation = "s1"\n[[attached]]\nname = "persist-1"\nlocation = "/usr"\n[[attached]]\nname = "persist-2"\nlocation = "/etc"\n`);
  const r = await runCli("damocles-worker", ["config", "check", "-c", "w.toml"], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`manager http://127\\.0\\.0\\.1:${port}/rpc/v0: reachable\\n`));
  assert.match(r.stdout, /\n {2}max_retries +\s= 9 {2}\(manager\)\n/);
  assert.match(r.stdout, /\n {2}seal_interval +\s= "10s" {2}\(manager\)\n/);
  assert.match(r.stdout, /\n {2}recover_interval +\s= "1m" {2}\(\[sealing\]\)\n/);
  assert.match(r.stdout, /error +w\.toml:12: key attached\[1\]: persist store "persist-2" is unknown to the manager/);
  assert.doesNotMatch(r.stdout, /persist-1" is unknown/);
  assert.doesNotMatch(r.stdout, /not checked: attached store names/);
  assert.match(r.stdout, /\n1 error, 0 warnings\n$/);
});

test("with the manager unreachable, store names are reported as not checked", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "w.toml"), `[worker]\nname = "w1"\n[sector_manager]\nrpc_client.addr = "http://127.0.0.1:9/anything"\n[[sealing_thread]]\nlocation = "${dir}"\n[[attached]]\nlocation = "/usr"\n`);
  const r = await runCli("damocles-worker", ["config", "check", "-c", "w.toml"], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /manager http:\/\/127\.0\.0\.1:9\/rpc\/v0: unreachable \(/);
  assert.match(r.stdout, /not checked: attached store names against the manager: manager unreachable/);
});
