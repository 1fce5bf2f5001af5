// A `damocles-devnet` home and daemon as an operator runs them: `init` then `run` as real processes on a
// free loopback port, with helpers to wait until it answers, to read its admin token and to stop it.
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { runCli } from "./cli.js";
import { REPO_ROOT } from "./vectors.js";
import { reapOnExit } from "./reap.js";

const TSX = import.meta.resolve("tsx");

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface InitResult {
  home: string;
  port: number;
  rpcUrl: string;
  token: string;
  output: { miners: { actor_id: string; owner: string; worker: string }[] } & Record<string, unknown>;
}

export async function initDevnetHome(home: string, args: readonly string[] = []): Promise<InitResult> {
  const port = await freePort();
  const r = await runCli("damocles-devnet", ["init", "--home", home, "--listen", `127.0.0.1:${port}`, ...args]);
  if (r.code !== 0) throw new Error(`init failed (${r.code}): ${r.stderr}`);
  const token = (await readFile(join(home, "token"), "utf8")).trim();
  return { home, port, rpcUrl: `http://127.0.0.1:${port}/rpc/v1`, token, output: JSON.parse(r.stdout) as InitResult["output"] };
}

export interface DevnetProcess {
  child: ChildProcess;
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

export function spawnDevnet(t: TestContext, args: readonly string[]): DevnetProcess {
  const child = reapOnExit(spawn(process.execPath, ["--import", TSX, join(REPO_ROOT, "src", "bin", "damocles-devnet.ts"), ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  }));
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, sig) => resolve(code ?? sig ?? -1)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  });
  return { child, stderr: () => err, exited };
}

/** Polls `fn` every `everyMs` until it returns a truthy value or `timeoutMs` passes. */
export async function until<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until /healthcheck answers 200; fails at once when the process exits first. */
export async function waitHealthy(port: number, proc?: DevnetProcess, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.child.exitCode !== null) throw new Error(`devnet exited ${proc.child.exitCode}: ${proc.stderr()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthcheck`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for the devnet on port ${port}: ${proc?.stderr() ?? ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
