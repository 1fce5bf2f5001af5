import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { openSqlite } from "../../src/db/sqlite.js";
import { formatAddress } from "../../src/filecoin/address.js";
import { DEVNET_POLICY } from "../../src/filecoin/policy.js";
import { secpKeyPair } from "../../src/filecoin/secp256k1.js";
import {
  accountKey,
  accountPrivateKey,
  beaconData,
  buildGenesis,
  GENESIS_ACCOUNT_BALANCE,
  GENESIS_MIGRATION,
  GENESIS_RECORD_FORMAT,
  readGenesisRecord,
  seedOf,
  ticketVrfProof,
  writeGenesisRecord,
  type GenesisRecord,
} from "../../src/devnet/genesis.js";
import { hex, toHex } from "../helpers/vectors.js";
import { tempDir } from "../helpers/tmp.js";

const SEED = hex("11".repeat(32));
const KiB2 = 2048;
const MiB8 = 8 * 1024 * 1024;
const sha256 = (...parts: Uint8Array[]): string => createHash("sha256").update(Buffer.concat(parts)).digest("hex");
const u64be = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

test("accounts from 100: each miner's owner then worker, then the deal client, 10,000 FIL each", () => {
  const g = buildGenesis({ seed: SEED, miners: [{ sectorSize: KiB2 }, { sectorSize: MiB8 }], profile: DEVNET_POLICY, blockTimeMs: 1000 });
  assert.deepEqual(
    g.accounts.map((a) => [a.id, a.idAddress, a.role, a.miner, a.keyIndex]),
    [
      [100, "t0100", "owner", 1000, 0],
      [101, "t0101", "worker", 1000, 1],
      [102, "t0102", "owner", 1001, 2],
      [103, "t0103", "worker", 1001, 3],
      [104, "t0104", "client", null, 4],
    ],
  );
  assert.equal(GENESIS_ACCOUNT_BALANCE, 10_000n * 10n ** 18n);
  for (const a of g.accounts) assert.equal(a.balance, 10_000_000_000_000_000_000_000n);
  assert.equal(g.clientId, 104);
  assert.equal(new Set(g.accounts.map((a) => a.address)).size, 5, "five distinct keys");
  assert.deepEqual(
    g.miners.map((m) => [m.id, m.actor, m.sectorSize, m.sealProofType, m.windowPoStProofType, m.winningPoStProofType, m.ownerId, m.workerId]),
    [
      [1000, "t01000", KiB2, 5, 10, 0, 100, 101],
      [1001, "t01001", MiB8, 6, 11, 1, 102, 103],
    ],
  );
  assert.equal(g.miners[0]!.owner, g.accounts[0]!.address);
  assert.equal(g.miners[1]!.worker, g.accounts[3]!.address);
  assert.equal(g.networkName, "damocles-devnet");
  assert.equal(g.builtinActors.market, "t05");
  assert.equal(g.builtinActors.burntFunds, "t099");
});

test("keys derive from the seed: sha256(tag ‖ seed ‖ u64be(index)), same seed ⇒ same addresses", () => {
  const expected = sha256(new TextEncoder().encode("damocles-devnet key"), SEED, u64be(0));
  // The digest is far below the curve order, so the mapping (k mod (n − 1)) + 1 adds one.
  assert.equal(toHex(accountPrivateKey(SEED, 0)), (BigInt(`0x${expected}`) + 1n).toString(16).padStart(64, "0"));
  const a = buildGenesis({ seed: SEED, miners: [{ sectorSize: KiB2 }], profile: DEVNET_POLICY, blockTimeMs: 1000 });
  const b = buildGenesis({ seed: Uint8Array.from(SEED), miners: [{ sectorSize: KiB2 }], profile: DEVNET_POLICY, blockTimeMs: 500 });
  assert.deepEqual(a.accounts.map((x) => x.address), b.accounts.map((x) => x.address));
  // Pinned so that a change of the derivation shows: fixed seeds in docs and tests rely on it.
  assert.equal(a.miners[0]!.owner, "t1lqg5rj7gbn7gwqo35jaynsialgxxz2lc7qccdci");
  assert.equal(a.miners[0]!.worker, "t1tauumfraxhmennkoplgqlhvz4ghicvb6srmh35a");
  assert.equal(formatAddress(secpKeyPair(accountPrivateKey(SEED, 1)).address, "t"), a.miners[0]!.worker);
  assert.equal(formatAddress(accountKey(SEED, 2).address, "t"), a.accounts[2]!.address);
  const other = buildGenesis({ seed: hex("12".repeat(32)), miners: [{ sectorSize: KiB2 }], profile: DEVNET_POLICY, blockTimeMs: 1000 });
  assert.notEqual(other.miners[0]!.owner, a.miners[0]!.owner);
});

test("beacon and ticket follow spec/devnet.md §4 Determinism", () => {
  const beacon = new TextEncoder().encode("damocles-devnet beacon");
  const ticket = new TextEncoder().encode("damocles-devnet ticket");
  assert.equal(toHex(beaconData(SEED, 7)), sha256(beacon, SEED, u64be(7)));
  assert.equal(toHex(ticketVrfProof(SEED, 0, 7)), sha256(ticket, SEED, u64be(0), u64be(7)));
  assert.equal(toHex(ticketVrfProof(SEED, 2, 7)), sha256(ticket, SEED, u64be(2), u64be(7)));
  assert.notEqual(toHex(ticketVrfProof(SEED, 1, 7)), toHex(ticketVrfProof(SEED, 0, 7)));
  assert.throws(() => beaconData(SEED, -1), /non-negative/);
  assert.throws(() => beaconData(SEED.subarray(1), 0), /32 bytes/);
});

test("bad inputs are refused with the field named", () => {
  const base = { seed: SEED, profile: DEVNET_POLICY, blockTimeMs: 1000 };
  assert.throws(() => buildGenesis({ ...base, miners: [] }), /at least one miner/);
  assert.throws(() => buildGenesis({ ...base, miners: [{ sectorSize: 32 * 1024 ** 3 }] }), /miner 1: sector size 32GiB is not served/);
  assert.throws(() => buildGenesis({ ...base, miners: [{ sectorSize: KiB2 }], blockTimeMs: 99 }), /block time 99 ms/);
});

test("the genesis record round-trips through chain.db with bigints intact", async (t) => {
  const db = openSqlite(join(await tempDir(t), "chain.db"), { migrations: [GENESIS_MIGRATION] });
  assert.equal(readGenesisRecord(db), null);
  const genesis = buildGenesis({ seed: SEED, miners: [{ sectorSize: KiB2 }], profile: DEVNET_POLICY, blockTimeMs: 1000 });
  const rec: GenesisRecord = {
    format: GENESIS_RECORD_FORMAT,
    timestamp: 1_700_000_000,
    seed: toHex(SEED),
    profileName: "devnet",
    profileValues: { wpost_challenge_window: 10 },
    profile: { ...DEVNET_POLICY },
    genesis,
  };
  writeGenesisRecord(db, rec);
  const back = readGenesisRecord(db)!;
  assert.deepEqual(back, rec);
  assert.equal(typeof back.genesis.accounts[0]!.balance, "bigint");
  assert.equal(back.profile.ConsensusMinerMinPower, 2048n);
  assert.deepEqual(seedOf(back), SEED);
  assert.throws(() => writeGenesisRecord(db, rec), /UNIQUE|PRIMARY KEY/);
  db.close();
});
