import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { openSqlite, SqliteLockedError, transaction, type Migration } from "../../src/db/sqlite.js";
import { tempDir } from "../helpers/tmp.js";

const M1: Migration = { version: 1, name: "things", sql: "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)" };
const M2: Migration = {
  version: 2,
  name: "parts",
  sql: "CREATE TABLE parts (id INTEGER PRIMARY KEY, thing INTEGER NOT NULL REFERENCES things(id))",
};

test("open sets WAL, synchronous=FULL, foreign keys and records migrations once", async (t) => {
  const path = join(await tempDir(t), "a.db");
  const db = openSqlite(path, { migrations: [M1, M2] });
  assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
  assert.equal(db.pragma("synchronous", { simple: true }), 2); // FULL
  assert.equal(db.pragma("foreign_keys", { simple: true }), 1);
  assert.equal(db.pragma("busy_timeout", { simple: true }), 5000);
  assert.deepEqual(
    db.prepare("SELECT version, name FROM schema_migrations").all(),
    [{ version: 1, name: "things" }, { version: 2, name: "parts" }],
  );
  assert.throws(() => db.prepare("INSERT INTO parts (thing) VALUES (42)").run(), /FOREIGN KEY/);
  db.close();
  // Reopening applies nothing twice (a second CREATE TABLE would throw).
  const again = openSqlite(path, { migrations: [M1, M2] });
  assert.deepEqual(again.prepare("SELECT count(*) AS n FROM schema_migrations").get(), { n: 2 });
  again.close();
});

test("a later program version adds its migrations; an older one refuses the newer database", async (t) => {
  const path = join(await tempDir(t), "b.db");
  openSqlite(path, { migrations: [M1] }).close();
  const db = openSqlite(path, { migrations: [M1, M2] });
  assert.deepEqual(db.prepare("SELECT version FROM schema_migrations ORDER BY version").pluck().all(), [1, 2]);
  db.close();
  assert.throws(() => openSqlite(path, { migrations: [M1] }), /schema version 2 \("parts"\), newer than this program knows \(1\)/);
  assert.throws(
    () => openSqlite(path, { migrations: [M1, { ...M2, name: "other" }] }),
    /migration 2 was applied as "parts", this program calls it "other"/,
  );
});

test("migrations must ascend; a failing migration leaves nothing behind", async (t) => {
  const dir = await tempDir(t);
  assert.throws(() => openSqlite(join(dir, "c.db"), { migrations: [M2, M1] }), /must be above the previous one/);
  const bad: Migration = { version: 2, name: "bad", sql: "CREATE TABLE half (x INTEGER); SELECT * FROM missing" };
  assert.throws(() => openSqlite(join(dir, "d.db"), { migrations: [M1, bad] }), /no such table: missing/);
  const db = openSqlite(join(dir, "d.db"), { migrations: [M1] });
  assert.deepEqual(db.prepare("SELECT version FROM schema_migrations").pluck().all(), [1]);
  assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get(), undefined);
  db.close();
});

test("transaction commits all or nothing", async (t) => {
  const db = openSqlite(join(await tempDir(t), "e.db"), { migrations: [M1] });
  transaction(db, () => db.prepare("INSERT INTO things (name) VALUES ('a')").run());
  assert.throws(() =>
    transaction(db, () => {
      db.prepare("INSERT INTO things (name) VALUES ('b')").run();
      throw new Error("boom");
    }),
  /boom/);
  assert.deepEqual(db.prepare("SELECT name FROM things").pluck().all(), ["a"]);
  db.close();
});

// A child process that opens the database exclusively, prints "open" (or "locked"), and holds it.
const SQLITE_MODULE = fileURLToPath(new URL("../../src/db/sqlite.ts", import.meta.url));
const childScript = (path: string, hold: boolean): string => `
  const { openSqlite, SqliteLockedError } = await import(${JSON.stringify(SQLITE_MODULE)});
  try {
    const db = openSqlite(${JSON.stringify(path)}, { exclusive: true, migrations: [${JSON.stringify(M1)}] });
    process.stdout.write("open\\n");
    ${hold ? "setInterval(() => {}, 1000);" : "db.close();"}
  } catch (e) {
    process.stdout.write(e instanceof SqliteLockedError ? "locked\\n" : "error " + e.message + "\\n");
  }
`;
const runChild = (path: string): string =>
  spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", childScript(path, false)], {
    encoding: "utf8",
  }).stdout.trim();

test("an exclusive holder locks out a second process until it exits, kill -9 included", { timeout: 30_000 }, async (t) => {
  const path = join(await tempDir(t), "x.db");
  const db = openSqlite(path, { exclusive: true, migrations: [M1] });
  assert.equal(runChild(path), "locked");
  // Same process, second connection: also refused at open.
  assert.throws(() => openSqlite(path, { exclusive: true, migrations: [M1] }), SqliteLockedError);
  db.prepare("INSERT INTO things (name) VALUES ('kept')").run();
  db.close();
  assert.equal(runChild(path), "open");

  // A holder killed with SIGKILL leaves no lock behind, and its committed rows survive.
  const holder = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", childScript(path, true)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.after(() => holder.kill("SIGKILL"));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on("data", (d: Buffer) => (d.toString().includes("open") ? resolve() : reject(new Error(d.toString()))));
    holder.on("exit", () => reject(new Error("holder exited early")));
  });
  assert.equal(runChild(path), "locked");
  assert.throws(() => openSqlite(path, { exclusive: true, migrations: [M1] }), SqliteLockedError);
  const exited = new Promise((resolve) => holder.once("exit", resolve));
  holder.kill("SIGKILL");
  await exited;
  const after = openSqlite(path, { exclusive: true, migrations: [M1] });
  assert.deepEqual(after.prepare("SELECT name FROM things").pluck().all(), ["kept"]);
  after.close();
});
