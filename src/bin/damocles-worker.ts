#!/usr/bin/env node
// damocles-worker: one per sealing machine. Sealing threads and processors arrive with their issue;
// today it carries the proofs tools (`damocles-worker proofs ...`).
import { Command } from "commander";
import { configCommand } from "../worker/cli/config-check.js";
import { processorCommand } from "../processors/child.js";
import { proofsCommand } from "../worker/cli/proofs.js";
import { runCli } from "./cli-runner.js";

const program = new Command("damocles-worker")
  .description("Damocles sealing worker: pulls whole sectors from damocles-manager and seals them on this machine");
program.addCommand(proofsCommand());
program.addCommand(processorCommand());
program.addCommand(configCommand());

runCli(program);
