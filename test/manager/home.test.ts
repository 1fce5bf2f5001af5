// The manager home: where it is, its files, and `daemon init`.
import assert from "node:assert/strict";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { verifyToken } from "../../src/rpc/auth.js";
import { loadExtProverConfig, loadManagerConfig } from "../../src/manager/config/load.js";
import { defaultManagerConfig } from "../../src/manager/config/schema.js";
import {
  authSecretPath,
  initManagerHome,
  managerAllowUpTo,
  managerDbPath,
  readApiToken,
  readAuthSecret,
  resolveManagerHome,
} from "../../src/manager/home.js";
import { tempDir } from "../helpers/tmp.js";

const U = "/home/op";
const none = (): boolean => false;

test("home: --home, else DAMOCLES_PATH, VENUS_SECTOR_MANAGER_PATH, VSM_PATH in that order, else ~/.damocles-manager", () => {
  const r = (home: string | undefined, env: NodeJS.ProcessEnv) => resolveManagerHome({ home, env, userHome: U, exists: none });
  assert.deepEqual(
    [r("/flag", { DAMOCLES_PATH: "/a" }).home, r("/flag", { DAMOCLES_PATH: "/a" }).source],
    ["/flag", "flag"],
  );
  assert.equal(r(undefined, { DAMOCLES_PATH: "/a", VENUS_SECTOR_MANAGER_PATH: "/b", VSM_PATH: "/c" }).home, "/a");
  assert.equal(r(undefined, { VENUS_SECTOR_MANAGER_PATH: "/b", VSM_PATH: "/c" }).home, "/b");
  assert.equal(r(undefined, { VSM_PATH: "/c" }).source, "env");
  assert.equal(r(undefined, { VSM_PATH: "~/vsm" }).home, "/home/op/vsm");
  assert.equal(r(undefined, { DAMOCLES_PATH: "" }).home, "/home/op/.damocles-manager", "an empty variable is unset");
  const d = r(undefined, {});
  assert.deepEqual(d, {
    home: "/home/op/.damocles-manager",
    confDir: "/home/op/.damocles-manager",
    source: "default",
    config: "/home/op/.damocles-manager/sector-manager.cfg",
    extProver: "/home/op/.damocles-manager/ext-prover.cfg",
    authSecret: "/home/op/.damocles-manager/auth.secret",
    token: "/home/op/.damocles-manager/token",
    db: "/home/op/.damocles-manager/manager.db",
  });
});

test("legacy ~/.venus-sector-manager is used when the default home is missing and it exists", () => {
  const only = (p: string) => (q: string) => q === p;
  const legacy = resolveManagerHome({ env: {}, userHome: U, exists: only("/home/op/.venus-sector-manager") });
  assert.equal(legacy.home, "/home/op/.venus-sector-manager");
  assert.equal(legacy.source, "legacy");
  assert.equal(legacy.config, "/home/op/.venus-sector-manager/sector-manager.cfg");
  const both = resolveManagerHome({ env: {}, userHome: U, exists: () => true });
  assert.equal(both.home, "/home/op/.damocles-manager", "an existing new home wins");
  const flag = resolveManagerHome({ home: "/new", env: {}, userHome: U, exists: only("/home/op/.venus-sector-manager") });
  assert.equal(flag.home, "/new", "an explicit home is used as given");
});

test("--conf-dir (and DAMOCLES_CONF_DIR, legacy names) moves the config files, not the home's own files", () => {
  const h = resolveManagerHome({ home: "/b", confDir: "/a", env: { DAMOCLES_CONF_DIR: "/x" }, userHome: U, exists: none });
  assert.equal(h.config, "/a/sector-manager.cfg");
  assert.equal(h.extProver, "/a/ext-prover.cfg");
  assert.equal(h.token, "/b/token");
  assert.equal(h.db, "/b/manager.db");
  assert.equal(resolveManagerHome({ home: "/b", env: { VSM_CONF_DIR: "/v" }, userHome: U, exists: none }).confDir, "/v");
  assert.equal(resolveManagerHome({ home: "/b", env: { DAMOCLES_CONF_DIR: "/x", VSM_CONF_DIR: "/v" }, userHome: U, exists: none }).confDir, "/x");
});

test("db and secret paths follow DB.SQLite.Path, Damocles' DB.Badger.BaseDir and Auth.SecretFile", () => {
  const h = resolveManagerHome({ home: "/h", env: {}, userHome: U, exists: none });
  const c = defaultManagerConfig();
  assert.equal(managerDbPath(h, c), "/h/manager.db");
  c.Common.DB.Badger.BaseDir = "badger";
  assert.equal(managerDbPath(h, c), "/h/badger/manager.db");
  c.Common.DB.SQLite.Path = "/data/state.db";
  assert.equal(managerDbPath(h, c), "/data/state.db");
  assert.equal(authSecretPath(h, c), "/h/auth.secret");
  c.Common.Auth.SecretFile = "keys/secret";
  assert.equal(authSecretPath(h, c), "/h/keys/secret");
});

test("managerAllowUpTo: read ⊂ write ⊂ admin", () => {
  assert.deepEqual(managerAllowUpTo("read"), ["read"]);
  assert.deepEqual(managerAllowUpTo("write"), ["read", "write"]);
  assert.deepEqual(managerAllowUpTo("admin"), ["read", "write", "admin"]);
  assert.throws(() => managerAllowUpTo("sign" as "admin"), /must be one of read, write, admin/);
});

test("daemon init writes both configs, a 0600 secret and an admin token, and refuses to overwrite", async (t) => {
  const dir = await tempDir(t);
  const h = resolveManagerHome({ home: join(dir, "home"), env: {} });
  const { written, token } = await initManagerHome(h);
  assert.deepEqual(written, [h.config, h.extProver, h.authSecret, h.token]);

  const cfg = await loadManagerConfig(h.config);
  assert.deepEqual(cfg, { config: defaultManagerConfig(), warnings: [] });
  assert.deepEqual((await loadExtProverConfig(h.extProver)).config, { WdPost: [], WinPost: [] });

  const secret = await readAuthSecret(h.authSecret);
  assert.equal(secret.length, 32);
  assert.equal((await stat(h.authSecret)).mode & 0o777, 0o600);
  assert.equal((await stat(h.token)).mode & 0o777, 0o600);
  assert.equal(await readFile(h.token, "utf8"), token);
  assert.deepEqual(await verifyToken(secret, token), ["read", "write", "admin"]);
  assert.equal(await readApiToken(h, {}), token);
  assert.equal(await readApiToken(h, { DAMOCLES_API_TOKEN: "from-env" }), "from-env");

  const before = await readFile(h.config, "utf8");
  await writeFile(h.config, before + "\n# edited\n");
  await assert.rejects(initManagerHome(h), /sector-manager\.cfg already exists/);
  assert.match(await readFile(h.config, "utf8"), /# edited/);
  assert.deepEqual(await readAuthSecret(h.authSecret), secret, "the secret is untouched");
});

test("daemon init with --conf-dir writes the configs there and keeps an existing secret", async (t) => {
  const dir = await tempDir(t);
  const home = join(dir, "home");
  await mkdir(home);
  const existing = new Uint8Array(32).fill(7);
  await writeFile(join(home, "auth.secret"), existing, { mode: 0o600 });
  const h = resolveManagerHome({ home, confDir: join(dir, "conf"), env: {} });
  const { written, token } = await initManagerHome(h);
  assert.deepEqual(written, [join(dir, "conf", "sector-manager.cfg"), join(dir, "conf", "ext-prover.cfg"), join(home, "token")]);
  assert.deepEqual(await verifyToken(existing, token), ["read", "write", "admin"]);
  await assert.rejects(readAuthSecret(join(dir, "missing")), /not found; run `damocles-manager daemon init`/);
});
