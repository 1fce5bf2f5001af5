#!/usr/bin/env node
// Runs node's test runner over every test/**/*.test.ts through tsx.
// Node 20 has no glob support in `--test`, so the files are listed here.
// Extra arguments are test-file filters: `npm test -- poseidon` runs test files whose path contains "poseidon".
// Unit tests run two files at a time; then test/integration runs one file at a time, because those tests start
// a devnet, a manager and workers whose chain deadlines (sub-second blocks) must not compete for the CPU.
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
const isIntegration = (f) => f.startsWith(join("test", "integration"));
const phases = [
  { files: files.filter((f) => !isIntegration(f)), concurrency: process.env.TEST_CONCURRENCY ?? "2" },
  { files: files.filter(isIntegration), concurrency: process.env.TEST_INTEGRATION_CONCURRENCY ?? "1" },
];
let status = 0;
for (const phase of phases) {
  if (phase.files.length === 0) continue;
  const r = spawnSync(
    process.execPath,
    // --test-force-exit: a file whose cleanup leaves a handle open still ends (its daemons are reaped on exit,
    // test/helpers/reap.ts); --test-timeout bounds a hung test instead of letting CI run out its clock.
    ["--import", "tsx", "--test", `--test-concurrency=${phase.concurrency}`, "--test-force-exit",
      `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? 600000}`, ...phase.files],
    { stdio: "inherit" },
  );
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
