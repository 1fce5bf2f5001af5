// The devnet's genesis (spec/devnet.md §1.3, §4 "Determinism"): a pure function of the seed, the
// miner list, the profile and the block time. Accounts get ids from 100 (each miner's owner, then
// its worker, then one deal client), 10,000 FIL and a secp256k1 key derived from the seed; miners
// get ids 1000, 1001, … in order. The same seed gives the same keys, addresses, beacon and tickets.
import { createHash } from "node:crypto";
import type { Database, Migration } from "../db/sqlite.js";
import { formatAddress, formatIdAddress } from "../filecoin/address.js";
import { ATTO_PER_FIL } from "../filecoin/bigint.js";
import type { Policy } from "../filecoin/policy.js";
import { sealProofFor } from "../filecoin/proof-types.js";
import { secpKeyPair, type SecpKeyPair } from "../filecoin/secp256k1.js";
import { KiB, MiB, formatSectorSize } from "../filecoin/sizes.js";

export const SEED_LEN = 32;
export const FIRST_ACCOUNT_ID = 100;
export const FIRST_MINER_ID = 1000;
export const GENESIS_ACCOUNT_BALANCE = 10_000n * ATTO_PER_FIL;
/** Sector sizes the devnet serves (spec/devnet.md §2.4); Lotus's devnet bundle stops at 8MiB. */
export const DEVNET_SECTOR_SIZES: readonly number[] = Object.freeze([2 * KiB, 8 * MiB, 512 * MiB]);
export const MIN_BLOCK_TIME_MS = 100;
export const MAX_BLOCK_TIME_MS = 60_000;

/** Singleton actors at their mainnet ids (builtin-actors runtime/src/builtin/singletons.rs). */
export const BUILTIN_ACTORS = Object.freeze({
  system: "t00",
  init: "t01",
  reward: "t02",
  cron: "t03",
  power: "t04",
  market: "t05",
  verifiedRegistry: "t06",
  datacap: "t07",
  burntFunds: "t099",
});

export interface GenesisInput {
  seed: Uint8Array;
  miners: readonly { sectorSize: number }[];
  profile: Readonly<Policy>;
  blockTimeMs: number;
}

export type AccountRole = "owner" | "worker" | "client";

export interface GenesisAccount {
  id: number;
  /** `t0<id>`. */
  idAddress: string;
  /** The key address (`t1…`) of the genesis wallet. */
  address: string;
  role: AccountRole;
  /** The miner this owner or worker belongs to; null for the deal client. */
  miner: number | null;
  /** Index of the key derived from the seed (accountKey). */
  keyIndex: number;
  balance: bigint;
}

export interface GenesisMiner {
  id: number;
  /** `t0<id>`. */
  actor: string;
  sectorSize: number;
  sealProofType: number;
  windowPoStProofType: number;
  winningPoStProofType: number;
  owner: string;
  worker: string;
  ownerId: number;
  workerId: number;
}

export interface Genesis {
  networkName: string;
  blockTimeMs: number;
  accounts: GenesisAccount[];
  miners: GenesisMiner[];
  /** The id of the deal client account. */
  clientId: number;
  builtinActors: typeof BUILTIN_ACTORS;
}

const u64be = (n: number | bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

const sha256 = (...parts: Uint8Array[]): Uint8Array =>
  new Uint8Array(createHash("sha256").update(Buffer.concat(parts)).digest());

function checkSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_LEN) throw new RangeError(`devnet seed must be ${SEED_LEN} bytes`);
}

function checkEpoch(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} ${String(n)} must be a non-negative integer`);
}

const KEY_TAG = new TextEncoder().encode("damocles-devnet key");
const BEACON_TAG = new TextEncoder().encode("damocles-devnet beacon");
const TICKET_TAG = new TextEncoder().encode("damocles-devnet ticket");
/** secp256k1 group order (SEC 2). */
const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * Private key of account key `index`: sha256("damocles-devnet key" ‖ seed ‖ u64be(index)) read as a
 * big-endian integer k, mapped to (k mod (n − 1)) + 1 so every digest gives a valid key in 1 … n−1.
 */
export function accountPrivateKey(seed: Uint8Array, index: number): Uint8Array {
  checkSeed(seed);
  checkEpoch(index, "key index");
  const k = BigInt(`0x${Buffer.from(sha256(KEY_TAG, seed, u64be(index))).toString("hex")}`);
  const d = (k % (CURVE_N - 1n)) + 1n;
  return Uint8Array.from(Buffer.from(d.toString(16).padStart(64, "0"), "hex"));
}

export function accountKey(seed: Uint8Array, index: number): SecpKeyPair {
  return secpKeyPair(accountPrivateKey(seed, index));
}

/** Beacon entry data of epoch e: sha256("damocles-devnet beacon" ‖ seed ‖ u64be(e)). */
export function beaconData(seed: Uint8Array, epoch: number): Uint8Array {
  checkSeed(seed);
  checkEpoch(epoch, "beacon epoch");
  return sha256(BEACON_TAG, seed, u64be(epoch));
}

/** Ticket VRFProof of epoch e on fork f: sha256("damocles-devnet ticket" ‖ seed ‖ u64be(f) ‖ u64be(e)). */
export function ticketVrfProof(seed: Uint8Array, fork: number, epoch: number): Uint8Array {
  checkSeed(seed);
  checkEpoch(fork, "ticket fork");
  checkEpoch(epoch, "ticket epoch");
  return sha256(TICKET_TAG, seed, u64be(fork), u64be(epoch));
}

export function checkBlockTimeMs(ms: number): void {
  if (!Number.isInteger(ms) || ms < MIN_BLOCK_TIME_MS || ms > MAX_BLOCK_TIME_MS)
    throw new RangeError(`block time ${String(ms)} ms is outside ${MIN_BLOCK_TIME_MS} ms … ${MAX_BLOCK_TIME_MS / 1000} s`);
}

export function buildGenesis(input: GenesisInput): Genesis {
  const { seed, miners, profile, blockTimeMs } = input;
  checkSeed(seed);
  checkBlockTimeMs(blockTimeMs);
  if (miners.length === 0) throw new RangeError("a devnet needs at least one miner");
  const accounts: GenesisAccount[] = [];
  const addAccount = (role: AccountRole, miner: number | null): GenesisAccount => {
    const keyIndex = accounts.length;
    const id = FIRST_ACCOUNT_ID + keyIndex;
    const account: GenesisAccount = {
      id,
      idAddress: formatIdAddress(id, "t"),
      address: formatAddress(accountKey(seed, keyIndex).address, "t"),
      role,
      miner,
      keyIndex,
      balance: GENESIS_ACCOUNT_BALANCE,
    };
    accounts.push(account);
    return account;
  };
  const genesisMiners = miners.map(({ sectorSize }, i): GenesisMiner => {
    if (!DEVNET_SECTOR_SIZES.includes(sectorSize))
      throw new RangeError(
        `miner ${i + 1}: sector size ${formatSectorSize(sectorSize)} is not served; accepted: ${DEVNET_SECTOR_SIZES.map(formatSectorSize).join(", ")}`,
      );
    const id = FIRST_MINER_ID + i;
    const owner = addAccount("owner", id);
    const worker = addAccount("worker", id);
    const seal = sealProofFor(sectorSize, "v1_1");
    return {
      id,
      actor: formatIdAddress(id, "t"),
      sectorSize,
      sealProofType: seal.id,
      windowPoStProofType: seal.windowPostProof,
      winningPoStProofType: seal.winningPostProof,
      owner: owner.address,
      worker: worker.address,
      ownerId: owner.id,
      workerId: worker.id,
    };
  });
  const client = addAccount("client", null);
  return {
    networkName: profile.NetworkName,
    blockTimeMs,
    accounts,
    miners: genesisMiners,
    clientId: client.id,
    builtinActors: BUILTIN_ACTORS,
  };
}

/** Lotus BlockDelaySecs: whole seconds, rounded up, at least 1 (spec/devnet.md §2.1). */
export function blockDelaySecs(blockTimeMs: number): number {
  return Math.max(1, Math.ceil(blockTimeMs / 1000));
}

// ---------------------------------------------------------------- the genesis record in chain.db

/**
 * chain.db migration 1: the genesis record, written once by `init`. The chain's own tables come
 * after it (versions 2 and up), so `run` can compare config.toml with what genesis fixed.
 */
export const GENESIS_MIGRATION: Migration = Object.freeze({
  version: 1,
  name: "genesis",
  sql: "CREATE TABLE genesis (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL)",
});

export const GENESIS_RECORD_FORMAT = 1;

export interface GenesisRecord {
  format: typeof GENESIS_RECORD_FORMAT;
  /** `init` time, Unix seconds (StateGetNetworkParams.GenesisTimestamp). */
  timestamp: number;
  /** 64 hex digits. */
  seed: string;
  /** "devnet" or "mainnet", and the §2.1 values it was built with (`--set` applied). */
  profileName: string;
  profileValues: Record<string, number>;
  /** The resolved policy the chain runs with. */
  profile: Policy;
  genesis: Genesis;
}

/** JSON text of a record: bigints (balances, ConsensusMinerMinPower) as decimal strings. */
export function genesisRecordJson(rec: GenesisRecord): string {
  return JSON.stringify(rec, (_k, v: unknown) => (typeof v === "bigint" ? v.toString(10) : v));
}

export function parseGenesisRecord(json: string): GenesisRecord {
  const rec = JSON.parse(json) as GenesisRecord & { profile: { ConsensusMinerMinPower: string } };
  if (rec.format !== GENESIS_RECORD_FORMAT)
    throw new RangeError(`genesis record format ${String(rec.format)} is not ${GENESIS_RECORD_FORMAT}; a newer program wrote it`);
  return {
    ...rec,
    profile: { ...rec.profile, ConsensusMinerMinPower: BigInt(rec.profile.ConsensusMinerMinPower) },
    genesis: {
      ...rec.genesis,
      accounts: rec.genesis.accounts.map((a) => ({ ...a, balance: BigInt(a.balance as unknown as string) })),
    },
  };
}

export function seedOf(rec: GenesisRecord): Uint8Array {
  return Uint8Array.from(Buffer.from(rec.seed, "hex"));
}

export function writeGenesisRecord(db: Database, rec: GenesisRecord): void {
  db.prepare("INSERT INTO genesis (id, record) VALUES (1, ?)").run(genesisRecordJson(rec));
}

/** The record `init` wrote, or null in a database without one. */
export function readGenesisRecord(db: Database): GenesisRecord | null {
  const row = db.prepare("SELECT record FROM genesis WHERE id = 1").get() as { record: string } | undefined;
  return row ? parseGenesisRecord(row.record) : null;
}
