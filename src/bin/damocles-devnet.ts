#!/usr/bin/env node
// damocles-devnet: a local Filecoin network with the Lotus API. Its commands arrive with its issue; today it prints help.
import { Command } from "commander";
import { runCli } from "./cli-runner.js";

const program = new Command("damocles-devnet")
  .description("A local Filecoin network speaking the Lotus JSON-RPC API, with an embedded deal market");

runCli(program);
