// manager.db's migrations (spec/manager.md §1). Released versions are never renumbered or edited; a
// change is a new migration. The SQL keeps to what PostgreSQL also reads where that costs nothing
// (INTEGER/TEXT columns, booleans as 0/1, partial indexes); bytes are BLOB here, BYTEA there.
import type { Migration } from "./sqlite.js";

const MANAGER_V1_SQL = `
-- Allocator (§8.1): the last number handed out per miner (Damocles: meta/sector-number/m-<mid>).
CREATE TABLE sector_numbers (
  miner INTEGER PRIMARY KEY,
  last INTEGER NOT NULL
);

-- Sector states (§8.2): online = 1 is Damocles' meta store, 0 its offline_meta store. One row per
-- sector, so a sector is never in both and finalize/restore changes one column.
CREATE TABLE sectors (
  miner INTEGER NOT NULL,
  number INTEGER NOT NULL,
  online INTEGER NOT NULL,
  proof_type INTEGER NOT NULL,
  job TEXT NOT NULL,
  latest_state TEXT,
  finalized INTEGER NOT NULL,
  abort_reason TEXT,
  need_send TEXT,
  doc TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (miner, number)
);
CREATE INDEX sectors_by_store ON sectors (online, miner, number);
CREATE INDEX sectors_by_state ON sectors (online, latest_state);
CREATE INDEX sectors_need_send ON sectors (need_send) WHERE need_send IS NOT NULL;

-- Deals per sector (§8.5).
CREATE TABLE sector_deals (
  miner INTEGER NOT NULL,
  number INTEGER NOT NULL,
  piece_index INTEGER NOT NULL,
  deal_id INTEGER NOT NULL,
  allocation_id INTEGER NOT NULL,
  piece_cid TEXT NOT NULL,
  piece_size INTEGER NOT NULL,
  PRIMARY KEY (miner, number, piece_index),
  FOREIGN KEY (miner, number) REFERENCES sectors (miner, number) ON DELETE CASCADE
);
CREATE INDEX sector_deals_by_deal ON sector_deals (deal_id) WHERE deal_id <> 0;
CREATE INDEX sector_deals_by_piece ON sector_deals (piece_cid);

-- The messager's log (§8.4): written before a push, uid unique.
CREATE TABLE messages (
  uid TEXT PRIMARY KEY,
  miner INTEGER NOT NULL,
  from_addr TEXT NOT NULL,
  to_addr TEXT NOT NULL,
  method INTEGER NOT NULL,
  params BLOB NOT NULL,
  value TEXT NOT NULL,
  spec TEXT,
  state TEXT NOT NULL CHECK (state IN ('pending', 'pushed', 'landed', 'failed')),
  signed_cid TEXT,
  exit_code INTEGER,
  return_data BLOB,
  gas_used TEXT,
  tipset TEXT,
  height INTEGER,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX messages_unfinished ON messages (created_at) WHERE state IN ('pending', 'pushed');

-- Batches (§8.4): one message for several sectors of one miner.
CREATE TABLE batches (
  id INTEGER PRIMARY KEY,
  miner INTEGER NOT NULL,
  kind TEXT NOT NULL,
  message_uid TEXT NOT NULL REFERENCES messages (uid),
  created_at INTEGER NOT NULL
);
CREATE INDEX batches_by_message ON batches (message_uid);
CREATE TABLE batch_sectors (
  batch_id INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  miner INTEGER NOT NULL,
  number INTEGER NOT NULL,
  kind TEXT NOT NULL,
  PRIMARY KEY (batch_id, number),
  FOREIGN KEY (miner, number) REFERENCES sectors (miner, number)
);
CREATE INDEX batch_sectors_by_sector ON batch_sectors (miner, number, kind, batch_id);

-- Indexer (§8.3): where a sector's files live (Damocles: sector-index).
CREATE TABLE sector_locations (
  miner INTEGER NOT NULL,
  number INTEGER NOT NULL,
  location_set TEXT NOT NULL CHECK (location_set IN ('normal', 'upgrade')),
  sealed_store TEXT NOT NULL,
  cache_store TEXT NOT NULL,
  PRIMARY KEY (miner, number, location_set)
);
CREATE INDEX sector_locations_by_sealed ON sector_locations (sealed_store);
CREATE INDEX sector_locations_by_cache ON sector_locations (cache_store);

-- Persist store reservations (§9): one per sector.
CREATE TABLE reservations (
  miner INTEGER NOT NULL,
  number INTEGER NOT NULL,
  store TEXT NOT NULL,
  size INTEGER NOT NULL,
  reserved_at INTEGER NOT NULL,
  PRIMARY KEY (miner, number)
);
CREATE INDEX reservations_by_store ON reservations (store);

-- Worker registry (§8.11).
CREATE TABLE worker_pings (
  name TEXT PRIMARY KEY,
  dest TEXT NOT NULL,
  version TEXT NOT NULL,
  threads INTEGER NOT NULL,
  empty INTEGER NOT NULL,
  paused INTEGER NOT NULL,
  running INTEGER NOT NULL,
  waiting INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  last_ping INTEGER NOT NULL
);

-- Generic keyed records: snapup candidates, rebuild, unseal, worker-prover jobs (§8.7–8.10).
CREATE TABLE jobs (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  state TEXT NOT NULL,
  doc TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (kind, key)
);
CREATE INDEX jobs_by_state ON jobs (kind, state);
`;

/** Every migration of manager.db, in order. */
export const MANAGER_MIGRATIONS: readonly Migration[] = [{ version: 1, name: "manager", sql: MANAGER_V1_SQL }];
