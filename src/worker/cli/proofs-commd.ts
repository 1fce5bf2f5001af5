// `damocles-worker proofs commd --sector-size <size> --piece <cid>:<padded size> ...`: the sector's CommD
// from its deal pieces in sector order (spec/filecoin.md §5.3), printed as {"comm_d": "<CID>"}.
import { Command } from "commander";
import { commDToCid, parsePieceCid } from "../../filecoin/cid.js";
import { parseSectorSize } from "../../filecoin/sizes.js";
import { commDFromPieces, type PieceInfo } from "../../proofs/commd.js";

const UNITS: Record<string, number> = { "": 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

function parsePieceSize(text: string, arg: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const size = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(size) || size <= 0)
    throw new Error(`--piece ${arg}: padded size "${text}" is not a byte count (e.g. 2048 or 2KiB)`);
  return size;
}

/** `<cid>:<padded size>`; a PieceCID v2 carries its size, so `<cid>` alone is enough for it. */
export function parsePieceArg(arg: string): PieceInfo {
  const colon = arg.lastIndexOf(":");
  const cidText = colon < 0 ? arg : arg.slice(0, colon);
  let piece;
  try {
    piece = parsePieceCid(cidText);
  } catch (err) {
    throw new Error(`--piece ${arg}: ${(err as Error).message}`, { cause: err });
  }
  const given = colon < 0 ? undefined : parsePieceSize(arg.slice(colon + 1), arg);
  if (given === undefined && piece.paddedSize === undefined)
    throw new Error(`--piece ${arg}: give the padded size as <cid>:<padded size> (a PieceCID v1 carries no size)`);
  if (given !== undefined && piece.paddedSize !== undefined && given !== piece.paddedSize)
    throw new Error(`--piece ${arg}: padded size ${given} differs from the ${piece.paddedSize} the PieceCID v2 carries`);
  return { size: given ?? piece.paddedSize!, commP: piece.root, label: `--piece ${arg}` };
}

export function commdCommand(): Command {
  return new Command("commd")
    .description("CommD of a sector from its pieces in sector order: prints {\"comm_d\": \"<CID>\"}; no pieces = empty (CC) sector")
    .requiredOption("--sector-size <size>", "sector size: 2KiB, 8MiB, 512MiB, 32GiB, 64GiB (or bytes)")
    .option("--piece <cid:size>", "a piece as <piece CID>:<padded size>, repeatable, in sector order", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action((opts: { sectorSize: string; piece: string[] }) => {
      const sectorSize = parseSectorSize(opts.sectorSize);
      const commD = commDFromPieces(sectorSize, opts.piece.map(parsePieceArg));
      process.stdout.write(`${JSON.stringify({ comm_d: commDToCid(commD).toString() })}\n`);
    });
}
