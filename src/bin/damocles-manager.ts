#!/usr/bin/env node
// damocles-manager: the sealing control plane. Its commands arrive with its issue; today it prints help.
import { Command } from "commander";
import { runCli } from "./cli-runner.js";

const program = new Command("damocles-manager")
  .description("Damocles sealing control plane: sector numbers, deals, tickets and seeds, messages, PoSt")
  .option("--home <dir>", "manager home directory (default ~/.damocles-manager, or $DAMOCLES_PATH)");

runCli(program);
