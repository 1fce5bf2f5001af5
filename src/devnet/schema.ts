// chain.db's migrations (spec/devnet.md §1.2). Version 1 is the genesis record written by `init`;
// the chain's tables follow. Released versions are never renumbered.
import type { Migration } from "../db/sqlite.js";
import { GENESIS_MIGRATION } from "./genesis.js";

/** The chain's own tables: tipsets, messages (mpool included), receipts, versioned state, plain kv. */
export const CHAIN_MIGRATION_SQL = `
CREATE TABLE tipsets (
  height INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  header BLOB NOT NULL
);
CREATE TABLE messages (
  cid TEXT PRIMARY KEY,
  unsigned_cid TEXT NOT NULL,
  signed BLOB NOT NULL,
  from_id INTEGER NOT NULL,
  to_addr TEXT NOT NULL,
  method INTEGER NOT NULL,
  nonce INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  not_before INTEGER NOT NULL DEFAULT 0,
  included_at INTEGER,
  idx INTEGER
);
CREATE INDEX messages_unsigned ON messages (unsigned_cid);
CREATE INDEX messages_included ON messages (included_at, idx);
CREATE INDEX messages_sender ON messages (from_id, nonce);
CREATE TABLE receipts (
  cid TEXT PRIMARY KEY,
  height INTEGER NOT NULL,
  exit_code INTEGER NOT NULL,
  ret BLOB NOT NULL,
  gas_used TEXT NOT NULL
);
CREATE INDEX receipts_height ON receipts (height);
CREATE TABLE state (
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  height INTEGER NOT NULL,
  value TEXT,
  PRIMARY KEY (ns, key, height)
);
CREATE INDEX state_height ON state (height);
CREATE TABLE kv (
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (ns, key)
);
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

export const CHAIN_MIGRATION: Migration = { version: 2, name: "chain", sql: CHAIN_MIGRATION_SQL };

/**
 * Every migration of chain.db in order: the genesis record (written by `init`), then the chain's
 * tables. Extensions keep their state in the chain's versioned state rows, so they add none today;
 * a new table would be appended here as version 3.
 */
export const DEVNET_MIGRATIONS: readonly Migration[] = Object.freeze([GENESIS_MIGRATION, CHAIN_MIGRATION]);
