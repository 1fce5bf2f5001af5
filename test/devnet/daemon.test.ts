import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { devnetAdminApi } from "../../src/api/devnet-admin.js";
import { lotusApi } from "../../src/api/lotus.js";
import { rpcClient } from "../../src/rpc/client.js";
import { runInit } from "../../src/devnet/cli.js";
import { startDevnet, type RunningDevnet } from "../../src/devnet/daemon.js";
import { ConfigError, HomeInUseError } from "../../src/devnet/home.js";
import { freePort, spawnDevnet, until, waitHealthy } from "../helpers/devnet-process.js";
import { tempDir } from "../helpers/tmp.js";

const SEED = "07".repeat(32);
const quiet = (): void => {};

async function home(t: TestContext, blockTime = "100ms"): Promise<{ dir: string; port: number; token: string }> {
  const dir = await tempDir(t, "devnet-home-");
  const port = await freePort();
  await runInit({ home: dir, listen: `127.0.0.1:${port}`, blockTime, miner: [], set: [], seed: SEED });
  return { dir, port, token: (await readFile(join(dir, "token"), "utf8")).trim() };
}

function lotus(t: TestContext, port: number, token: string) {
  const c = rpcClient(lotusApi, { url: `http://127.0.0.1:${port}/rpc/v1`, token });
  t.after(() => c.close());
  return c;
}

const transfer = (from: string) => ({
  Version: 0,
  To: "t0102",
  From: from,
  Nonce: 0,
  Value: 1234n,
  GasLimit: 0,
  GasFeeCap: 0n,
  GasPremium: 0n,
  Method: 0,
  Params: new Uint8Array(0),
});

test("run serves the home's chain; a restart continues at the next height", async (t) => {
  const h = await home(t);
  let d: RunningDevnet | null = await startDevnet({ home: h.dir }, quiet);
  t.after(() => d?.stop());
  assert.ok(existsSync(join(h.dir, "run.pid")));
  const api = lotus(t, h.port, h.token);
  await until(async () => (await api.ChainHead()).Height >= 3, "height 3");
  assert.equal((await api.StateGetNetworkParams()).BlockDelaySecs, 1);
  await d.stop();
  assert.ok(!existsSync(join(h.dir, "run.pid")), "run.pid removed on stop");
  const stoppedAt = d.chain.height;
  const lastKey = d.chain.head().key;
  d = await startDevnet({ home: h.dir }, quiet);
  assert.equal(d.chain.head().key, lastKey, "the head is the last committed tipset");
  const api2 = lotus(t, h.port, h.token);
  const next = await until(async () => {
    const ts = await api2.ChainGetTipSetByHeight(stoppedAt + 1, []).catch(() => null);
    return ts;
  }, "the next tipset");
  assert.equal(next.Blocks[0]!.Parents.map(String).join(), lastKey);
});

test("a second run on the same home is refused: home in use, naming the home and the pid", async (t) => {
  const h = await home(t, "1s");
  const d = await startDevnet({ home: h.dir }, quiet);
  t.after(() => d.stop());
  await assert.rejects(startDevnet({ home: h.dir, listen: `127.0.0.1:${await freePort()}` }, quiet), (e: unknown) => {
    assert.ok(e instanceof HomeInUseError);
    assert.equal(e.exitCode, 3);
    assert.match(e.message, new RegExp(`${h.dir}.*pid ${process.pid}`));
    return true;
  });
});

test("config.toml: genesis-fixed keys cannot change (file, key and line named); listen and block time may", async (t) => {
  const h = await home(t, "1s");
  const file = join(h.dir, "config.toml");
  const original = await readFile(file, "utf8");
  await writeFile(file, original.replace("wpost_challenge_window = 10", "wpost_challenge_window = 20"));
  await assert.rejects(startDevnet({ home: h.dir }, quiet), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /config\.toml:\d+: profile\.wpost_challenge_window is 20 but the genesis fixed 10/);
    return true;
  });
  await writeFile(file, original);
  await assert.rejects(startDevnet({ home: h.dir, network: "mainnet" }, quiet), /--network mainnet: .*"devnet"/);
  const port = await freePort();
  const d = await startDevnet({ home: h.dir, listen: `127.0.0.1:${port}`, blockTime: "200ms" }, quiet);
  t.after(() => d.stop());
  assert.equal(d.listen.port, port);
  assert.equal(d.chain.blockTimeMs, 200);
  await assert.rejects(startDevnet({ home: h.dir, blockTime: "5ms" }, quiet), /--block-time/);
});

test("as a process: exit 3 for a second run, kill -9 loses no accepted message, SIGTERM exits 0", async (t) => {
  const h = await home(t, "200ms");
  const first = spawnDevnet(t, ["run", "--home", h.dir]);
  await waitHealthy(h.port, first);
  const second = spawnDevnet(t, ["run", "--home", h.dir, "--listen", `127.0.0.1:${await freePort()}`]);
  assert.equal(await second.exited, 3);
  assert.match(second.stderr(), new RegExp(`damocles-devnet: home ${h.dir} is in use .*pid ${first.child.pid}`));

  const api = lotus(t, h.port, h.token);
  const admin = rpcClient(devnetAdminApi, { url: `http://127.0.0.1:${h.port}/rpc/v1`, token: h.token });
  t.after(() => admin.close());
  await until(async () => (await api.ChainHead()).Height >= 2, "height 2");
  await admin.PauseBlocks();
  const owner = (await api.StateAccountKey("t0100", [])).toString();
  const sm = await api.MpoolPushMessage(transfer(owner), null);
  const head = await api.ChainHead();
  first.child.kill("SIGKILL");
  assert.equal(await first.exited, "SIGKILL");

  const again = spawnDevnet(t, ["run", "--home", h.dir]);
  await waitHealthy(h.port, again);
  const api2 = lotus(t, h.port, h.token);
  const lookup = await api2.StateWaitMsg(sm.CID!, 0, -1, true);
  assert.equal(lookup.Receipt.ExitCode, 0, "the message accepted before kill -9 executed after the restart");
  const next = await api2.ChainGetTipSetByHeight(head.Height + 1, []);
  assert.deepEqual(next.Blocks[0]!.Parents.map(String), head.Cids.map(String), "the chain continued from the last committed tipset");
  assert.equal(await api2.WalletBalance("t0102"), 10_000n * 10n ** 18n + 1234n);
  again.child.kill("SIGTERM");
  assert.equal(await again.exited, 0);
  assert.ok(!existsSync(join(h.dir, "run.pid")));
});
