// A devnet and a damocles-manager as an operator runs them: `damocles-devnet init` + `run`, then
// `damocles-manager daemon init`, a config pointing [Common.API].Chain at the devnet's multiaddr with a
// devnet token, and `daemon run` on a free loopback port, all as real processes.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { runCli, type CliRun } from "../helpers/cli.js";
import { freePort, initDevnetHome, waitHealthy } from "../helpers/devnet-process.js";
import { REPO_ROOT } from "../helpers/vectors.js";
import { reapOnExit } from "../helpers/reap.js";

const TSX = import.meta.resolve("tsx");

export interface Proc {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export function spawnBin(bin: "damocles-devnet" | "damocles-manager", args: readonly string[]): Proc {
  const child = reapOnExit(spawn(process.execPath, ["--import", TSX, join(REPO_ROOT, "src", "bin", `${bin}.ts`), ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  }));
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, sig) => resolve(code ?? sig ?? -1)));
  return {
    child,
    stderr: () => err,
    exited,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface ManagerConfigOptions {
  trustedNetworks?: readonly string[];
  maxNumber?: number;
  /** Extra TOML appended as is; a function gets the cluster's temp directory. */
  extra?: string | ((dir: string) => string);
}

export interface Cluster {
  dir: string;
  devnet: { port: number; token: string; proc: Proc };
  home: string;
  port: number;
  /** `http://127.0.0.1:<port>`. */
  base: string;
  rpcUrl: string;
  adminToken: string;
  manager: Proc;
  config(opts: ManagerConfigOptions): Promise<void>;
  /** Runs `damocles-manager --home <home> <args> --listen …` (the util flag is added after `util`). */
  cli(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
  /** Starts another `daemon run` on the same home (its own port). */
  spawnManager(port?: number): Promise<Proc>;
  stop(): Promise<void>;
}

export async function startCluster(opts: ManagerConfigOptions = {}): Promise<Cluster> {
  const dir = await mkdtemp(join(os.tmpdir(), "damocles-manager-test-"));
  const procs: Proc[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map((p) => p.kill()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const d = await initDevnetHome(join(dir, "devnet"));
    const devnet = spawnBin("damocles-devnet", ["run", "--home", d.home]);
    procs.push(devnet);
    const home = join(dir, "manager");
    const init = await runCli("damocles-manager", ["--home", home, "daemon", "init"]);
    if (init.code !== 0) throw new Error(`daemon init failed: ${init.stderr}`);
    const adminToken = (await readFile(join(home, "token"), "utf8")).trim();
    const config = async (o: ManagerConfigOptions): Promise<void> => {
      const trusted = (o.trustedNetworks ?? []).map((n) => JSON.stringify(n)).join(", ");
      const text = [
        "[Common.API]",
        `Chain = "/ip4/127.0.0.1/tcp/${d.port}"`,
        `Token = "${d.token}"`,
        "[Common.Auth]",
        `TrustedWorkerNetworks = [${trusted}]`,
        "[[Miners]]",
        "Actor = 1000",
        "[Miners.Sector]",
        `MaxNumber = ${o.maxNumber ?? 1000}`,
        typeof o.extra === "function" ? o.extra(dir) : (o.extra ?? ""),
      ].join("\n");
      await writeFile(join(home, "sector-manager.cfg"), `${text}\n`);
    };
    await config(opts);
    await waitHealthy(d.port, { child: devnet.child, stderr: devnet.stderr, exited: devnet.exited });
    const port = await freePort();
    const spawnManager = async (p = port): Promise<Proc> => {
      const m = spawnBin("damocles-manager", ["--home", home, "daemon", "run", "--listen", `127.0.0.1:${p}`]);
      procs.push(m);
      return m;
    };
    const manager = await spawnManager();
    await waitHealthy(port, { child: manager.child, stderr: manager.stderr, exited: manager.exited });
    const base = `http://127.0.0.1:${port}`;
    return {
      dir,
      devnet: { port: d.port, token: d.token, proc: devnet },
      home,
      port,
      base,
      rpcUrl: `${base}/rpc/v0`,
      adminToken,
      manager,
      config,
      cli(args, env) {
        const i = args.indexOf("util");
        const full = i < 0 ? [...args] : [...args.slice(0, i + 1), "--listen", `127.0.0.1:${port}`, ...args.slice(i + 1)];
        return runCli("damocles-manager", ["--home", home, ...full], { env });
      },
      spawnManager,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** One raw JSON-RPC call over HTTP POST: the HTTP status and the parsed body. */
export async function rawCall(url: string, method: string, params: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token !== undefined) headers["Authorization"] = `Bearer ${token}`;
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id: 7, method, params }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export const ANY_SECTOR_SPEC = { AllowedMiners: null, AllowedProofTypes: null };
