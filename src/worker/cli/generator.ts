// `damocles-worker generator tree-d -s <size> -p <dir>` (spec/worker.md §1, §12): writes the all-zero
// `sc-02-data-tree-d.dat` that `[processors.static_tree_d]` points CC sectors at, and prints its CommD.
import { Command } from "commander";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { formatSectorSize, parseSectorSize } from "../../filecoin/sizes.js";
import { TREE_D_FILE, writeStaticTreeD } from "../../proofs/tree-d.js";

export function generatorCommand(): Command {
  const cmd = new Command("generator").description("generate static files");
  cmd.addCommand(
    new Command("tree-d")
      .description(`write the all-zero ${TREE_D_FILE} of a sector size for [processors.static_tree_d] (needs RAM and disk ≈ 2 × sector size)`)
      .requiredOption("-s, --size <size>", 'sector size: "2KiB", "8MiB", "512MiB", "32GiB" or "64GiB"')
      .requiredOption("-p, --path <dir>", "output directory (created if missing)")
      .action(async (opts: { size: string; path: string }) => {
        const size = parseSectorSize(opts.size);
        const dir = resolve(opts.path);
        await mkdir(dir, { recursive: true });
        const commD = await writeStaticTreeD(size, dir);
        const file = join(dir, TREE_D_FILE);
        process.stdout.write(`${file}\ncomm_d ${Buffer.from(commD).toString("hex")}\n`);
        process.stdout.write(`[processors.static_tree_d]\n"${formatSectorSize(size)}" = ${JSON.stringify(file)}\n`);
      }),
  );
  return cmd;
}
