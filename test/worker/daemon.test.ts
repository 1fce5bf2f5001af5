import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import type { ServerMethods } from "../../src/api/define.js";
import { sealerApi } from "../../src/api/sealer.js";
import type { WorkerInfo } from "../../src/api/sealer-types.js";
import type { WorkerThreadInfo } from "../../src/api/worker-admin.js";
import { METHOD_NOT_FOUND, RpcError } from "../../src/rpc/errors.js";
import { createRpcServer, implement } from "../../src/rpc/server.js";
import { runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/devnet-process.js";
import { tempDir } from "../helpers/tmp.js";
import { REPO_ROOT } from "../helpers/vectors.js";
import { reapOnExit } from "../helpers/reap.js";

const TSX = import.meta.resolve("tsx");
const TOKEN = "worker-write-token";

interface ManagerDouble {
  port: number;
  pings: WorkerInfo[];
  tokens: Set<string | null>;
  storeQueries: string[];
}

/** A scripted damocles-manager: knows the store "persist-a", records pings, has no sector to allocate. */
async function managerDouble(t: TestContext): Promise<ManagerDouble> {
  const d: ManagerDouble = { port: 0, pings: [], tokens: new Set(), storeQueries: [] };
  const absent = Object.fromEntries(
    Object.keys(sealerApi.methods).map((m) => [m, () => { throw new RpcError(METHOD_NOT_FOUND, `method 'Venus.${m}' not found`); }]),
  ) as unknown as ServerMethods<typeof sealerApi>;
  const impl: ServerMethods<typeof sealerApi> = {
    ...absent,
    StoreBasicInfo: (name) => {
      d.storeQueries.push(name);
      return name === "persist-a" ? { Name: name, Path: "/mnt/persist-a", Strict: false, ReadOnly: false, Weight: 1, Meta: null } : null;
    },
    WorkerPing: (info) => {
      d.pings.push(info);
      return null;
    },
    WorkerSealingDefaults: () => null,
    AllocateSector: () => null,
  };
  const server = createRpcServer({
    routes: [{ path: "/rpc/v0", apis: [implement(sealerApi, impl)] }],
    authenticate: async ({ token }) => {
      d.tokens.add(token);
      return token === TOKEN ? ["read", "write"] : null;
    },
  });
  d.port = (await server.listen("127.0.0.1", 0)).port;
  t.after(() => server.close());
  return d;
}

interface Home {
  dir: string;
  config: string;
  adminPort: number;
  metricsPort: number;
}

async function workerHome(t: TestContext, managerPort: number, attachedName = "persist-a"): Promise<Home> {
  const dir = await tempDir(t);
  const adminPort = await freePort();
  const metricsPort = await freePort();
  await mkdir(join(dir, "persist"), { recursive: true });
  const config = join(dir, "worker.toml");
  await writeFile(
    config,
    [
      "[worker]",
      'name = "test-worker"',
      'rpc_server.host = "127.0.0.1"',
      `rpc_server.port = ${adminPort}`,
      'ping_interval = "1s"',
      "",
      "[metrics]",
      "enable = true",
      `http_listen = "127.0.0.1:${metricsPort}"`,
      "",
      "[sector_manager]",
      `rpc_client.addr = "/ip4/127.0.0.1/tcp/${managerPort}"`,
      `rpc_client.token = "${TOKEN}"`,
      "",
      "[sealing]",
      'allowed_sizes = ["2KiB"]',
      'recover_interval = "1s"',
      'seal_interval = "1s"',
      "",
      "[[sealing_thread]]",
      `location = "${join(dir, "store1")}"`,
      "",
      "[[sealing_thread]]",
      `location = "${join(dir, "store2")}"`,
      "",
      "[[attached]]",
      `name = "${attachedName}"`,
      `location = "${join(dir, "persist")}"`,
      "",
    ].join("\n"),
  );
  return { dir, config, adminPort, metricsPort };
}

interface DaemonProcess {
  stderr(): string;
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

function spawnDaemon(t: TestContext, config: string, cwd: string): DaemonProcess {
  const child = reapOnExit(spawn(process.execPath, ["--import", TSX, join(REPO_ROOT, "src", "bin", "damocles-worker.ts"), "daemon", "-c", config], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DAMOCLES_WORKER_LOG: "info" },
  }));
  let err = "";
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, sig) => resolve(code ?? sig ?? -1)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  });
  return { stderr: () => err, exited, kill: (s) => child.kill(s) };
}

async function until<T>(what: string, f: () => Promise<T | undefined | false> | T | undefined | false, ms = 20_000, proc?: DaemonProcess): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${proc ? `\ndaemon stderr:\n${proc.stderr()}` : ""}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function listJson(home: Home): Promise<WorkerThreadInfo[]> {
  const r = await runCli("damocles-worker", ["worker", "list", "--json", "-H", `127.0.0.1:${home.adminPort}`]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as WorkerThreadInfo[];
}

async function adminCall(port: number, path: string, body: object): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, ...body }) });
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
}

test("worker daemon: threads listed, paused and resumed from the CLI, pings with the summary, /metrics, SIGTERM exits 0", async (t) => {
  const manager = await managerDouble(t);
  const home = await workerHome(t, manager.port);
  const daemon = spawnDaemon(t, home.config, home.dir);
  await until("the worker to start", () => /"worker started"/.test(daemon.stderr()), 30_000, daemon);

  // worker list: a table and JSON, one row per [[sealing_thread]]
  const table = await runCli("damocles-worker", ["worker", "list", "-H", `127.0.0.1:${home.adminPort}`]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^# +location +plan +job_id +job_state +job_stage +thread_state +last_error$/);
  assert.equal(lines.length, 3, table.stdout);
  assert.match(lines[1]!, new RegExp(`^0 +${join(home.dir, "store1")} +sealer +`));
  assert.match(lines[2]!, new RegExp(`^1 +${join(home.dir, "store2")} +sealer +`));
  const infos = await listJson(home);
  assert.deepEqual(infos.map((i) => [i.index, i.location, i.plan]), [[0, join(home.dir, "store1"), "sealer"], [1, join(home.dir, "store2"), "sealer"]]);
  // the config names the daemon too (-c reads [worker.rpc_server])
  const viaConfig = await runCli("damocles-worker", ["worker", "list", "--json", "-c", home.config]);
  assert.equal(viaConfig.code, 0, viaConfig.stderr);
  assert.equal((JSON.parse(viaConfig.stdout) as unknown[]).length, 2);

  // pause and resume thread 1
  const pause = await runCli("damocles-worker", ["worker", "pause", "-i", "1", "-H", `127.0.0.1:${home.adminPort}`]);
  assert.equal(pause.code, 0, pause.stderr);
  assert.match(pause.stdout, /#1: pause requested/);
  const paused = await until("thread 1 paused", async () => (await listJson(home)).find((i) => i.index === 1 && i.thread_state.state === "Paused"), 20_000, daemon);
  assert.equal(paused.last_error, null, "a requested pause is not an error");
  assert.notEqual((await listJson(home)).find((i) => i.index === 0)!.thread_state.state, "Paused", "thread 0 keeps running");
  await until("a ping counting the paused thread", () => manager.pings.find((p) => p.Summary.Paused === 1), 10_000, daemon);
  const metricsText = await until("the paused gauge", async () => {
    const text = await (await fetch(`http://127.0.0.1:${home.metricsPort}/metrics`)).text();
    return /\nsealing_thread_state\{[^}]*state="paused"[^}]*\} 1\n/.test(text) && text;
  });
  assert.match(metricsText, /sealing_thread_state\{state="idle",worker_name="test-worker",worker_ip="127\.0\.0\.1"\} \d/);
  const byState = [...metricsText.matchAll(/\nsealing_thread_state\{[^}]*\} (\d+)/g)].map((m) => Number(m[1]));
  assert.equal(byState.reduce((a, b) => a + b, 0), 2, "every thread is in exactly one state");
  assert.match(metricsText, /\nrpc_call\{method="WorkerPing",worker_name="test-worker",worker_ip="127\.0\.0\.1"\} [1-9]\d*\n/);
  assert.match(metricsText, /\ndamocles_worker_stage_queue_length\{stage="pc1"[^}]*\} 0\n/);
  const resume = await runCli("damocles-worker", ["worker", "resume", "-i", "1", "-H", `127.0.0.1:${home.adminPort}`]);
  assert.equal(resume.code, 0, resume.stderr);
  assert.match(resume.stdout, /#1: resumed/);
  await until("thread 1 running again", async () => (await listJson(home)).find((i) => i.index === 1 && i.thread_state.state !== "Paused"), 10_000, daemon);
  const notPaused = await runCli("damocles-worker", ["worker", "resume", "-i", "1", "-H", `127.0.0.1:${home.adminPort}`]);
  assert.match(notPaused.stdout, /not paused/);
  const unknown = await runCli("damocles-worker", ["worker", "pause", "-i", "7", "-H", `127.0.0.1:${home.adminPort}`]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /worker #7 not found/);

  // the admin RPC as Damocles serves it: any path, params may be absent, -32602 for an unknown thread
  const list = await adminCall(home.adminPort, "/rpc/v0", { method: "VenusWorker.WorkerList" });
  assert.equal((list.result as unknown[]).length, 2);
  const version = await adminCall(home.adminPort, "/", { method: "VenusWorker.WorkerVersion", params: [] });
  assert.match(version.result as string, /^v\d+\.\d+\.\d+-\S+$/);
  const missing = await adminCall(home.adminPort, "/x", { method: "VenusWorker.WorkerResume", params: [9, null] });
  assert.deepEqual(missing.error, { code: -32602, message: "worker #9 not found" });
  const env = await adminCall(home.adminPort, "/", { method: "VenusWorker.WorkerSetEnv", params: ["A=B", "x"] });
  assert.equal(env.error?.code, -32602);

  // pings: name, Dest on the admin port, the thread summary; the manager saw only our token
  const ping = manager.pings.at(-1)!;
  assert.equal(ping.Name, "test-worker");
  assert.equal(ping.Dest, `127.0.0.1:${home.adminPort}`);
  assert.equal(ping.Version, version.result);
  assert.equal(ping.Summary.Threads, 2);
  assert.deepEqual([...manager.tokens], [TOKEN]);
  assert.deepEqual(manager.storeQueries, ["persist-a"]);

  daemon.kill("SIGTERM");
  assert.equal(await daemon.exited, 0, daemon.stderr());
  assert.match(daemon.stderr(), /"worker stopped"/);
});

test("worker daemon refuses to start when an attached store is unknown to the manager", async (t) => {
  const manager = await managerDouble(t);
  const home = await workerHome(t, manager.port, "nobody-knows-this-store");
  const daemon = spawnDaemon(t, home.config, home.dir);
  assert.equal(await daemon.exited, 1, daemon.stderr());
  assert.match(daemon.stderr(), /refusing to start/);
  assert.match(daemon.stderr(), /persist store "nobody-knows-this-store" is unknown to the manager/);
  assert.match(daemon.stderr(), /worker\.toml:\d+: key attached\[0\]/);
  assert.deepEqual(manager.pings, []);
});

test("worker daemon exits 1 on a config error, naming the key and its line", async (t) => {
  const manager = await managerDouble(t);
  const home = await workerHome(t, manager.port);
  const r = await runCli("damocles-worker", ["daemon", "-c", "bad.toml"], { cwd: home.dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /config file not found/);
  await writeFile(
    join(home.dir, "bad.toml"),
    `[sector_manager]\nrpc_client.addr = "/ip4/127.0.0.1/tcp/${manager.port}"\n\n[sealing]\nseal_interval = 30\n\n[[sealing_thread]]\nlocation = "./s"\n`,
  );
  const bad = await runCli("damocles-worker", ["daemon"], { cwd: home.dir, env: { DAMOCLES_WORKER_CONFIG: "bad.toml" } });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bad\.toml:5: key sealing\.seal_interval: /);
  assert.deepEqual(manager.storeQueries, [], "nothing is asked of the manager before the file loads");
  // a built-in c1 cannot feed an external c2 (protocols.md §4b): refused with the reason
  await writeFile(join(home.dir, "mixed.toml"), `${await readFile(home.config, "utf8")}\n[[processors.c2]]\nbin = "/bin/cat"\n`);
  const mixed = await runCli("damocles-worker", ["daemon", "-c", "mixed.toml"], { cwd: home.dir });
  assert.equal(mixed.code, 1);
  assert.match(mixed.stderr, /mixed\.toml:\d+: key processors\.c2: \[\[processors\.c2\]\] sets bin but \[\[processors\.c1\]\] does not: the built-in c1 output cannot feed an external c2/);
});
