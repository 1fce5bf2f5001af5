// The files `daemon init` writes: every key present at its default, commented out; uncommenting every
// setting line gives back the defaults.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseExtProverConfig, parseManagerConfig } from "../../../src/manager/config/load.js";
import {
  CONFIG_SCHEMA,
  EXT_PROVER_SCHEMA,
  defaultExtProcessorConfig,
  defaultManagerConfig,
  defaultMinerConfig,
  type SchemaNode,
} from "../../../src/manager/config/schema.js";
import { renderDefaultConfig, renderDefaultExtProverConfig } from "../../../src/manager/config/template.js";

/** Removes the comment mark of setting lines (`#Key = …`, `#[…]`), leaving `# explanations` alone. */
const uncomment = (text: string): string => text.replace(/^#(?=[^\s#])/gm, "");

/** Every leaf key name under a node, with its table path, for "every key is present". */
function leafKeys(node: SchemaNode, path: string[]): [string[], string][] {
  switch (node.node) {
    case "leaf":
      return [[path.slice(0, -1), path.at(-1)!]];
    case "table":
      return Object.entries(node.fields).flatMap(([k, child]) => leafKeys(child, [...path, k]));
    case "list":
      return leafKeys(node.item, path);
    case "map":
      return leafKeys(node.value, [...path, "<name>"]);
    default:
      return [];
  }
}

test("the default sector-manager.cfg loads as it is: the defaults, no miners, no warnings", () => {
  const { config, warnings } = parseManagerConfig(renderDefaultConfig(), "sector-manager.cfg");
  assert.deepEqual(warnings, []);
  assert.deepEqual(config, defaultManagerConfig());
});

test("uncommenting every setting line gives the defaults (and one example [[Miners]] block at its defaults)", () => {
  const text = uncomment(renderDefaultConfig());
  assert.match(text, /^\[\[Miners\]\]$/m);
  assert.match(text, /^Threshold = 4$/m);
  const { config, warnings } = parseManagerConfig(text, "sector-manager.cfg");
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.Common, defaultManagerConfig().Common);
  assert.equal(config.Miners.length, 1);
  assert.deepEqual(config.Miners[0], defaultMinerConfig(config.Miners[0]!.Actor));
});

test("every key of the schema appears in the template (as a setting or as a documented example)", () => {
  const text = renderDefaultConfig();
  for (const [table, key] of leafKeys(CONFIG_SCHEMA, [])) {
    if (table.includes("<name>")) continue; // per-worker tables repeat the WorkerDefaults keys
    assert.match(text, new RegExp(`^# ?${key} = `, "m"), `${[...table, key].join(".")} missing from the template`);
  }
  // Damocles' layout: [Common] table headers written, array-of-tables and [[Miners]] commented.
  for (const h of ["[Common]", "[Common.API]", "[Common.Proving.WorkerProver]", "[Common.Auth]", "[Common.WorkerDefaults]"])
    assert.ok(text.split("\n").includes(h), h);
  for (const h of ["#[[Miners]]", "#[Miners.Commitment.Pre.Batch]", "# [[Common.PersistStores]]"]) assert.ok(text.split("\n").includes(h), h);
  assert.ok(text.split("\n").includes('#GasFeeCap = "5 nanoFIL"'));
  assert.ok(text.split("\n").includes('#JobLifetime = "25h0m0s"'));
});

test("ext-prover.cfg: all commented; uncommented it has one entry per list at the entry defaults", () => {
  const text = renderDefaultExtProverConfig();
  assert.deepEqual(parseExtProverConfig(text, "ext-prover.cfg"), { config: { WdPost: [], WinPost: [] }, warnings: [] });
  const { config, warnings } = parseExtProverConfig(uncomment(text), "ext-prover.cfg");
  assert.deepEqual(warnings, []);
  assert.deepEqual(config, { WdPost: [defaultExtProcessorConfig()], WinPost: [defaultExtProcessorConfig()] });
  for (const [, key] of leafKeys(EXT_PROVER_SCHEMA, [])) assert.match(text, new RegExp(`^# ?${key} = `, "m"), key);
});
