// The whole stack as processes for the worker end-to-end tests: the devnet and damocles-manager from
// manager-cluster.ts, plus `damocles-worker daemon -c <config>` with sealing stores made by `store sealing-init`,
// the manager's persist store [[attached]] under the same name, a write token from `util auth create-token`,
// and pc1/pc2 as the worker's own `processor <stage>` children ([[processors.pc1|pc2]] without bin).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { WorkerThreadInfo } from "../../src/api/worker-admin.js";
import { runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/devnet-process.js";
import { REPO_ROOT } from "../helpers/vectors.js";
import { MINER, STORE, startManagerCluster, type ManagerCluster } from "./manager-cluster.js";
import { reapOnExit } from "../helpers/reap.js";

const TSX = import.meta.resolve("tsx");

export interface WorkerProc {
  pid: number;
  stderr(): string;
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface WorkerCluster {
  c: ManagerCluster;
  config: string;
  adminPort: number;
  stores: string[];
  /** Starts `damocles-worker daemon -c <config>` and waits for "worker started". */
  startWorker(): Promise<WorkerProc>;
  /** VenusWorker.WorkerList over HTTP (fast enough to sample). */
  list(): Promise<WorkerThreadInfo[]>;
  /** Runs `damocles-manager util … <args>` against the cluster's manager. */
  managerCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export async function startWorkerCluster(t: TestContext, threads: number): Promise<WorkerCluster> {
  const fast = { threshold: 1, maxWait: "1s", checkInterval: "200ms" };
  // Registered first: after-hooks run in registration order, so the workers stop before the manager,
  // the devnet and their directories go.
  const procs: WorkerProc[] = [];
  t.after(async () => {
    await Promise.all(procs.map((p) => p.kill("SIGKILL")));
  });
  const c = await startManagerCluster(t, fast, fast);
  const home = join(c.dir, "manager");
  const managerCli = (args: readonly string[]) => runCli("damocles-manager", ["--home", home, "util", "--listen", `127.0.0.1:${c.managerPort}`, ...args]);
  const tok = await managerCli(["auth", "create-token", "--perm", "write"]);
  assert.equal(tok.code, 0, tok.stderr);
  const stores = Array.from({ length: threads }, (_, i) => join(c.dir, `sealing-${i}`));
  const init = await runCli("damocles-worker", ["store", "sealing-init", "-l", ...stores]);
  assert.equal(init.code, 0, init.stderr);
  const adminPort = await freePort();
  const config = join(c.dir, "worker.toml");
  await writeFile(
    config,
    [
      "[worker]",
      'name = "e2e-worker"',
      'rpc_server.host = "127.0.0.1"',
      `rpc_server.port = ${adminPort}`,
      'ping_interval = "1s"',
      "",
      "[sector_manager]",
      `rpc_client.addr = "/ip4/127.0.0.1/tcp/${c.managerPort}"`,
      `rpc_client.token = "${tok.stdout.trim()}"`,
      "",
      "[sealing]",
      `allowed_miners = [${MINER}]`,
      'allowed_sizes = ["2KiB"]',
      'seal_interval = "200ms"',
      'recover_interval = "500ms"',
      'rpc_polling_interval = "300ms"',
      "",
      ...stores.flatMap((s) => ["[[sealing_thread]]", `location = ${JSON.stringify(s)}`, ""]),
      "[[attached]]",
      `name = "${STORE}"`,
      `location = ${JSON.stringify(c.persistDir)}`,
      "",
      "[[processors.pc1]]",
      'stable_wait = "60s"',
      "",
      "[[processors.pc2]]",
      'stable_wait = "60s"',
      "",
    ].join("\n"),
  );
  const startWorker = async (): Promise<WorkerProc> => {
    const child = reapOnExit(spawn(process.execPath, ["--import", TSX, join(REPO_ROOT, "src", "bin", "damocles-worker.ts"), "daemon", "-c", config], {
      cwd: c.dir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DAMOCLES_WORKER_LOG: "info" },
    }));
    let err = "";
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    child.stdout!.resume();
    const exited = new Promise<number | string>((resolve) => child.on("exit", (code, sig) => resolve(code ?? sig ?? -1)));
    const p: WorkerProc = {
      pid: child.pid!,
      stderr: () => err,
      exited,
      async kill(signal = "SIGKILL") {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    procs.push(p);
    const end = Date.now() + 60_000;
    while (!/"worker started"/.test(err)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker exited early:\n${err}`);
      if (Date.now() > end) throw new Error(`worker did not start:\n${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return p;
  };
  const list = async (): Promise<WorkerThreadInfo[]> => {
    const res = await fetch(`http://127.0.0.1:${adminPort}/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "VenusWorker.WorkerList", params: [] }),
    });
    const body = (await res.json()) as { result?: WorkerThreadInfo[]; error?: { message: string } };
    if (!body.result) throw new Error(`WorkerList: ${body.error?.message}`);
    return body.result;
  };
  return { c, config, adminPort, stores, startWorker, list, managerCli };
}

/** The manager's `sealer sectors list --offline --json`: finalized and aborted sectors. */
export async function offlineSectors(w: WorkerCluster): Promise<Array<{ ID: { Miner: number; Number: number }; Finalized: boolean; AbortReason: string; LatestState: { StateChange: { Next: string } } | null }>> {
  const r = await w.managerCli(["sealer", "sectors", "list", "--offline", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as never;
}
