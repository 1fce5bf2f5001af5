// The manager server in process: the auth rule (Required, tokens, trusted networks, per-method levels),
// the metrics proxy and the network matching, without a chain.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { defineApi, method } from "../../src/api/define.js";
import { sealerApi } from "../../src/api/sealer.js";
import { createToken, randomSecret } from "../../src/rpc/auth.js";
import { implement } from "../../src/rpc/server.js";
import type { CommonConfig } from "../../src/manager/config/schema.js";
import { parseListen } from "../../src/manager/daemon.js";
import { createLogger } from "../../src/manager/logger.js";
import { createManagerMetrics } from "../../src/manager/metrics.js";
import { addressInNetworks, createManagerServer, networkList } from "../../src/manager/server.js";
import { rawCall } from "./manager-fixture.js";

const SID = { Miner: 1000, Number: 1 };

/** Every Venus method answers a fixed value; only the few called here matter. */
function fakeSealer(): Record<string, unknown> {
  const impl: Record<string, unknown> = {};
  for (const name of Object.keys(sealerApi.methods)) impl[name] = () => { throw new Error(`${name} not faked`); };
  impl["AllocateSector"] = () => ({ ID: SID, ProofType: 5 });
  impl["Version"] = () => "test";
  impl["SubmitPreCommit"] = () => ({ Res: 1, Desc: null });
  impl["RestoreSector"] = () => null;
  return impl;
}

async function serve(auth: CommonConfig["Auth"]) {
  const secret = randomSecret();
  const metrics = createManagerMetrics();
  const lines: string[] = [];
  const plugin = defineApi("Plugin", { Echo: method([z.string()], z.string(), "read") });
  const server = createManagerServer({
    apis: [implement(sealerApi, fakeSealer() as never), implement(plugin, { Echo: (s: string) => s })],
    auth: () => auth,
    secret: () => secret,
    pieceStores: () => [],
    marketBase: () => "http://market.example:41235",
    metrics,
    logger: createLogger({ write: (l) => void lines.push(l), level: "debug" }),
  });
  const { port } = await server.listen("127.0.0.1", 0);
  return { url: `http://127.0.0.1:${port}/rpc/v0`, base: `http://127.0.0.1:${port}`, secret, metrics, server, lines };
}

describe("manager server", () => {
  it("matches remote addresses against CIDR lists, IPv4-mapped IPv6 included", () => {
    const l = networkList(["10.0.0.0/8", "192.168.1.7", "fd00::/8"]);
    assert.equal(addressInNetworks(l, "10.2.3.4"), true);
    assert.equal(addressInNetworks(l, "::ffff:10.2.3.4"), true);
    assert.equal(addressInNetworks(l, "11.0.0.1"), false);
    assert.equal(addressInNetworks(l, "192.168.1.7"), true);
    assert.equal(addressInNetworks(l, "192.168.1.8"), false);
    assert.equal(addressInNetworks(l, "fd12::1"), true);
    assert.equal(addressInNetworks(l, "fe80::1"), false);
    assert.equal(addressInNetworks(l, "garbage"), false);
  });

  it("parses --listen forms", () => {
    assert.deepEqual(parseListen(":1789"), { host: "0.0.0.0", port: 1789 });
    assert.deepEqual(parseListen("127.0.0.1:2789"), { host: "127.0.0.1", port: 2789 });
    assert.deepEqual(parseListen("[::1]:1789"), { host: "::1", port: 1789 });
    assert.throws(() => parseListen("1789"), /--listen "1789": expected host:port/);
    assert.throws(() => parseListen(":99999"), /--listen/);
  });

  it("admits token-less trusted callers to the sealing-worker set only, with 401 for everything else", async () => {
    const s = await serve({ Required: true, SecretFile: undefined, TrustedWorkerNetworks: ["127.0.0.0/8"] });
    try {
      assert.deepEqual((await rawCall(s.url, "Venus.AllocateSector", [{ AllowedMiners: null, AllowedProofTypes: null }])).body["result"], { ID: SID, ProofType: 5 });
      for (const [m, p] of [["Venus.Version", []], ["Venus.RestoreSector", [SID, true]], ["Plugin.Echo", ["x"]]] as const) {
        const r = await rawCall(s.url, m, p);
        assert.equal(r.status, 401, m);
        assert.equal((r.body["error"] as { code: number }).code, 401, m);
      }
      const admin = await createToken(s.secret, ["read", "write", "admin"]);
      assert.equal((await rawCall(s.url, "Venus.RestoreSector", [SID, true], admin)).body["result"], null);
      assert.equal((await rawCall(s.url, "Plugin.Echo", ["x"], admin)).body["result"], "x");
      const text = (await s.metrics.render()).body;
      assert.match(text, /damocles_manager_auth_rejected_total\{reason="untrusted-method"\} 3/);
      assert.match(text, /damocles_manager_new_sector\{miner="1000"\} 1/);
      assert.match(text, /damocles_manager_api_request_duration_ms_count\{endpoint="RestoreSector"\} 1/);
      assert.match(text, /damocles_manager_api_state 1/);
    } finally {
      await s.server.close();
    }
    assert.match((await s.metrics.render()).body, /damocles_manager_api_state 0/);
  });

  it("without Auth.Required every token-less call is allowed; with it and no trusted network, none", async () => {
    const open = await serve({ Required: false, SecretFile: undefined, TrustedWorkerNetworks: [] });
    const closed = await serve({ Required: true, SecretFile: undefined, TrustedWorkerNetworks: ["10.0.0.0/8"] });
    try {
      assert.equal((await rawCall(open.url, "Venus.RestoreSector", [SID, true])).body["result"], null);
      const r = await rawCall(closed.url, "Venus.AllocateSector", [{ AllowedMiners: null, AllowedProofTypes: null }]);
      assert.equal(r.status, 401);
      assert.match((await closed.metrics.render()).body, /auth_rejected_total\{reason="untrusted-network"\} 1/);
      const write = await createToken(closed.secret, ["read", "write"]);
      const sub = await rawCall(closed.url, "Venus.SubmitPreCommit", [{ ID: SID, ProofType: 5 }, { CommR: Array(32).fill(1), CommD: Array(32).fill(2), Ticket: { Ticket: Buffer.alloc(32, 1).toString("base64"), Epoch: 1 } }, false], write);
      assert.deepEqual(sub.body["result"], { Res: 1, Desc: null });
      assert.match((await closed.metrics.render()).body, /damocles_manager_sector_pre_commit\{miner="1000"\} 1/);
    } finally {
      await open.server.close();
      await closed.server.close();
    }
  });

  it("redirects a /piecestore/ GET it cannot serve to the market's /resource", async () => {
    const s = await serve({ Required: false, SecretFile: undefined, TrustedWorkerNetworks: [] });
    try {
      const cid = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
      const r = await fetch(`${s.base}/piecestore/${cid}`, { redirect: "manual" });
      assert.equal(r.status, 302);
      assert.equal(r.headers.get("location"), `http://market.example:41235/resource?resource-id=${cid}`);
      assert.equal((await fetch(`${s.base}/piecestore/${cid}`, { method: "DELETE" })).status, 405);
    } finally {
      await s.server.close();
    }
  });

  it("logs JSON lines with the caller's fields", () => {
    const lines: string[] = [];
    const log = createLogger({ module: "x", write: (l) => void lines.push(l), now: () => new Date(0), level: "info" });
    log.child({ miner: 1000 }).info({ sector: 7, big: 5n, err: new Error("boom") }, "hello");
    log.debug({}, "dropped");
    assert.deepEqual(lines.map((l) => JSON.parse(l) as unknown), [
      { ts: "1970-01-01T00:00:00.000Z", level: "info", module: "x", miner: 1000, msg: "hello", sector: 7, big: "5", err: "boom" },
    ]);
  });
});
