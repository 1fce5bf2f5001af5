// `npm run bench [-- <name>...]`: runs bench/<name>.bench.ts files (all, or the named ones). Each
// benchmark measures its own baseline in the same run and saves bench/results/<name>.json with
// {name, figures, ratios, machine}; this runner prints a one-line summary of each.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Benchmark } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .sort();
const wanted = process.argv.slice(2);
for (const w of wanted)
  if (!available.includes(w)) {
    console.error(`unknown benchmark "${w}"; available: ${available.join(", ")}`);
    process.exit(1);
  }
for (const name of wanted.length ? wanted : available) {
  const mod = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as { default: Benchmark };
  const result = await mod.default.run();
  console.log(`${name}: figures ${JSON.stringify(result.figures)} ratios ${JSON.stringify(result.ratios)}`);
}
