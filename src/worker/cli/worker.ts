// `damocles-worker worker list|pause|resume|enable-dump|disable-dump` (spec/worker.md §1, §13): the operator's
// view of a running daemon through its admin RPC. The daemon is found by -H host:port, else by the
// `[worker.rpc_server]` of -c <config>, else at 127.0.0.1:17890.
import { Command } from "commander";
import { stat, realpath } from "node:fs/promises";
import { DEFAULT_WORKER_ADMIN_PORT, workerAdminApi, type SealingThreadState, type WorkerThreadInfo } from "../../api/worker-admin.js";
import { rpcClient, type RpcClient } from "../../rpc/client.js";
import { TransportError } from "../../rpc/errors.js";
import { loadWorkerConfig } from "../config/load.js";
import { formatDuration } from "../config/units.js";

const ADMIN_TIMEOUT_MS = 10_000;

interface GlobalOpts {
  host?: string;
  config?: string;
}

export function workerCommand(): Command {
  const cmd = new Command("worker")
    .description("list, pause and resume the sealing threads of a running daemon")
    .option("-H, --host <host:port>", `admin RPC address of the daemon (env DAMOCLES_WORKER_HOST; default 127.0.0.1:${DEFAULT_WORKER_ADMIN_PORT})`)
    .option("-c, --config <file>", "take the address from this config's [worker.rpc_server] (env DAMOCLES_WORKER_CONFIG)");

  cmd.addCommand(
    new Command("list")
      .description("print every sealing thread: index, location, plan, job, state and last error")
      .option("--json", "print the WorkerList result as JSON")
      .action(async (opts: { json?: boolean }, self: Command) => {
        const infos = await withClient(self, (c) => c.WorkerList());
        process.stdout.write(opts.json ? `${JSON.stringify(infos, null, 2)}\n` : formatThreadTable(infos));
      }),
  );
  cmd.addCommand(
    new Command("pause")
      .description("request a pause of a thread (takes effect at its next step boundary)")
      .requiredOption("-i, --index <n>", "thread index", parseIndex)
      .action(async (opts: { index: number }, self: Command) => {
        const done = await withClient(self, (c) => c.WorkerPause(opts.index));
        process.stdout.write(done ? `#${opts.index}: pause requested\n` : `#${opts.index}: a pause is already pending\n`);
      }),
  );
  cmd.addCommand(
    new Command("resume")
      .description("resume a paused thread, optionally forcing its sector into a state")
      .requiredOption("-i, --index <n>", "thread index", parseIndex)
      .option("-s, --state <state>", 'state to set, e.g. "PC1Done" (no transition check)')
      .action(async (opts: { index: number; state?: string }, self: Command) => {
        const done = await withClient(self, (c) => c.WorkerResume(opts.index, opts.state ?? null));
        const to = opts.state === undefined ? "" : ` into state ${opts.state}`;
        process.stdout.write(done ? `#${opts.index}: resumed${to}\n` : `#${opts.index}: not resumed: the thread is not paused\n`);
      }),
  );
  cmd.addCommand(
    new Command("enable-dump")
      .alias("enable_dump")
      .description("dump unparsable responses of one external processor to files (sets DUMP_ERR_RESP_<pid> in the daemon)")
      .requiredOption("--child_pid <pid>", "external processor pid", parseIndex)
      .requiredOption("--dump_dir <dir>", "directory for the dumps")
      .action(async (opts: { child_pid: number; dump_dir: string }, self: Command) => {
        if (!(await stat(opts.dump_dir).catch(() => undefined))?.isDirectory()) throw new Error(`'${opts.dump_dir}' is not a directory`);
        const dir = await realpath(opts.dump_dir);
        await withClient(self, (c) => c.WorkerSetEnv(`DUMP_ERR_RESP_${opts.child_pid}`, dir));
        process.stdout.write(`dumps of pid ${opts.child_pid} go to ${dir}\n`);
      }),
  );
  cmd.addCommand(
    new Command("disable-dump")
      .alias("disable_dump")
      .description("stop dumping unparsable responses of one external processor")
      .requiredOption("--child_pid <pid>", "external processor pid", parseIndex)
      .action(async (opts: { child_pid: number }, self: Command) => {
        await withClient(self, (c) => c.WorkerRemoveEnv(`DUMP_ERR_RESP_${opts.child_pid}`));
        process.stdout.write(`dumps of pid ${opts.child_pid} disabled\n`);
      }),
  );
  return cmd;
}

function parseIndex(v: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`"${v}" is not a non-negative integer`);
  return Number(v);
}

/** host:port of the daemon's admin RPC. */
async function adminAddress(g: GlobalOpts): Promise<string> {
  const host = g.host ?? process.env["DAMOCLES_WORKER_HOST"];
  const config = g.config ?? (host === undefined ? process.env["DAMOCLES_WORKER_CONFIG"] : undefined);
  if (config !== undefined && config !== "") {
    const { config: cfg } = await loadWorkerConfig(config);
    const h = cfg.worker.rpc_server.host;
    // A daemon listening on every address is reached on loopback.
    const connect = h === "0.0.0.0" || h === "::" || h === "" ? "127.0.0.1" : h;
    return `${connect.includes(":") ? `[${connect}]` : connect}:${cfg.worker.rpc_server.port}`;
  }
  if (host !== undefined && host !== "") return host;
  return `127.0.0.1:${DEFAULT_WORKER_ADMIN_PORT}`;
}

async function withClient<T>(self: Command, f: (c: RpcClient<typeof workerAdminApi>) => Promise<T>): Promise<T> {
  const addr = await adminAddress(self.optsWithGlobals<GlobalOpts>());
  const client = rpcClient(workerAdminApi, { url: `http://${addr}/`, timeoutMs: ADMIN_TIMEOUT_MS });
  try {
    return await f(client);
  } catch (err) {
    if (err instanceof TransportError && err.kind !== "bad-response")
      throw new Error(`cannot reach the worker daemon at ${addr} (${err.message}); is it running? pass -H host:port or -c <config>`, { cause: err });
    throw err;
  } finally {
    await client.close();
  }
}

export function formatThreadState(s: SealingThreadState): string {
  if (s.state === "Idle") return "Idle";
  const base = `${s.state} ${formatDuration(s.elapsed * 1000)}`;
  return s.state === "Running" && s.proc !== null ? `${base} (${s.proc})` : base;
}

/** One row per thread, columns padded (Damocles prints the same columns through a tab writer). */
export function formatThreadTable(infos: readonly WorkerThreadInfo[]): string {
  const rows = [
    ["#", "location", "plan", "job_id", "job_state", "job_stage", "thread_state", "last_error"],
    ...infos.map((t) => [
      String(t.index),
      t.location,
      t.plan,
      t.job_id ?? "-",
      t.job_state === "" ? "-" : t.job_state,
      t.job_stage ?? "-",
      formatThreadState(t.thread_state),
      t.last_error ?? "-",
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n") + "\n";
}
