// sector-manager.cfg loading: a Damocles file loads unchanged; bad values name file, line and key path.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import {
  KeyLines,
  ManagerConfigError,
  didYouMean,
  loadExtProverConfig,
  loadManagerConfig,
  parseManagerConfig,
} from "../../../src/manager/config/load.js";
import { defaultMinerConfig } from "../../../src/manager/config/schema.js";
import { tempDir } from "../../helpers/tmp.js";

const NANO = 10n ** 9n;
const SENDER = "f1abjxfbp274xpdqcpuaykwkfb43omjotacm2p3za";

// After damocles docs/en/04.damocles-manager-config.md ("A minimal working configuration file example"),
// grown to three SPs with overrides and the Damocles-only keys an operator's file carries. Two keys are
// truly unknown (marked); everything else must load without a warning.
const DAMOCLES_CFG = `# Default config:
[Common]
ScanPersistStores = ["/filecoin/*"]
[Common.API]
Gateway = ["/ip4/10.0.0.1/tcp/45132"]
Token = "some-token"
Chain = "/ip4/10.0.0.2/tcp/3453"
Messager = "/ip4/10.0.0.3/tcp/39812"
Market = "/ip4/10.0.0.4/tcp/41235"
ChainEventInterval = "30s"
Nonsense = 1

[Common.Plugins]
Dir = ""

[[Common.PieceStores]]
Path = "/mnt/pieces"
Plugin = ""
[Common.PieceStores.Meta]
SomeKey = "SomeValue"

[[Common.PersistStores]]
Name = "store1"
Path = "/mnt/remote/10.0.0.14/store"
Strict = false
ReadOnly = false
Weight = 0
AllowMiners = [1001, 1002]
DenyMiners = [1003]
PluginName = ""
[Common.PersistStores.Meta]
SomeKey = "SomeValue"

[[Common.PersistStores]]
Path = "/mnt/store2"
Weight = 3

[Common.DB.Badger]
BaseDir = ""

[Common.Proving]
ParallelCheckLimit = 64
SingleCheckTimeout = "5m0s"
PartitionCheckTimeout = "20m0s"
[Common.Proving.WorkerProver]
JobMaxTry = 2
HeartbeatTimeout = "15s"
JobLifetime = "25h0m0s"

[[Miners]]
Actor = 1001
[Miners.Sector]
InitNumber = 1000
Enabled = true
EnableDeals = true
[Miners.SnapUp]
Enabled = true
Sender = "${SENDER}"
MessageConfidential = 20
GasFeeCap = "1 nanoFIL"
MaxFeeCap = ""
[Miners.SnapUp.Retry]
MaxAttempts = 10
[Miners.Commitment]
[Miners.Commitment.Pre]
Senders = ["${SENDER}"]
[Miners.Commitment.Pre.Batch]
Threshold = 8
MaxWait = "2h0m0s"
GasFeeCap = "0.5 nanoFIL"
[Miners.Commitment.Prove]
Senders = ["${SENDER}"]
SendFund = false
[Miners.Commitment.Prove.Batch]
[Miners.Post]
Senders = ["${SENDER}"]
Enabled = true
ChallengeConfidence = 5
[Miners.Proof]
Enabled = true
[Miners.Deal]
Enabled = false

[[Miners]]
Actor = 1002
[Miners.Sector]
MinNumber = 10
MaxNumber = 1000000
LifetimeDay = 180
[Miners.Commitment.Terminate.Batch]
Threshold = 1
[Miners.Sealing]
SealingEpochDuration = 2880
UseSyntheticPoRep = true

[[Miners]]
Actor = 1003
Commitment.Pre.Batch.Threshold = 3
`;

test("a Damocles config with three SPs loads; only the two truly unknown keys warn", () => {
  const { config, warnings } = parseManagerConfig(DAMOCLES_CFG, "sector-manager.cfg");
  assert.equal(warnings.length, 2, warnings.join("\n"));
  assert.match(warnings[0]!, /^sector-manager\.cfg:11: key Common\.API\.Nonsense: unknown key, ignored$/);
  assert.match(warnings[1]!, /^sector-manager\.cfg:\d+: key Miners\[1\]\.Sector\.LifetimeDay: unknown key, ignored \(did you mean LifetimeDays\?\)$/);
  assert.equal(Number(/:(\d+):/.exec(warnings[1]!)![1]), DAMOCLES_CFG.split("\n").indexOf("LifetimeDay = 180") + 1);

  const { Common, Miners } = config;
  assert.deepEqual(Common.API.Gateway, ["/ip4/10.0.0.1/tcp/45132"]);
  assert.equal(Common.API.Chain, "/ip4/10.0.0.2/tcp/3453");
  assert.equal(Common.API.ChainEventInterval, 30_000);
  assert.deepEqual(Common.ScanPersistStores, ["/filecoin/*"]);
  assert.equal(Common.PieceStores[0]!.Name, "/mnt/pieces", "Name defaults to Path");
  assert.deepEqual(Common.PieceStores[0]!.Meta, { SomeKey: "SomeValue" });
  assert.equal(Common.PersistStores[0]!.Weight, 1, "Weight 0 counts as 1");
  assert.deepEqual(Common.PersistStores[0]!.AllowMiners, [1001, 1002]);
  assert.equal(Common.PersistStores[1]!.Name, "/mnt/store2");
  assert.equal(Common.PersistStores[1]!.Weight, 3);
  assert.equal(Common.Proving.ParallelCheckLimit, 64);
  assert.equal(Common.Proving.SingleCheckTimeout, 300_000);
  assert.equal(Common.Proving.WorkerProver.Redundancy, 2, "project keys keep their defaults");
  assert.equal(Common.Auth.Required, true);
  assert.equal(Common.DB.Driver, "sqlite");

  assert.deepEqual(Miners.map((m) => m.Actor), [1001, 1002, 1003]);
  const [a, b, c] = Miners as [(typeof Miners)[0], (typeof Miners)[0], (typeof Miners)[0]];
  assert.equal(a.Sector.InitNumber, 1000);
  assert.equal(a.Sector.EnableDeals, true);
  assert.equal(a.Sector.LifetimeDays, 540);
  assert.deepEqual(a.SnapUp.Senders, [SENDER], "Sender merged into Senders");
  assert.equal(a.SnapUp.MessageConfidence, 20, "old spelling MessageConfidential read");
  assert.equal(a.SnapUp.ReleaseConfidence, 30);
  assert.equal(a.SnapUp.GasFeeCap, 1n * NANO);
  assert.equal(a.SnapUp.MaxFeeCap, undefined);
  assert.equal(a.SnapUp.Retry.MaxAttempts, 10);
  assert.equal(a.Commitment.Pre.Batch.Threshold, 8);
  assert.equal(a.Commitment.Pre.Batch.MaxWait, 2 * 3_600_000);
  assert.equal(a.Commitment.Pre.Batch.GasFeeCap, NANO / 2n);
  assert.equal(a.Commitment.Pre.GasFeeCap, 5n * NANO, "the single-message fee block keeps its default");
  assert.equal(a.Commitment.Prove.SendFund, false);
  assert.equal(a.Commitment.Prove.Batch.Threshold, 4);
  assert.equal(a.PoSt.ChallengeConfidence, 5, "[Miners.Post] matches PoSt, as in Damocles' docs");
  assert.deepEqual(a.PoSt.Senders, [SENDER]);
  assert.equal(a.Proof.Enabled, true);
  assert.equal(b.Sector.MinNumber, 10);
  assert.equal(b.Sector.MaxNumber, 1_000_000);
  assert.equal(b.Sector.LifetimeDays, 540, "the misspelt key is ignored");
  assert.equal(b.Commitment.Terminate.Batch.Threshold, 1);
  assert.equal(b.Commitment.Pre.Batch.Threshold, 2, "each block is decoded on top of the defaults, not of the previous block");
  assert.equal(b.Sealing.SealingEpochDuration, 2880);
  assert.equal(b.Sealing.UseSyntheticPoRep, true);
  assert.deepEqual({ ...c, Commitment: { ...c.Commitment, Pre: { ...c.Commitment.Pre, Batch: { ...c.Commitment.Pre.Batch, Threshold: 2 } } } }, defaultMinerConfig(1003));
  assert.equal(c.Commitment.Pre.Batch.Threshold, 3, "dotted keys");
});

/** Loads `text` expecting an error; checks the key path, the line and a fragment of the message. */
function expectError(text: string, keyPath: string, line: number, fragment: RegExp): void {
  assert.throws(
    () => parseManagerConfig(text, "/etc/sm.cfg"),
    (e: unknown) => {
      assert.ok(e instanceof ManagerConfigError, String(e));
      assert.equal(e.keyPath, keyPath);
      assert.equal(e.line, line, e.message);
      assert.ok(e.message.startsWith(`/etc/sm.cfg:${line}: key ${keyPath}: `), e.message);
      assert.match(e.message, fragment);
      return true;
    },
  );
}

const TWO_MINERS = (extra: string): string => `[[Miners]]\nActor = 1000\n\n[[Miners]]\nActor = 1001\n${extra}`;

test("errors name file, line and key path", () => {
  expectError(
    TWO_MINERS("[Miners.Commitment.Pre.Batch]\nMaxWait = \"5x\"\n"),
    "Miners[1].Commitment.Pre.Batch.MaxWait",
    7,
    /invalid duration "5x": expected a Go duration/,
  );
  expectError(
    TWO_MINERS("[Miners.Commitment.Pre.Batch]\nThreshold = -1\n"),
    "Miners[1].Commitment.Pre.Batch.Threshold",
    7,
    /-1 is out of range: expected an integer ≥ 0/,
  );
  expectError(TWO_MINERS('[Miners.PoSt]\nGasFeeCap = "5 microFIL"\n'), "Miners[1].PoSt.GasFeeCap", 7, /invalid FIL amount "5 microFIL"/);
  expectError(TWO_MINERS('[Miners.PoSt]\nGasFeeCap = "-1 FIL"\n'), "Miners[1].PoSt.GasFeeCap", 7, /must not be negative/);
  expectError(TWO_MINERS('[Miners.Sector]\nEnabled = "yes"\n'), "Miners[1].Sector.Enabled", 7, /expected true or false, got "yes"/);
  expectError(TWO_MINERS("[Miners.Sector]\nLifetimeDays = 1.5\n"), "Miners[1].Sector.LifetimeDays", 7, /expected an integer, got 1.5/);
  expectError(TWO_MINERS("[Miners.PoSt]\nSenders = [\"f1nope\"]\n"), "Miners[1].PoSt.Senders", 7, /item 0: invalid address "f1nope"/);
  expectError(TWO_MINERS("[Miners.Sector]\nMinNumber = 10\nMaxNumber = 5\n"), "Miners[1].Sector.MaxNumber", 8, /below the minimum sector number 10/);
  expectError("[[Miners]]\nActor = 1000\n[[Miners]]\n[Miners.Sector]\nEnabled = true\n", "Miners[1].Actor", 3, /missing: required/);
  expectError("[[Miners]]\nActor = 1000\n\n[[Miners]]\nActor = 1000\n", "Miners[1].Actor", 5, /configured twice \(also Miners\[0\]\)/);
  expectError('[Common.API]\nChain = "/ip4/{api_host}/tcp/{api_port}"\n', "Common.API.Chain", 2, /invalid API endpoint/);
  expectError('[Common.API]\nGateway = "/ip4/127.0.0.1/tcp/1"\n', "Common.API.Gateway", 2, /expected an array of endpoint/);
  expectError('[Common.API]\nChainEventInterval = 60\n', "Common.API.ChainEventInterval", 2, /expected a Go duration string such as "1m0s", got 60/);
  expectError('[Common.DB]\nDriver = "postgres"\n', "Common.DB.Driver", 2, /PostgreSQL support has not landed yet/);
  expectError('[Common.DB]\nDriver = "redis"\n', "Common.DB.Driver", 2, /unknown value "redis": accepted: sqlite, postgres, badger, mongo, plugin/);
  expectError('[Common.Auth]\nTrustedWorkerNetworks = ["10.0.0.0/33"]\n', "Common.Auth.TrustedWorkerNetworks", 2, /invalid network "10.0.0.0\/33"/);
  expectError('[Common.WorkerDefaults]\nseal_interval = "soon"\n', "Common.WorkerDefaults.seal_interval", 2, /invalid duration "soon"/);
  expectError(
    '[Common.WorkerDefaults.ByWorker."w.01"]\nallowed_sizes = ["3GiB"]\n',
    'Common.WorkerDefaults.ByWorker."w.01".allowed_sizes',
    2,
    /invalid sector size "3GiB"/,
  );
  expectError(
    '[[Common.PersistStores]]\nName = "a"\nPath = "/a"\n[[Common.PersistStores]]\nName = "a"\nPath = "/b"\n',
    "Common.PersistStores[1].Name",
    5,
    /duplicate persist store name "a" \(also Common\.PersistStores\[0\]\)/,
  );
  expectError("[[Common.PersistStores]]\nName = \"a\"\n", "Common.PersistStores[0].Path", 1, /missing: required/);
  expectError("[Common]\nProving = 3\n", "Common.Proving", 2, /expected a table/);
  expectError("[Miners]\nActor = 1\n", "Miners", 1, /expected an array of tables/);
});

test("a TOML syntax error names file, line and column", () => {
  assert.throws(
    () => parseManagerConfig("[Common]\nScanPersistStores = [\n", "x.cfg"),
    (e: unknown) => e instanceof ManagerConfigError && /^x\.cfg:\d+:\d+: /.test(e.message),
  );
});

test("Damocles DB settings: KV drivers read as sqlite with a warning; Mongo and Plugin ignored with a warning", () => {
  const { config, warnings } = parseManagerConfig(
    '[Common.DB]\nDriver = "badger"\n[Common.DB.Mongo]\nDSN = "mongodb://x"\n[Common.MongoKVStore]\nEnable = false\n',
    "m.cfg",
  );
  assert.equal(config.Common.DB.Driver, "sqlite");
  assert.deepEqual(
    warnings.map((w) => /^m\.cfg:(\d+): key ([^:]+):/.exec(w)!.slice(1).join(" ")),
    ["2 Common.DB.Driver", "3 Common.DB.Mongo", "5 Common.MongoKVStore"],
  );
});

test("old and new spellings: the old one wins when both are written (Damocles' getters)", () => {
  const { config, warnings } = parseManagerConfig(
    "[[Miners]]\nActor = 1\n[Miners.SnapUp]\nReleaseConfidence = 40\nReleaseCondidential = 50\n",
    "s.cfg",
  );
  assert.deepEqual(warnings, []);
  assert.equal(config.Miners[0]!.SnapUp.ReleaseConfidence, 50);
});

test("KeyLines resolves array-of-tables entries, sub-tables, dotted and quoted keys, case-insensitively", () => {
  const lines = new KeyLines(
    [
      "[[Miners]]", // 1
      "Actor = 1", // 2
      "[[Miners]]", // 3
      "Actor = 2", // 4
      "[Miners.Commitment]", // 5
      "Pre.Batch.Threshold = 3", // 6
      'desc = """', // 7
      "[NotATable]", // 8
      '"""', // 9
      "[Common.WorkerDefaults.ByWorker.\"w.1\"]", // 10
      "max_deals = 2", // 11
    ].join("\n"),
  );
  assert.equal(lines.lineOf(["Miners", 0, "Actor"]), 2);
  assert.equal(lines.lineOf(["Miners", 1, "Actor"]), 4);
  assert.equal(lines.lineOf(["Miners", 1, "commitment", "pre", "batch", "threshold"]), 6);
  assert.equal(lines.lineOf(["Miners", 1, "Commitment", "Prove", "Batch"]), 5, "nearest written table");
  assert.equal(lines.lineOf(["NotATable"]), undefined, "inside a multi-line string");
  assert.equal(lines.lineOf(["Common", "WorkerDefaults", "ByWorker", "w.1", "max_deals"]), 11);
});

test("did-you-mean suggests close keys only", () => {
  assert.equal(didYouMean("Treshold", ["Threshold", "MaxWait"]), "Threshold");
  assert.equal(didYouMean("Something", ["Threshold", "MaxWait"]), undefined);
});

test("loadManagerConfig and loadExtProverConfig read files; a missing file says to run daemon init", async (t) => {
  const dir = await tempDir(t);
  const cfg = join(dir, "sector-manager.cfg");
  await writeFile(cfg, DAMOCLES_CFG);
  const { config } = await loadManagerConfig(cfg);
  assert.equal(config.Miners.length, 3);
  await assert.rejects(loadManagerConfig(join(dir, "nope.cfg")), /nope\.cfg: not found; run `damocles-manager daemon init`/);

  const ext = join(dir, "ext-prover.cfg");
  await writeFile(
    ext,
    '[[WdPost]]\nBin = "/usr/bin/damocles-worker"\nArgs = ["processor", "window_post"]\nConcurrent = 2\n[WdPost.Envs]\nCUDA_VISIBLE_DEVICES = "0"\n\n[[WdPost]]\nWeight = 0\nReadyTimeoutSecs = 0\n[WdPost.Envs]\nCUDA_VISIBLE_DEVICES = "1"\n',
  );
  const { config: procs, warnings } = await loadExtProverConfig(ext);
  assert.deepEqual(warnings, []);
  assert.deepEqual(procs.WinPost, []);
  assert.deepEqual(procs.WdPost[0], {
    Bin: "/usr/bin/damocles-worker",
    Args: ["processor", "window_post"],
    Envs: { CUDA_VISIBLE_DEVICES: "0" },
    Concurrent: 2,
    Weight: 1,
    ReadyTimeoutSecs: 5,
  });
  assert.deepEqual(procs.WdPost[1]!.Envs, { CUDA_VISIBLE_DEVICES: "1" });
  assert.equal(procs.WdPost[1]!.Bin, undefined);
  assert.deepEqual([procs.WdPost[1]!.Weight, procs.WdPost[1]!.ReadyTimeoutSecs], [1, 5], "0 counts as the default, as in Damocles");
});
