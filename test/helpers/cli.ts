// Runs one of the project's commands as an operator would: a real process from the repository root
// (through tsx, so no build is needed), its whole stdout and stderr collected.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./vectors.js";

export type CliName = "damocles-worker" | "damocles-manager" | "damocles-devnet";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Working directory (default: the repository root). */
  cwd?: string;
  /** Added to (and overriding) this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; without it stdin is closed at once. */
  input?: string | Uint8Array;
}

// Resolved here, not by the child: `--import tsx` would look for tsx under the child's cwd.
const TSX = import.meta.resolve("tsx");

export function runCli(bin: CliName, args: readonly string[], opts: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX, join(REPO_ROOT, "src", "bin", `${bin}.ts`), ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, ...opts.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input);
  });
}
