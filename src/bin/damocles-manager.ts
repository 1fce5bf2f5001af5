#!/usr/bin/env node
// damocles-manager: the sealing control plane (spec/manager.md §6). `--home` is global, as in Damocles, and
// is also accepted after the subcommand.
import { Command } from "commander";
import { daemonCommand } from "../manager/cli/daemon-cmd.js";
import { utilCommand } from "../manager/cli/util-cmd.js";
import { runCli } from "./cli-runner.js";

const program = new Command("damocles-manager")
  .description("Damocles sealing control plane: sector numbers, deals, tickets and seeds, messages, PoSt")
  .option("--home <dir>", "manager home directory (default ~/.damocles-manager, or $DAMOCLES_PATH)")
  .option("--conf-dir <dir>", "directory of sector-manager.cfg (default: the home, or $DAMOCLES_CONF_DIR)")
  .option("--net <name>", "deprecated, ignored");

program.addCommand(daemonCommand());
program.addCommand(utilCommand());

// `util … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

runCli(program);
