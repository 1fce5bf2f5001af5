#!/usr/bin/env node
// damocles-worker: one per sealing machine (spec/worker.md §1): the daemon with its sealing threads, the operator
// commands that talk to it, store and static-file set-up, the `processor <stage>` child, and the proofs tools.
import { Command } from "commander";
import { configCommand } from "../worker/cli/config-check.js";
import { daemonCommand } from "../worker/cli/daemon.js";
import { generatorCommand } from "../worker/cli/generator.js";
import { storeCommand } from "../worker/cli/store.js";
import { workerCommand } from "../worker/cli/worker.js";
import { processorCommand } from "../processors/child.js";
import { proofsCommand } from "../worker/cli/proofs.js";
import { runCli } from "./cli-runner.js";

const program = new Command("damocles-worker")
  .description("Damocles sealing worker: pulls whole sectors from damocles-manager and seals them on this machine");
program.addCommand(daemonCommand());
program.addCommand(workerCommand());
program.addCommand(storeCommand());
program.addCommand(generatorCommand());
program.addCommand(proofsCommand());
program.addCommand(processorCommand());
program.addCommand(configCommand());

runCli(program);
