import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { defineApi, method } from "../../src/api/define.js";
import { rpcCall, rpcClient } from "../../src/rpc/client.js";
import { RpcError, TransportError } from "../../src/rpc/errors.js";
import { startServer } from "./fixture.js";
import { testApi, waitFor } from "./test-api.js";

const isTransport = (kind: string) => (e: unknown) => e instanceof TransportError && e.kind === kind;

test("rpcCall: raw JSON over HTTP and WebSocket, RpcError for error replies", async (t) => {
  const f = await startServer(t);
  for (const base of [f.http, f.ws]) {
    assert.equal(await rpcCall(`${base}/rpc/v1`, "Test.Add", ["40", "2"], { token: f.tokens.write }), "42");
    await assert.rejects(rpcCall(`${base}/rpc/v1`, "Test.Nope", [], { token: f.tokens.write }), (e: unknown) => e instanceof RpcError && e.code === -32601);
  }
  await assert.rejects(rpcCall(`${f.http}/rpc/v1`, "Test.Echo", ["x"]), (e: unknown) => e instanceof RpcError && e.code === 401);
  await assert.rejects(rpcCall(`${f.ws}/rpc/v1`, "Test.Echo", ["x"]), (e: unknown) => e instanceof RpcError && e.code === 401);
  assert.throws(() => rpcClient(testApi, { url: "ftp://x/rpc/v1" }), RangeError);
  assert.throws(() => rpcClient(testApi, { url: "not a url" }), RangeError);
});

test("a result that does not match the client's schema is a bad-response TransportError", async (t) => {
  const f = await startServer(t);
  const skewed = defineApi("Test", { Echo: method([z.string()], z.int(), "read") });
  for (const base of [f.http, f.ws]) {
    const c = rpcClient(skewed, { url: `${base}/rpc/v1`, token: f.tokens.read });
    t.after(() => c.close());
    await assert.rejects(c.Echo("x"), (e: unknown) => isTransport("bad-response")(e) && /result: /.test((e as Error).message));
  }
});

test("network failures and timeouts are TransportErrors", async (t) => {
  const f = await startServer(t);
  const port = f.port;
  const slowHttp = rpcClient(testApi, { url: `${f.http}/rpc/v1`, token: f.tokens.read, timeoutMs: 50 });
  await assert.rejects(slowHttp.Sleep(5000), isTransport("timeout"));
  await waitFor(() => f.probe.aborted.includes("Sleep(5000)"), "server aborts the call when the HTTP client goes away");

  const slowWs = rpcClient(testApi, { url: `${f.ws}/rpc/v1`, token: f.tokens.read, timeoutMs: 50 });
  t.after(() => slowWs.close());
  await assert.rejects(slowWs.Sleep(4000), isTransport("timeout"));
  await waitFor(() => f.probe.aborted.includes("Sleep(4000)"), "xrpc.cancel sent on timeout");
  assert.equal(await slowWs.Echo("after timeout"), "after timeout");

  await f.server.close();
  const dead = rpcClient(testApi, { url: `http://127.0.0.1:${port}/rpc/v1` });
  await assert.rejects(dead.Echo("x"), isTransport("network"));
  const deadWs = rpcClient(testApi, { url: `ws://127.0.0.1:${port}/rpc/v1`, reconnect: { minMs: 10, maxMs: 20 } });
  t.after(() => deadWs.close());
  await assert.rejects(deadWs.Echo("x"), isTransport("network"));
});

test("WebSocket: a dropped socket fails pending calls and ends channels; the client reconnects to a restarted server", async (t) => {
  const f = await startServer(t);
  const c = rpcClient(testApi, { url: `${f.ws}/rpc/v1`, token: f.tokens.read, reconnect: { minMs: 10, maxMs: 50 } });
  t.after(() => c.close());
  assert.equal(await c.Echo("one"), "one");
  const pending = assert.rejects(c.Sleep(60_000), isTransport("closed"));
  const channel = await c.Count(1, 0);
  const it = channel[Symbol.asyncIterator]();
  await it.next();
  await f.server.close();
  await pending;
  let n = 0;
  while (!(await it.next()).done) assert.ok(++n < 1000);
  // While the server is down calls fail fast with a transport error, so callers can retry.
  await assert.rejects(c.Echo("down"), isTransport("network"));
  // Restart with the same secret-independent fixture on the same port; tokens differ, so use a fresh client token.
  const g = await startServer(t, {}, f.port);
  const c2 = rpcClient(testApi, { url: `${g.ws}/rpc/v1`, token: g.tokens.read, reconnect: { minMs: 10, maxMs: 50 } });
  t.after(() => c2.close());
  assert.equal(await c2.Echo("two"), "two");
  // The original client reconnects too; its old token is refused by the new secret (401), which proves a new connection.
  let last: unknown;
  const end = Date.now() + 3000;
  while (Date.now() < end) {
    try {
      await c.Echo("again");
      break;
    } catch (e) {
      last = e;
      if (e instanceof RpcError) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  assert.ok(last instanceof RpcError && last.code === 401, String(last));
});

test("WebSocket: the same client reconnects to a server restarted with the same secret", async (t) => {
  const { createRpcServer, implement } = await import("../../src/rpc/server.js");
  const { createToken, allowUpTo, randomSecret, tokenAuthenticator } = await import("../../src/rpc/auth.js");
  const { newProbe, testImpl } = await import("./test-api.js");
  const secret = randomSecret();
  const make = () =>
    createRpcServer({ routes: [{ path: "/rpc/v1", apis: [implement(testApi, testImpl(newProbe()))] }], authenticate: tokenAuthenticator(secret) });
  const s1 = make();
  const { port } = await s1.listen("127.0.0.1", 0);
  const c = rpcClient(testApi, { url: `ws://127.0.0.1:${port}/rpc/v1`, token: await createToken(secret, allowUpTo("read")), reconnect: { minMs: 10, maxMs: 40 } });
  t.after(() => c.close());
  assert.equal(await c.Echo("before"), "before");
  await s1.close();
  await assert.rejects(c.Echo("gap"), TransportError);
  const s2 = make();
  await s2.listen("127.0.0.1", port);
  t.after(() => s2.close());
  let answer: string | undefined;
  const end = Date.now() + 3000;
  while (answer === undefined && Date.now() < end) {
    answer = await c.Echo("after").catch(async (e: unknown) => {
      assert.ok(e instanceof TransportError, String(e));
      await new Promise((r) => setTimeout(r, 20));
      return undefined;
    });
  }
  assert.equal(answer, "after");
});

test("close(): pending calls and later calls reject; channels end", async (t) => {
  const f = await startServer(t);
  const c = rpcClient(testApi, { url: `${f.ws}/rpc/v1`, token: f.tokens.read });
  const pending = assert.rejects(c.Sleep(60_000), isTransport("closed"));
  const ch = await c.Count(5, 0);
  await c.close();
  await pending;
  const it = ch[Symbol.asyncIterator]();
  let n = 0;
  while (!(await it.next()).done) assert.ok(++n < 1000);
  await assert.rejects(c.Echo("x"), isTransport("closed"));
  await waitFor(() => f.probe.aborted.includes("Sleep(60000)"), "server sees the socket close");
});
