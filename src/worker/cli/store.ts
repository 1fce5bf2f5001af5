// `damocles-worker store sealing-init -l <dir>...` and `store file-init -l <dir>...` (spec/worker.md §1, §10, §11.1).
// sealing-init lays out a sealing store (`.holder`, `data/`, `meta/`); file-init creates a persist-store directory
// and, when it has none, a `sectorstore.json` naming it, so the manager's ScanPersistStores and the worker's
// scan_persist_stores find it under the same name. Both leave an existing store as it is, so re-running is harmless.
import { Command } from "commander";
import { mkdir, realpath, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SECTORSTORE_JSON } from "../config/scan-persist-stores.js";
import { initSealingStore } from "../sealing-store.js";

export function storeCommand(): Command {
  const cmd = new Command("store").description("initialise sealing stores and persist stores");
  cmd.addCommand(
    new Command("sealing-init")
      .description("create sealing stores: the directory, data/, meta/ and .holder (an existing store is kept)")
      .requiredOption("-l, --loc <dir...>", "store locations")
      .action(async (opts: { loc: string[] }) => {
        for (const loc of opts.loc) {
          await mkdir(loc, { recursive: true }); // §1: mkdir -p, unlike a thread's auto-init
          await initSealingStore(loc);
          process.stdout.write(`sealing store initialized: ${await realpath(loc)}\n`);
        }
      }),
  );
  cmd.addCommand(
    new Command("file-init")
      .description("create persist-store directories, each with a sectorstore.json unless it has one")
      .requiredOption("-l, --loc <dir...>", "store locations")
      .option("-n, --name <name>", "store name written to sectorstore.json (one location only; default: its canonical path)")
      .option("--readonly", "mark the store read-only in sectorstore.json")
      .action(async (opts: { loc: string[]; name?: string; readonly?: boolean }) => {
        if (opts.name !== undefined && opts.loc.length > 1)
          throw new Error(`--name "${opts.name}" given for ${opts.loc.length} locations; store names must be unique, so init them one at a time`);
        for (const loc of opts.loc) {
          const r = await initFileStore(loc, { name: opts.name, readonly: opts.readonly === true });
          process.stdout.write(`persist store ${r.created ? "initialized" : "kept (sectorstore.json exists)"}: ${r.path} (${SECTORSTORE_JSON} in place)\n`);
        }
      }),
  );
  return cmd;
}

/** sectorstore.json as the manager's `util storage gen-sectorstore-json` writes it (spec/manager.md §2). */
export interface SectorStoreJson {
  ID: string;
  Name: string;
  Strict: boolean;
  ReadOnly: boolean;
  Weight: number;
  AllowMiners: number[] | null;
  DenyMiners: number[] | null;
  PluginName: string;
  Meta: Record<string, string> | null;
}

/** `mkdir -p` the persist store; writes its sectorstore.json unless one exists (which is never rewritten). */
export async function initFileStore(dir: string, opts: { name?: string | undefined; readonly?: boolean } = {}): Promise<{ path: string; created: boolean }> {
  await mkdir(dir, { recursive: true });
  const path = await realpath(dir);
  const name = opts.name ?? path;
  const json: SectorStoreJson = { ID: name, Name: name, Strict: false, ReadOnly: opts.readonly === true, Weight: 1, AllowMiners: null, DenyMiners: null, PluginName: "", Meta: null };
  try {
    await writeFile(join(path, SECTORSTORE_JSON), `${JSON.stringify(json, null, 2)}\n`, { flag: "wx" });
    return { path, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return { path, created: false };
    throw new Error(`${join(path, SECTORSTORE_JSON)}: ${(err as Error).message}`, { cause: err });
  }
}
