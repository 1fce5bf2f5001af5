// The defaults of every key match the tables of spec/manager.md §2.1, §3 and §4.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EXT_PROVER_SCHEMA,
  configKeyTable,
  defaultExtProcessorConfig,
  defaultManagerConfig,
  defaultMinerConfig,
  effectiveGasFeeCap,
  formatFilAmount,
  parseFilAmount,
  workerSealingDefaults,
} from "../../../src/manager/config/schema.js";
import { parseManagerConfig } from "../../../src/manager/config/load.js";

const MIN = 60_000;
const NANO = 10n ** 9n;

const at = (obj: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);

// [key path, default] from manager.md §2.1 (durations in ms, FIL in attoFIL, unset = undefined).
const COMMON_DEFAULTS: [string, unknown][] = [
  ["API.Gateway", []],
  ["API.Token", ""],
  ["API.Chain", undefined],
  ["API.Messager", undefined],
  ["API.Market", undefined],
  ["API.ChainEventInterval", 1 * MIN],
  ["Plugins.Dir", ""],
  ["PieceStores", []],
  ["PersistStores", []],
  ["ScanPersistStores", []],
  ["DB.Driver", "sqlite"],
  ["DB.SQLite.Path", undefined],
  ["DB.Postgres.DSN", undefined],
  ["DB.Badger.BaseDir", ""],
  ["Proving.ParallelCheckLimit", 128],
  ["Proving.SingleCheckTimeout", 10 * MIN],
  ["Proving.PartitionCheckTimeout", 20 * MIN],
  ["Proving.WorkerProver.JobMaxTry", 2],
  ["Proving.WorkerProver.HeartbeatTimeout", 15_000],
  ["Proving.WorkerProver.JobLifetime", 25 * 60 * MIN],
  ["Proving.WorkerProver.Redundancy", 2],
  ["Proving.WorkerProver.ClaimTimeout", 2 * MIN],
  ["Auth.Required", true],
  ["Auth.SecretFile", undefined],
  ["Auth.TrustedWorkerNetworks", []],
  ["WorkerDefaults.ByWorker", {}],
  ["WorkerDefaults.seal_interval", undefined],
  ["WorkerDefaults.allowed_miners", undefined],
];

const FEE = (prefix: string): [string, unknown][] => [
  [`${prefix}.GasOverEstimation`, 1.2],
  [`${prefix}.GasOverPremium`, 0],
  [`${prefix}.GasFeeCap`, 5n * NANO],
  [`${prefix}.MaxFeeCap`, undefined],
];
const POLICY = (prefix: string, threshold: number): [string, unknown][] => [
  [`${prefix}.Senders`, []],
  [`${prefix}.Sender`, undefined],
  [`${prefix}.SendFund`, true],
  ...FEE(prefix),
  [`${prefix}.Batch.Threshold`, threshold],
  [`${prefix}.Batch.MaxWait`, 60 * MIN],
  [`${prefix}.Batch.CheckInterval`, 1 * MIN],
  [`${prefix}.Batch.BaseFeeThreshold`, undefined],
  ...FEE(`${prefix}.Batch`),
];

// manager.md §3.
const MINER_DEFAULTS: [string, unknown][] = [
  ["Sector.InitNumber", 0],
  ["Sector.MinNumber", undefined],
  ["Sector.MaxNumber", undefined],
  ["Sector.Enabled", true],
  ["Sector.EnableDeals", false],
  ["Sector.LifetimeDays", 540],
  ["Sector.Verbose", false],
  ["SnapUp.Enabled", false],
  ["SnapUp.Senders", []],
  ...FEE("SnapUp"),
  ["SnapUp.SendFund", true],
  ["SnapUp.CleanupCCData", true],
  ["SnapUp.MessageConfidence", 15],
  ["SnapUp.ReleaseConfidence", 30],
  ["SnapUp.Retry.MaxAttempts", undefined],
  ["SnapUp.Retry.PollInterval", 3 * MIN],
  ["SnapUp.Retry.APIFailureWait", 3 * MIN],
  ["SnapUp.Retry.LocalFailureWait", 3 * MIN],
  ["Commitment.Confidence", 10],
  ...POLICY("Commitment.Pre", 2),
  ...POLICY("Commitment.Prove", 4),
  ...POLICY("Commitment.Terminate", 2),
  ["PoSt.Enabled", true],
  ["PoSt.Senders", []],
  ...FEE("PoSt"),
  ["PoSt.StrictCheck", true],
  ["PoSt.Parallel", false],
  ["PoSt.Confidence", 10],
  ["PoSt.SubmitConfidence", 0],
  ["PoSt.ChallengeConfidence", 0],
  ["PoSt.MaxRecoverSectorLimit", 0],
  ["PoSt.MaxPartitionsPerPoStMessage", 0],
  ["PoSt.MaxPartitionsPerRecoveryMessage", 0],
  ["Proof.Enabled", false],
  ["Sealing.SealingEpochDuration", 0],
  ["Sealing.UseSyntheticPoRep", false],
  ["Sealing.RequireActivationSuccess", false],
  ["Sealing.RequireNotificationSuccess", false],
  ["Sealing.RequireActivationSuccessUpdate", false],
  ["Sealing.RequireNotificationSuccessUpdate", false],
  ["Sealing.SealingSectorDeadlineDelayNi", 6],
];

test("[Common] defaults match manager.md §2.1", () => {
  const common = defaultManagerConfig().Common;
  for (const [path, want] of COMMON_DEFAULTS) assert.deepEqual(at(common, path), want, `Common.${path}`);
  assert.deepEqual(defaultManagerConfig().Miners, []);
});

test("[[Miners]] defaults match manager.md §3, for a block with only Actor written", () => {
  const { config, warnings } = parseManagerConfig("[[Miners]]\nActor = 1000\n\n[[Miners]]\nActor = 1001\n", "t.cfg");
  assert.deepEqual(warnings, []);
  assert.equal(config.Miners.length, 2);
  for (const [i, m] of config.Miners.entries()) {
    assert.equal(m.Actor, 1000 + i);
    for (const [path, want] of MINER_DEFAULTS) assert.deepEqual(at(m, path), want, `Miners[${i}].${path}`);
  }
  assert.deepEqual(config.Miners[0], defaultMinerConfig(1000));
});

test("defaults are fresh objects: changing one config leaves the next untouched", () => {
  const a = defaultMinerConfig(1);
  a.Commitment.Pre.Senders.push("f01000");
  a.Commitment.Pre.Batch.Threshold = 9;
  const b = defaultMinerConfig(1);
  assert.deepEqual(b.Commitment.Pre.Senders, []);
  assert.equal(b.Commitment.Pre.Batch.Threshold, 2);
});

test("ext-prover.cfg entry defaults match manager.md §4", () => {
  assert.deepEqual(defaultExtProcessorConfig(), { Bin: undefined, Args: [], Envs: {}, Concurrent: 1, Weight: 1, ReadyTimeoutSecs: 5 });
});

test("FIL amounts as Damocles reads and prints them", () => {
  const cases: [string, bigint][] = [
    ["5 nanoFIL", 5n * NANO],
    ["5nanofil", 5n * NANO],
    ["5 nfil", 5n * NANO],
    ["0.1 FIL", 10n ** 17n],
    ["0.1", 10n ** 17n],
    ["1 fil", 10n ** 18n],
    ["1000 attoFIL", 1000n],
    ["7 aFIL", 7n],
    ["1.5 nanoFIL", 1_500_000_000n],
    ["0", 0n],
  ];
  for (const [text, atto] of cases) assert.equal(parseFilAmount(text), atto, text);
  for (const bad of ["5 microFIL", "abc", "0.5 attoFIL", "", "1e3 FIL"]) assert.throws(() => parseFilAmount(bad), RangeError, bad);
  assert.equal(formatFilAmount(5n * NANO), "5 nanoFIL");
  assert.equal(formatFilAmount(15n * 10n ** 17n), "1.5 FIL");
  assert.equal(formatFilAmount(7n), "7 attoFIL");
  assert.equal(formatFilAmount(0n), "0");
  for (const v of [5n * NANO, 15n * 10n ** 17n, 7n, 123_456_789_012n]) assert.equal(parseFilAmount(formatFilAmount(v)), v);
});

test("effectiveGasFeeCap: GasFeeCap, or the deprecated MaxFeeCap when GasFeeCap is empty", () => {
  const fee = defaultMinerConfig(1).PoSt;
  assert.equal(effectiveGasFeeCap(fee), 5n * NANO);
  assert.equal(effectiveGasFeeCap({ ...fee, GasFeeCap: undefined, MaxFeeCap: 7n }), 7n);
  assert.equal(effectiveGasFeeCap({ ...fee, GasFeeCap: 0n, MaxFeeCap: 7n }), 7n);
  assert.equal(effectiveGasFeeCap({ ...fee, GasFeeCap: 3n, MaxFeeCap: 7n }), 3n);
});

test("workerSealingDefaults overlays the worker's own table on the base, only keys that are set", () => {
  const { config } = parseManagerConfig(
    [
      "[Common.WorkerDefaults]",
      'seal_interval = "30s"',
      "enable_deals = true",
      '[Common.WorkerDefaults.ByWorker."w-01"]',
      "enable_deals = false",
      "max_deals = 3",
    ].join("\n"),
    "t.cfg",
  );
  assert.deepEqual(workerSealingDefaults(config.Common, "w-01"), { seal_interval: "30s", enable_deals: false, max_deals: 3 });
  assert.deepEqual(workerSealingDefaults(config.Common, "other"), { seal_interval: "30s", enable_deals: true });
  assert.equal(workerSealingDefaults(defaultManagerConfig().Common, "w"), null);
});

test("the config types are inferred from the schema, precisely (checked by tsc)", () => {
  const m = defaultMinerConfig(1);
  const threshold: number = m.Commitment.Pre.Batch.Threshold;
  const cap: bigint | undefined = m.PoSt.GasFeeCap;
  const min: number | undefined = m.Sector.MinNumber;
  // @ts-expect-error an unknown key is not part of the type
  void m.Commitment.Pre.Batch.Nope;
  // @ts-expect-error ignored Damocles sections (Miners.Deal) are not part of the type
  void m.Deal;
  assert.deepEqual([threshold, cap, min], [2, 5n * NANO, undefined]);
});

test("configKeyTable lists every key with type, default and meaning, for the docs", () => {
  const rows = configKeyTable();
  const row = (key: string) => rows.find((r) => r.key === key);
  assert.deepEqual(row("Miners[].Commitment.Pre.Batch.Threshold"), {
    key: "Miners[].Commitment.Pre.Batch.Threshold",
    type: "non-negative integer",
    default: "2",
    required: false,
    doc: "queue length that sends a batch at once (0 and 1: every sector alone)",
  });
  assert.equal(row("Common.Proving.WorkerProver.JobLifetime")!.default, '"25h0m0s"');
  assert.equal(row("Miners[].PoSt.GasFeeCap")!.default, '"5 nanoFIL"');
  assert.equal(row("Common.API.Chain")!.default, undefined);
  assert.equal(row("Miners[].Actor")!.required, true);
  assert.ok(row('Common.WorkerDefaults.ByWorker."<name>".seal_interval'));
  assert.equal(row("Common.DB.Mongo"), undefined, "ignored Damocles keys are not advertised");
  assert.deepEqual(
    configKeyTable(EXT_PROVER_SCHEMA).map((r) => r.key),
    ["WdPost[].Bin", "WdPost[].Args", "WdPost[].Envs", "WdPost[].Concurrent", "WdPost[].Weight", "WdPost[].ReadyTimeoutSecs",
      "WinPost[].Bin", "WinPost[].Args", "WinPost[].Envs", "WinPost[].Concurrent", "WinPost[].Weight", "WinPost[].ReadyTimeoutSecs"],
  );
});
