// What every benchmark returns and how its result file is written.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface BenchResult {
  name: string;
  figures: Record<string, number>;
  ratios: Record<string, number>;
  machine: Record<string, string | number>;
  notes?: Record<string, string | number | boolean>;
}

export interface Benchmark {
  run(): Promise<BenchResult>;
}

export const machineInfo = (): Record<string, string | number> => ({
  cpu: os.cpus()[0]?.model ?? "unknown",
  cores: os.cpus().length,
  mem_gib: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  date: new Date().toISOString(),
});

/** Saves bench/results/<name>.json and returns the result. */
export function saveResult(result: Omit<BenchResult, "machine">): BenchResult {
  const full: BenchResult = { ...result, machine: machineInfo() };
  const dir = join(dirname(fileURLToPath(import.meta.url)), "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${result.name}.json`), `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

/** Seconds elapsed while running fn (high-resolution clock). */
export async function timeIt(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
