import { test } from "node:test";
import assert from "node:assert/strict";
import { stat, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { formatGoDuration as formatDuration, parseGoDuration as parseDuration } from "../../src/api/go-duration.js";
import { DEVNET_POLICY, MAINNET_POLICY } from "../../src/filecoin/policy.js";
import {
  buildProfile,
  ConfigError,
  endpointsOf,
  findKeyLine,
  formatConfig,
  homePaths,
  HomeInUseError,
  openChainDb,
  parseBlockTime,
  parseConfig,
  parseListen,
  parseSetFlag,
  profileDefaults,
  profileInvariantErrors,
  readConfig,
  readJwtSecret,
  readRunPid,
  resolveHome,
  writeNewConfig,
  writeRunPid,
  writeSecretFile,
  type DevnetConfig,
} from "../../src/devnet/home.js";
import { GENESIS_MIGRATION } from "../../src/devnet/genesis.js";
import { hex } from "../helpers/vectors.js";
import { tempDir } from "../helpers/tmp.js";

test("home: --home, else $DAMOCLES_DEVNET_PATH, else ~/.damocles-devnet", () => {
  assert.equal(resolveHome("/x/y", { DAMOCLES_DEVNET_PATH: "/env" }), "/x/y");
  assert.equal(resolveHome(undefined, { DAMOCLES_DEVNET_PATH: "/env/h" }), "/env/h");
  assert.equal(resolveHome(undefined, {}), join(os.homedir(), ".damocles-devnet"));
  assert.equal(resolveHome("~/d", {}), join(os.homedir(), "d"));
  assert.equal(resolveHome("rel", {}), join(process.cwd(), "rel"));
  assert.deepEqual(homePaths("/h"), {
    home: "/h",
    config: "/h/config.toml",
    chainDb: "/h/chain.db",
    jwtSecret: "/h/jwt.secret",
    token: "/h/token",
    pieces: "/h/pieces",
    runPid: "/h/run.pid",
    runJson: "/h/run.json",
  });
});

test("Go durations (the shared src/api parser the devnet uses) parse and print as Go does; block time is 100ms … 60s", () => {
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("1s"), 1000);
  assert.equal(parseDuration("2m0s"), 120_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("1500us"), 1.5);
  assert.throws(() => parseDuration("1"), /Go duration/);
  assert.throws(() => parseDuration("1sec"), /Go duration/);
  assert.throws(() => parseDuration(""), /Go duration/);
  for (const [ms, s] of [[500, "500ms"], [1000, "1s"], [1500, "1.5s"], [120_000, "2m0s"], [61_000, "1m1s"], [3_600_000, "1h0m0s"], [0, "0s"]] as const)
    assert.equal(formatDuration(ms), s);
  assert.equal(parseBlockTime("100ms"), 100);
  assert.equal(parseBlockTime("1m0s"), 60_000);
  assert.throws(() => parseBlockTime("99ms"), /outside 100ms … 1m0s/);
  assert.throws(() => parseBlockTime("61s"), /outside/);
  assert.throws(() => parseBlockTime("100.5ms"), /whole number of milliseconds/);
});

test("listen addresses: host:port, [v6]:port; endpoints as a manager takes them", () => {
  assert.deepEqual(parseListen("127.0.0.1:1234"), { host: "127.0.0.1", port: 1234 });
  assert.deepEqual(parseListen("[::1]:0"), { host: "::1", port: 0 });
  assert.deepEqual(parseListen("localhost:80"), { host: "localhost", port: 80 });
  assert.throws(() => parseListen("127.0.0.1"), /expected host:port/);
  assert.throws(() => parseListen("127.0.0.1:65536"), /expected host:port/);
  assert.throws(() => parseListen("::1:80"), /expected host:port/);
  assert.deepEqual(endpointsOf({ host: "127.0.0.1", port: 1234 }), {
    rpcUrl: "http://127.0.0.1:1234/rpc/v1",
    multiaddr: "/ip4/127.0.0.1/tcp/1234",
  });
  assert.deepEqual(endpointsOf({ host: "::1", port: 9 }), { rpcUrl: "http://[::1]:9/rpc/v1", multiaddr: "/ip6/::1/tcp/9" });
});

test("profiles: devnet and mainnet values, derived period, invariants (rule 4 exempt for mainnet only)", () => {
  const dev = buildProfile(profileDefaults("devnet"), 1000);
  for (const k of ["PreCommitChallengeDelay", "WPoStChallengeWindow", "WPoStProvingPeriod", "WPoStChallengeLookback",
    "FaultDeclarationCutoff", "WPoStDisputeWindow", "FaultMaxAge", "ConsensusMinerMinPower", "NetworkName"] as const)
    assert.equal(dev[k], DEVNET_POLICY[k], k);
  assert.deepEqual(profileInvariantErrors("devnet", dev), []);
  const main = buildProfile(profileDefaults("mainnet"), 1000);
  assert.equal(main.WPoStProvingPeriod, 2880);
  assert.equal(main.FaultMaxAge, MAINNET_POLICY.FaultMaxAge);
  assert.equal(main.FaultDeclarationCutoff, 70);
  assert.equal(main.NetworkName, "damocles-devnet");
  assert.equal(main.ConsensusMinerMinPower, 2048n);
  assert.equal(main.BlockDelaySecs, 1);
  assert.equal(buildProfile(profileDefaults("devnet"), 1500).BlockDelaySecs, 2);
  // The spec's own mainnet numbers break rule 4 (70 > 60): exempted for that profile only.
  assert.deepEqual(profileInvariantErrors("mainnet", main), []);
  assert.match(profileInvariantErrors("devnet", main).join(), /^rule 4:/);
  const bad = buildProfile({ ...profileDefaults("devnet"), wpost_challenge_lookback: 0 }, 1000);
  assert.match(profileInvariantErrors("devnet", bad).join(), /rule 2:/);
  assert.deepEqual(parseSetFlag("wpost_challenge_window=20"), ["wpost_challenge_window", 20]);
  assert.throws(() => parseSetFlag("block_time=2s"), /unknown --set key "block_time"/);
  assert.throws(() => parseSetFlag("wpost_challenge_window=-1"), /non-negative integer/);
  assert.throws(() => parseSetFlag("wpost_challenge_window"), /expected key=value/);
});

const CONFIG: DevnetConfig = {
  listen: { host: "127.0.0.1", port: 1234 },
  blockTimeMs: 1000,
  blockReward: 10n * 10n ** 18n,
  seed: hex("ab".repeat(32)),
  profileName: "devnet",
  profileValues: profileDefaults("devnet"),
  miners: [
    { actor: "t01000", sectorSize: 2048, owner: "t1lqg5rj7gbn7gwqo35jaynsialgxxz2lc7qccdci", worker: "t1tauumfraxhmennkoplgqlhvz4ghicvb6srmh35a" },
    { actor: "t01001", sectorSize: 8 * 1024 * 1024, owner: "t1o", worker: "t1w" },
  ],
};

test("config.toml round-trips; unknown keys warn with file, key and line", () => {
  const text = formatConfig(CONFIG);
  assert.deepEqual(parseConfig(text, "c.toml"), { config: CONFIG, warnings: [] });
  const extra = text.replace("[profile]\n", "colour = \"blue\"\n\n[profile]\nspeed = 3\n");
  const { warnings } = parseConfig(extra, "c.toml");
  const line = (needle: string): number => extra.split("\n").findIndex((l) => l.startsWith(needle)) + 1;
  assert.deepEqual(warnings, [
    `c.toml:${line("colour")}: key colour: unknown key, ignored`,
    `c.toml:${line("speed")}: key profile.speed: unknown key, ignored`,
  ]);
});

test("config errors name file, key and line", () => {
  const text = formatConfig(CONFIG);
  const lineOf = (needle: string, from = 0): number => text.split("\n").findIndex((l, i) => i >= from && l.startsWith(needle)) + 1;
  const bad = (t: string): string => {
    try {
      parseConfig(t, "c.toml");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.exitCode, 2);
      return err.message;
    }
    assert.fail("no error");
  };
  assert.equal(
    bad(text.replace('block_time = "1s"', 'block_time = "5ms"')),
    `c.toml:${lineOf("block_time")}: key block_time: block time "5ms" is outside 100ms … 1m0s`,
  );
  assert.match(bad(text.replace("wpost_challenge_window = 10", "wpost_challenge_window = \"x\"")),
    new RegExp(`^c\\.toml:${lineOf("wpost_challenge_window")}: key profile\\.wpost_challenge_window: expected a non-negative integer`));
  // The second [[miners]] table's sector_size, not the first's.
  const second = lineOf("sector_size", lineOf("sector_size"));
  assert.match(bad(text.replace('sector_size = "8MiB"', 'sector_size = "3KiB"')),
    new RegExp(`^c\\.toml:${second}: key miners\\[1\\]\\.sector_size: invalid sector size "3KiB"`));
  assert.match(bad(text.replace(/seed = .*\n/, "")), /^c\.toml: key seed: missing$/);
  assert.match(bad(text.replace('name = "devnet"', 'name = "calibnet"')), /key profile\.name: unknown profile "calibnet"/);
  assert.match(bad(`${text}\nlisten = [`), /^c\.toml:\d+:\d+: /);
  assert.equal(findKeyLine(text, ["miners", 1]), lineOf("[[miners]]", lineOf("[[miners]]")));
});

test("home files: config.toml is never replaced, secrets are 0600, run.pid is informational", async (t) => {
  const home = await tempDir(t);
  await writeNewConfig(home, CONFIG);
  await assert.rejects(writeNewConfig(home, CONFIG), { code: "EEXIST" });
  assert.deepEqual((await readConfig(home)).config, CONFIG);
  await assert.rejects(readConfig(join(home, "nope")), /config\.toml: not found; run `damocles-devnet init/);

  const secret = hex("07".repeat(32));
  await writeSecretFile(homePaths(home).jwtSecret, secret);
  assert.equal((await stat(homePaths(home).jwtSecret)).mode & 0o777, 0o600);
  assert.deepEqual(await readJwtSecret(home), secret);
  await assert.rejects(writeSecretFile(homePaths(home).jwtSecret, secret), { code: "EEXIST" });
  const other = await tempDir(t);
  await writeFile(homePaths(other).jwtSecret, "short");
  await assert.rejects(readJwtSecret(other), /expected 32 bytes, found 5/);

  assert.equal(await readRunPid(home), null);
  await writeRunPid(home, 4242);
  assert.equal(await readRunPid(home), 4242);
});

test("a locked chain.db is a HomeInUseError (exit 3) naming the home and run.pid's pid", async (t) => {
  const home = await tempDir(t);
  const db = await openChainDb(home, { exclusive: true, migrations: [GENESIS_MIGRATION] });
  await writeRunPid(home, 777);
  await assert.rejects(openChainDb(home, { exclusive: true, migrations: [GENESIS_MIGRATION] }), (err: unknown) => {
    assert.ok(err instanceof HomeInUseError);
    assert.equal(err.exitCode, 3);
    assert.equal(err.message, `home ${home} is in use by another process (pid 777 in run.pid)`);
    return true;
  });
  db.close();
  (await openChainDb(home, { exclusive: true, migrations: [GENESIS_MIGRATION] })).close();
});
