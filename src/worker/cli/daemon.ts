// `damocles-worker daemon -c <file>` (env DAMOCLES_WORKER_CONFIG; spec/worker.md §1): the long-running worker.
import { Command } from "commander";
import { runWorkerDaemon } from "../daemon.js";

export function daemonCommand(): Command {
  return new Command("daemon")
    .description("run the sealing worker: sealing threads, processors, admin RPC, pings and metrics")
    .option("-c, --config <file>", "worker config file (env DAMOCLES_WORKER_CONFIG)")
    .action(async (opts: { config?: string }) => {
      const file = opts.config ?? process.env["DAMOCLES_WORKER_CONFIG"];
      if (file === undefined || file === "") throw new Error("no config file: pass -c/--config <file> or set DAMOCLES_WORKER_CONFIG");
      // Exit explicitly: a child's pipe or a lingering socket must not keep a stopped daemon alive.
      process.exit(await runWorkerDaemon(file));
    });
}
