#!/usr/bin/env node
// damocles-devnet: a local Filecoin network with the Lotus API (spec/devnet.md): `init`, `token`, `run`,
// `deal add`.
import { Command } from "commander";
import { addInitCommand, addTokenCommand, configureDevnetProgram, PROGRAM_NAME, USAGE_EXIT_CODE } from "../devnet/cli.js";
import { addRunCommand } from "../devnet/daemon.js";
import { addDealCommand } from "../devnet/deal-cli.js";
import { runCli } from "./cli-runner.js";

const program = configureDevnetProgram(
  new Command(PROGRAM_NAME).description("A local Filecoin network speaking the Lotus JSON-RPC API, with an embedded deal market"),
);
addInitCommand(program);
addTokenCommand(program);
addRunCommand(program);
addDealCommand(program);

runCli(program, process.argv, { errorPrefix: PROGRAM_NAME, usageExitCode: USAGE_EXIT_CODE, showHelpAfterError: false });
