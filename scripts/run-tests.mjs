#!/usr/bin/env node
// Runs node's test runner over every test/**/*.test.ts through tsx.
// Node 20 has no glob support in `--test`, so the files are listed here.
// Extra arguments are test-file filters: `npm test -- poseidon` runs test files whose path contains "poseidon".
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".test.ts") ? [join(dir, e.name)] : [],
  );
const filters = process.argv.slice(2);
const files = walk("test")
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? "2";
const r = spawnSync(
  process.execPath,
  // --test-force-exit: a file whose cleanup leaves a handle open still ends (its daemons are reaped on exit,
  // test/helpers/reap.ts); --test-timeout bounds a hung test instead of letting CI run out its clock.
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-force-exit", `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? 600000}`, ...files],
  { stdio: "inherit" },
);
process.exit(r.status ?? 1);
