// `damocles-worker proofs ...`: the proofs tools an operator (and the test suite) runs by hand.
// Each subcommand lives in its own file and registers itself here.
import { Command } from "commander";
import { commdCommand } from "./proofs-commd.js";
import { commpCommand } from "./proofs-commp.js";
import { sealCommand } from "./proofs-seal.js";

export function proofsCommand(): Command {
  const cmd = new Command("proofs").description(
    "Filecoin proofs tools: piece and data commitments, a full built-in seal with devnet proofs",
  );
  cmd.addCommand(commpCommand());
  cmd.addCommand(commdCommand());
  cmd.addCommand(sealCommand());
  return cmd;
}
