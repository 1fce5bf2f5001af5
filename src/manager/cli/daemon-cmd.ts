// `daemon init` and `daemon run` (spec/manager.md §5.1, §6). `run` owns the process signals: SIGUSR1
// reloads the configuration, SIGINT/SIGTERM stop gracefully (exit 0), a second one exits at once.
import { Command } from "commander";
import { initManagerHome } from "../home.js";
import { DEFAULT_LISTEN, runManagerDaemon } from "../daemon.js";
import { createLogger } from "../logger.js";
import { homeOf, printJson } from "./context.js";

export function daemonCommand(): Command {
  const daemon = new Command("daemon").description("initialise or run the manager daemon");

  daemon
    .command("init")
    .description("write sector-manager.cfg, ext-prover.cfg, auth.secret and an admin token in the home")
    .action(async (_o: object, cmd: Command) => {
      const home = homeOf(cmd);
      const r = await initManagerHome(home);
      printJson({ home: home.home, written: r.written });
    });

  daemon
    .command("run")
    .description("run the daemon")
    .option("--listen <addr>", "HTTP listen address (RPC, metrics, healthcheck, piece store)", DEFAULT_LISTEN)
    .option("--poster", "enable the WindowPoSt module")
    .option("--miner", "enable WinningPoSt")
    .option("--worker-prover", "serve WindowPoSt jobs to wdpost workers")
    .action(async (o: { listen: string; poster?: boolean; miner?: boolean; workerProver?: boolean }, cmd: Command) => {
      const log = createLogger({ module: "daemon" });
      const d = await runManagerDaemon({ home: homeOf(cmd), listen: o.listen, poster: o.poster, miner: o.miner, workerProver: o.workerProver, logger: log });
      process.on("SIGUSR1", () => {
        log.info({}, "SIGUSR1: reloading the configuration");
        d.reload().catch(() => {}); // logged by reload
      });
      await new Promise<void>((resolve) => {
        let signalled = false;
        const onStop = (sig: NodeJS.Signals): void => {
          if (signalled) {
            log.warn({ signal: sig }, "second signal: exiting now");
            process.exit(1);
          }
          signalled = true;
          log.info({ signal: sig }, "stopping on signal");
          d.stop().then(resolve, (e: unknown) => {
            log.error({ err: e }, "stop failed");
            resolve();
          });
        };
        process.on("SIGINT", onStop);
        process.on("SIGTERM", onStop);
      });
      process.exit(0);
    });
  return daemon;
}
