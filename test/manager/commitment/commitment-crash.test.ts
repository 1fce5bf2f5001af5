// kill -9 of a manager process whose PreCommit batch is recorded but not yet pushed: a new manager over the same
// SQLite file pushes that batch, once, and the sector lands. The child is this file run again with
// COMMITMENT_CRASH_CHILD set: it accepts the sector, records the batch, then hangs in push until it is killed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { OnChainState, SubmitResult } from "../../../src/api/sealer-types.js";
import { createChainClient, MpoolMessager, type Messager } from "../../../src/chain/index.js";
import { openSqliteManagerStore } from "../../../src/db/sqlite-manager-store.js";
import { MinerMethod, PreCommitSectorBatchParams2 } from "../../../src/filecoin/miner-params.js";
import { defaultMinerConfig, type MinerConfig } from "../../../src/manager/config/schema.js";
import { createCommitmentManager, sectorStateToDoc, storeMessageLog, type Clock } from "../../../src/manager/commitment/index.js";
import { until } from "../../helpers/devnet-process.js";
import { tempDir } from "../../helpers/tmp.js";
import { DELAY, MINER, SEAL_PROOF, sealedOnDevnet, sectorDoc, silent } from "./fixture.js";

const MADDR = "t01000";
const CHILD_ENV = "COMMITMENT_CRASH_CHILD";

interface ChildArgs {
  db: string;
  url: string;
  token: string;
  worker: string;
  commR: string;
  commD: string;
  ticket: string;
  epoch: number;
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      });
    }),
};
const network = () => ({ name: "damocles-devnet", devnet: true, preCommitChallengeDelay: DELAY, blockDelaySecs: 1 });

function config(worker: string): MinerConfig {
  const cfg = defaultMinerConfig(MINER);
  cfg.Commitment.Confidence = 2;
  cfg.Commitment.Pre.Senders = [worker];
  cfg.Commitment.Pre.Batch.Threshold = 1;
  return cfg;
}

async function child(a: ChildArgs): Promise<void> {
  const store = openSqliteManagerStore(a.db);
  const chain = createChainClient({ url: a.url, token: a.token });
  const hang: Messager = {
    push: () => new Promise<string>(() => {}), // killed while "pushing"
    wait: () => Promise.reject(new Error("unused")),
    search: () => Promise.resolve(null),
  };
  const cfg = config(a.worker);
  const mgr = createCommitmentManager({ store, chain, messager: hang, minerConfig: () => cfg, clock: realClock, logger: silent, network });
  mgr.start();
  const ticket = Buffer.from(a.ticket, "hex");
  await store.createSector({ miner: MINER, number: 1, proofType: SEAL_PROOF, doc: sectorStateToDoc(sectorDoc(1, { Ticket: ticket, Epoch: a.epoch })) });
  const r = await mgr.submitPreCommit(
    { miner: MINER, number: 1, proofType: SEAL_PROOF },
    { CommR: Buffer.from(a.commR, "hex"), CommD: Buffer.from(a.commD, "hex"), Ticket: { Ticket: ticket, Epoch: a.epoch } },
    false,
  );
  if (r.Res !== SubmitResult.Accepted) throw new Error(`child: SubmitPreCommit answered ${JSON.stringify(r)}`);
  await until(async () => (await store.listOpenBatches()).length === 1, "the batch recorded");
  process.stdout.write("recorded\n");
  await new Promise(() => {}); // until killed
}

const childArgs = process.env[CHILD_ENV];
if (childArgs) {
  await child(JSON.parse(childArgs) as ChildArgs);
} else {
  test("kill -9 after the batch is recorded: the restarted manager pushes it exactly once", { timeout: 120_000 }, async (t) => {
    const dir = await tempDir(t, "commitment-crash-");
    const { rpcUrl, token, chain, worker, ticket, sealed: bySector } = await sealedOnDevnet(t, dir, [1]);
    const sealed = bySector.get(1)!;
    const db = join(dir, "manager.db");
    const args: ChildArgs = {
      db,
      url: rpcUrl,
      token,
      worker,
      commR: Buffer.from(sealed.commR).toString("hex"),
      commD: Buffer.from(sealed.commD).toString("hex"),
      ticket: Buffer.from(ticket.Ticket).toString("hex"),
      epoch: ticket.Epoch,
    };

    const proc = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), fileURLToPath(import.meta.url)], {
      env: { ...process.env, [CHILD_ENV]: JSON.stringify(args) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<string | number>((resolve) => proc.on("exit", (code, sig) => resolve(sig ?? code ?? -1)));
    t.after(() => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    });
    await until(() => out.includes("recorded") || (proc.exitCode !== null ? Promise.reject(new Error(err)) : false), "the child to record its batch", 60_000);
    proc.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL");
    assert.equal((await chain.StateListMessages({ To: MADDR, From: worker }, [], 0)).length, 0, "nothing was pushed before the kill");

    const store = openSqliteManagerStore(db);
    t.after(() => store.close());
    const open = await store.listOpenBatches();
    assert.equal(open.length, 1);
    assert.equal((await store.getMessage(open[0]!.messageUid))!.state, "pending");
    const cfg = config(worker);
    const mgr = createCommitmentManager({
      store,
      chain,
      messager: new MpoolMessager({ chain, log: storeMessageLog(store), pollMs: 50 }),
      minerConfig: () => cfg,
      clock: realClock,
      logger: silent,
      network,
    });
    mgr.start();
    t.after(() => mgr.stop());
    await until(async () => (await mgr.preCommitState({ miner: MINER, number: 1 })).State === OnChainState.Landed, "PreCommit landed", 60_000, 100);
    const cids = await chain.StateListMessages({ To: MADDR, From: worker }, [], 0);
    assert.equal(cids.length, 1, "exactly one message");
    const m = await chain.ChainGetMessage(cids[0]!);
    assert.equal(m.Method, MinerMethod.PreCommitSectorBatch2);
    assert.deepEqual(PreCommitSectorBatchParams2.decode(m.Params).Sectors.map((s) => s.SectorNumber), [1]);
    assert.equal((await store.getMessage(open[0]!.messageUid))!.state, "landed");
  });
}
