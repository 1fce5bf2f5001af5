import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { openSqliteManagerStore } from "../../../src/db/sqlite-manager-store.js";
import { createWorkerRegistry } from "../../../src/manager/modules/worker-registry.js";
import { RpcError } from "../../../src/rpc/errors.js";
import { tempDir } from "../../helpers/tmp.js";

const summary = { Threads: 4, Empty: 1, Paused: 0, Running: 2, Waiting: 1, Errors: 0 };

test("worker registry: ping upserts by name with LastPing in unix seconds; Name and Dest required (code 1); list, get, remove", async (t) => {
  const store = openSqliteManagerStore(join(await tempDir(t), "m.db"));
  t.after(() => store.close());
  let now = 1_700_000_000_500;
  const reg = createWorkerRegistry(store, () => now);
  await reg.ping({ Name: "w1", Dest: "10.0.0.1:17890", Version: "v1", Summary: summary });
  now += 60_000;
  await reg.ping({ Name: "w2", Dest: "10.0.0.2:17890", Version: "v1", Summary: summary });
  await reg.ping({ Name: "w1", Dest: "10.0.0.1:17891", Version: "v2", Summary: { ...summary, Errors: 1 } });
  assert.deepEqual(await reg.get("w1"), {
    Info: { Name: "w1", Dest: "10.0.0.1:17891", Version: "v2", Summary: { ...summary, Errors: 1 } },
    LastPing: 1_700_000_060,
  });
  assert.deepEqual((await reg.list()).map((p) => p.Info.Name).sort(), ["w1", "w2"]);
  for (const bad of [{ Name: "", Dest: "x:1" }, { Name: "w3", Dest: " " }])
    await assert.rejects(reg.ping({ ...bad, Version: "", Summary: summary }), (e: unknown) => e instanceof RpcError && e.code === 1);
  assert.equal(await reg.remove("w2"), true);
  assert.equal(await reg.get("w2"), null);
  assert.equal(await reg.remove("w2"), false);
});
