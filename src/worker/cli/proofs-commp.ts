// `damocles-worker proofs commp <file>`: the piece commitment of a payload file, streamed (files larger
// than memory work), printed as one JSON object {piece_cid, piece_size, payload_size}.
import { Command } from "commander";
import { commDToCid } from "../../filecoin/cid.js";
import { commPFromFile } from "../../proofs/commp.js";

export function commpCommand(): Command {
  return new Command("commp")
    .description("piece CID (CommP) of a payload file: prints {\"piece_cid\", \"piece_size\" (padded), \"payload_size\"}")
    .argument("<file>", "payload file (raw, unpadded bytes)")
    .action(async (file: string) => {
      const r = await commPFromFile(file);
      const out = { piece_cid: commDToCid(r.commP).toString(), piece_size: r.pieceSize, payload_size: r.payloadSize };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    });
}
