import assert from "node:assert/strict";
import { test } from "node:test";
import { CID } from "multiformats/cid";
import { BitField } from "../../src/filecoin/bitfield.js";
import { rpcClient } from "../../src/rpc/client.js";
import { RpcError } from "../../src/rpc/errors.js";
import { call, post, rawSocket, startServer } from "./fixture.js";
import { testApi, waitFor } from "./test-api.js";

const PIECE = "baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq";
const COMMR = Array.from({ length: 32 }, (_, i) => i);

test("typed client over HTTP and WebSocket round-trips every codec", async (t) => {
  const f = await startServer(t);
  for (const url of [`${f.http}/rpc/v1`, `${f.ws}/rpc/v1`]) {
    const c = rpcClient(testApi, { url, token: f.tokens.write });
    t.after(() => c.close());
    assert.equal(await c.Echo("héllo"), "héllo");
    assert.equal(await c.Nothing(), null);
    assert.deepEqual(await c.Bytes(new Uint8Array([1, 2, 3])), new Uint8Array([3, 2, 1]));
    assert.equal(await c.Add(2n ** 200n, -1n), 2n ** 200n - 1n);
    const cid = CID.parse(PIECE);
    const out = await c.Sectors([{ Number: 9, SealedCID: cid, CommR: Uint8Array.from(COMMR) }]);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.Number, 10);
    assert.ok(out[0]!.SealedCID.equals(cid));
    assert.deepEqual(out[0]!.CommR, Uint8Array.from(COMMR));
    assert.deepEqual([...(await c.Bits(BitField.fromSet([0, 1, 7])))], [1, 2, 8]);
    assert.deepEqual(await c.AtHeight(12, [cid]), { Height: 12, Key: [cid] });
    assert.deepEqual(await c.AtHeight(12, undefined as never), { Height: 12, Key: [] }, "omitted optional tail");
    assert.equal(await c.SignOnly().catch((e: RpcError) => e.code), 1, "a write token cannot call a sign method");
  }
});

test("wire shapes: result always present, optional tail omitted or null", async (t) => {
  const f = await startServer(t);
  const url = `${f.http}/rpc/v1`;
  const r = await call(url, "Test.Nothing", [], f.tokens.read);
  assert.equal(r.status, 200);
  assert.equal(r.text, '{"jsonrpc":"2.0","result":null,"id":7}');
  assert.deepEqual((await call(url, "Test.Nothing", null, f.tokens.read, "abc")).json, { jsonrpc: "2.0", result: null, id: "abc" });
  assert.deepEqual((await call(url, "Test.AtHeight", [5], f.tokens.read)).json.result, { Height: 5, Key: [] });
  assert.deepEqual((await call(url, "Test.AtHeight", [5, null], f.tokens.read)).json.result, { Height: 5, Key: [] });
  assert.deepEqual((await call(url, "Test.AtHeight", [5, [{ "/": PIECE }]], f.tokens.read)).json.result, {
    Height: 5,
    Key: [{ "/": PIECE }],
  });
  assert.deepEqual((await call(url, "Test.Bits", [[0]], f.tokens.read)).json.result, [0], "empty bitfield is [0]");
  assert.equal((await call(url, "Test.Bytes", ["AAE="], f.tokens.read)).json.result, "AQA=");
  const unknownFields = await post(url, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "Test.Echo", params: ["x"], meta: { a: 1 } }), f.tokens.read);
  assert.deepEqual(unknownFields.json, { jsonrpc: "2.0", result: "x", id: 1 });
  // The namespace selects the API, and a path serves only its own namespaces.
  assert.equal((await call(`${f.http}/rpc/v0`, "Other.Ping", [], f.tokens.read)).json.result, "pong");
  const wrongPath = await call(`${f.http}/rpc/v0`, "Test.Echo", ["x"], f.tokens.read);
  assert.equal(wrongPath.json.error.code, -32601);
  // Extra HTTP routes need no token.
  const health = await fetch(`${f.http}/healthcheck`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), "ok");
});

test("protocol errors: -32700, -32600, -32601, -32602 with HTTP 500 and a JSON-RPC body", async (t) => {
  const f = await startServer(t);
  const url = `${f.http}/rpc/v1`;
  const tok = f.tokens.admin;
  const expectError = async (p: Promise<{ status: number; json: { id: unknown; error: { code: number; message: string } } }>, code: number, status: number, msg?: RegExp, id: unknown = null) => {
    const r = await p;
    assert.equal(r.status, status);
    assert.equal(r.json.error.code, code);
    assert.deepEqual(r.json.id, id);
    assert.equal(Object.hasOwn(r.json, "result"), false);
    if (msg) assert.match(r.json.error.message, msg);
  };
  await expectError(post(url, "{not json", tok), -32700, 500, /parse error/);
  await expectError(post(url, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), tok), -32700, 500, /parse error/);
  await expectError(post(url, "", tok), -32700, 500);
  await expectError(post(url, JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "Test.Echo", params: ["a"] }]), tok), -32600, 500, /batch/);
  await expectError(post(url, "5", tok), -32600, 500);
  await expectError(post(url, JSON.stringify({ jsonrpc: "2.0", id: 3, params: [] }), tok), -32600, 500, /method/, 3);
  await expectError(post(url, JSON.stringify({ jsonrpc: "2.0", id: { a: 1 }, method: "Test.Echo" }), tok), -32600, 500, /id/);
  await expectError(call(url, "Test.Nope", [], tok), -32601, 500, /method 'Test.Nope' not found/, 7);
  await expectError(call(url, "Test.Count", [1, 2], tok), -32601, 500, /WebSocket/, 7);
  await expectError(call(url, "Test.Echo", { a: "x" }, tok), -32602, 500, /positional/, 7);
  await expectError(call(url, "Test.Echo", "x", tok), -32602, 500, /positional/, 7);
  await expectError(call(url, "Test.Echo", ["a", "b"], tok), -32602, 500, /wrong param count: got 2, expected 1/, 7);
  await expectError(call(url, "Test.Add", ["1"], tok), -32602, 500, /wrong param count: got 1, expected 2/, 7);
  await expectError(call(url, "Test.AtHeight", [], tok), -32602, 500, /expected 1 to 2/, 7);
  await expectError(call(url, "Test.Add", ["1", 2], tok), -32602, 500, /^params\[1\]: expected a decimal integer string$/, 7);
  await expectError(
    call(url, "Test.Sectors", [[{ Number: 1, SealedCID: { "/": PIECE }, CommR: COMMR }, { Number: 1, SealedCID: "x", CommR: COMMR }]], tok),
    -32602,
    500,
    /^params\[0\]\[1\]\.SealedCID: expected \{"\/": cid\}$/,
    7,
  );
  await expectError(call(url, "Test.Sectors", [[{ Number: 2 ** 53, SealedCID: { "/": PIECE }, CommR: COMMR }]], tok), -32602, 500, /^params\[0\]\[0\]\.Number: /, 7);
  await expectError(call(url, "Test.Sectors", [[{ Number: 1, SealedCID: { "/": PIECE }, CommR: COMMR.slice(1) }]], tok), -32602, 500, /^params\[0\]\[0\]\.CommR: expected exactly 32 bytes/, 7);
  await expectError(call(url, "Test.Bytes", ["AQ"], tok), -32602, 500, /^params\[0\]: expected standard base64/, 7);
  // GET on an rpc path, and an unknown path.
  const get = await fetch(url, { headers: { Authorization: `Bearer ${tok}` } });
  assert.equal(get.status, 405);
  assert.equal(((await get.json()) as { error: { code: number } }).error.code, -32600);
  const nowhere = await call(`${f.http}/rpc/v9`, "Test.Echo", ["x"], tok);
  assert.equal(nowhere.status, 404);
  assert.equal(nowhere.json.error.code, -32600);
});

test("auth: 401 for missing, bad, foreign and expired tokens, echoing the id", async (t) => {
  const f = await startServer(t);
  const url = `${f.http}/rpc/v1`;
  for (const token of [undefined, "garbage", f.tokens.foreign, f.tokens.expired, ""]) {
    const r = await call(url, "Test.Echo", ["x"], token, 42);
    assert.equal(r.status, 401, `token ${token}`);
    assert.equal(r.json.jsonrpc, "2.0");
    assert.equal(r.json.id, 42);
    assert.equal(r.json.error.code, 401);
  }
  const unparsable = await post(url, "{{", undefined);
  assert.equal(unparsable.status, 401);
  assert.equal(unparsable.json.id, null);
  // A Bearer in any case works; the query parameter is for WebSocket upgrades only.
  const lower = await fetch(url, {
    method: "POST",
    headers: { authorization: `bearer ${f.tokens.read}` },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "Test.Echo", params: ["y"] }),
  });
  assert.equal(((await lower.json()) as { result: string }).result, "y");
  assert.equal((await call(`${url}?token=${f.tokens.read}`, "Test.Echo", ["x"])).status, 401);
});

test("auth: permission below the method's level gets code 1 with Lotus's text, HTTP 200", async (t) => {
  const f = await startServer(t);
  const url = `${f.http}/rpc/v1`;
  const r = await call(url, "Test.AdminOnly", [], f.tokens.read);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { jsonrpc: "2.0", id: 7, error: { code: 1, message: "missing permission to invoke 'AdminOnly' (need 'admin')" } });
  assert.equal((await call(url, "Test.Add", ["1", "2"], f.tokens.read)).json.error.message, "missing permission to invoke 'Add' (need 'write')");
  assert.equal((await call(url, "Test.Add", ["1", "2"], f.tokens.write)).json.result, "3");
  assert.equal((await call(url, "Test.SignOnly", [], f.tokens.sign)).json.result, "sign ok over http");
  assert.equal((await call(url, "Test.AdminOnly", [], f.tokens.sign)).json.error.code, 1);
  assert.equal((await call(url, "Test.AdminOnly", [], f.tokens.admin)).json.result, "admin ok");
});

test("permissionFor overrides a method's level", async (t) => {
  const f = await startServer(t, { permissionFor: (ns, m) => (ns === "Test" && m === "Echo" ? "admin" : "read") });
  const url = `${f.http}/rpc/v1`;
  assert.equal((await call(url, "Test.Echo", ["x"], f.tokens.write)).json.error.message, "missing permission to invoke 'Echo' (need 'admin')");
  assert.equal((await call(url, "Test.AdminOnly", [], f.tokens.read)).json.result, "admin ok");
});

test("method errors: code 1, RpcError passthrough, -32603 for a result that does not encode", async (t) => {
  const f = await startServer(t);
  const url = `${f.http}/rpc/v1`;
  const tok = f.tokens.read;
  const fail = await call(url, "Test.Fail", ["boom"], tok);
  assert.equal(fail.status, 200);
  assert.deepEqual(fail.json, { jsonrpc: "2.0", id: 7, error: { code: 1, message: "boom" } });
  const coded = await call(url, "Test.FailCoded", [11001, "error code 11001: sector state not found"], tok);
  assert.equal(coded.status, 200);
  assert.deepEqual(coded.json.error, { code: 11001, message: "error code 11001: sector state not found", data: { detail: "x" } });
  const bad = await call(url, "Test.BadResult", [], tok);
  assert.equal(bad.status, 500);
  assert.equal(bad.json.error.code, -32603);
  assert.ok(f.logged.some((l) => l.startsWith("error: method result does not match")), f.logged.join("\n"));
  // The typed client surfaces the codes.
  const c = rpcClient(testApi, { url, token: tok });
  await assert.rejects(c.Fail("nope"), (e: unknown) => e instanceof RpcError && e.code === 1 && e.message === "nope");
  await assert.rejects(c.FailCoded(11001, "gone"), (e: unknown) => e instanceof RpcError && e.code === 11001 && (e.data as { detail: string }).detail === "x");
  await assert.rejects(c.AdminOnly(), (e: unknown) => e instanceof RpcError && e.code === 1 && /need 'admin'/.test(e.message));
  await assert.rejects(c.Count(1, 1), (e: unknown) => e instanceof RpcError && e.code === -32601);
  await assert.rejects(c.Echo(5 as never), TypeError, "the client refuses to encode a bad param");
});

test("a body over maxBodyBytes is refused with -32700", async (t) => {
  const f = await startServer(t, { maxBodyBytes: 1024 });
  const url = `${f.http}/rpc/v1`;
  const r = await call(url, "Test.Echo", ["x".repeat(2000)], f.tokens.read);
  assert.equal(r.status, 500);
  assert.equal(r.json.error.code, -32700);
  assert.match(r.json.error.message, /larger than 1024 bytes/);
  assert.equal((await call(url, "Test.Echo", ["x".repeat(900)], f.tokens.read)).json.result, "x".repeat(900));
  // A body far over the limit, streamed without a length, still gets the JSON-RPC refusal.
  const chunks = (async function* () {
    yield Buffer.from('{"jsonrpc":"2.0","id":1,"method":"Test.Echo","params":["');
    for (let i = 0; i < 64; i++) yield Buffer.alloc(64 * 1024, 0x78);
    yield Buffer.from('"]}');
  })();
  const res = await fetch(url, {
    method: "POST",
    headers: { Authorization: `Bearer ${f.tokens.read}` },
    body: chunks as unknown as string,
    duplex: "half",
  } as RequestInit);
  assert.equal(res.status, 500);
  assert.equal(((await res.json()) as { error: { code: number } }).error.code, -32700);
  assert.ok(f.logged.includes("warn: request body too large"));
});

test("WebSocket: auth at upgrade by header or ?token=, framing as go-jsonrpc", async (t) => {
  const f = await startServer(t);
  await assert.rejects(rawSocket(`${f.ws}/rpc/v1`), /401/);
  await assert.rejects(rawSocket(`${f.ws}/rpc/v1`, f.tokens.expired), /401/);
  await assert.rejects(rawSocket(`${f.ws}/rpc/v9`, f.tokens.read), /404/);
  const q = await rawSocket(`${f.ws}/rpc/v1?token=${encodeURIComponent(f.tokens.sign)}`);
  t.after(() => q.close());
  q.send({ jsonrpc: "2.0", id: 1, method: "Test.SignOnly", params: [] });
  assert.deepEqual(await q.next(), { jsonrpc: "2.0", result: "sign ok over ws", id: 1 });
  q.send({ jsonrpc: "2.0", id: 2, method: "Test.AdminOnly", params: [] });
  assert.deepEqual(await q.next(), { jsonrpc: "2.0", id: 2, error: { code: 1, message: "missing permission to invoke 'AdminOnly' (need 'admin')" } });
  q.send("{bad");
  assert.equal((await q.next()).error.code, -32700);
  q.send([{ jsonrpc: "2.0", id: 3, method: "Test.Echo", params: ["a"] }]);
  assert.equal((await q.next()).error.code, -32600);
  // A notification gets no reply; the next request's reply comes first.
  q.send({ jsonrpc: "2.0", method: "Test.Echo", params: ["n"] });
  q.send({ jsonrpc: "2.0", id: 4, method: "Test.Echo", params: ["after"] });
  assert.deepEqual(await q.next(), { jsonrpc: "2.0", result: "after", id: 4 });

  const s = await rawSocket(`${f.ws}/rpc/v1`, f.tokens.read);
  t.after(() => s.close());
  s.send({ jsonrpc: "2.0", id: 10, method: "Test.Count", params: [3, 2] });
  const first = await s.next();
  assert.equal(first.id, 10);
  assert.ok(Number.isInteger(first.result), "the result is an integer channel id");
  const ch = first.result;
  assert.deepEqual(await s.next(), { jsonrpc: "2.0", method: "xrpc.ch.val", params: [ch, { N: 3 }] });
  assert.deepEqual(await s.next(), { jsonrpc: "2.0", method: "xrpc.ch.val", params: [ch, { N: 4 }] });
  assert.deepEqual(await s.next(), { jsonrpc: "2.0", method: "xrpc.ch.close", params: [ch] });
  await waitFor(() => f.probe.channelEnded.includes("Count(3,2)"), "generator cleanup");
});

test("WebSocket: xrpc.cancel aborts a pending call and stops a channel", async (t) => {
  const f = await startServer(t);
  const s = await rawSocket(`${f.ws}/rpc/v1`, f.tokens.read);
  t.after(() => s.close());
  s.send({ jsonrpc: "2.0", id: 1, method: "Test.Sleep", params: [60_000] });
  await new Promise((r) => setTimeout(r, 30));
  s.send({ jsonrpc: "2.0", method: "xrpc.cancel", params: [1] });
  assert.deepEqual(await s.next(), { jsonrpc: "2.0", result: false, id: 1 }, "the handler saw its signal abort");
  assert.deepEqual(f.probe.aborted, ["Sleep(60000)"]);

  s.send({ jsonrpc: "2.0", id: 2, method: "Test.Count", params: [0, 0] });
  const ch = (await s.next()).result;
  assert.equal((await s.next()).method, "xrpc.ch.val");
  s.send({ jsonrpc: "2.0", method: "xrpc.cancel", params: [2] });
  for (let i = 0; ; i++) {
    const m = await s.next();
    if (m.method === "xrpc.ch.close") {
      assert.deepEqual(m.params, [ch]);
      break;
    }
    assert.ok(i < 5, "the channel stops soon after the cancel");
  }
  await waitFor(() => f.probe.channelEnded.includes("Count(0,0)"), "generator cleanup after cancel");
});

test("WebSocket: closing the socket ends channels and aborts calls", async (t) => {
  const f = await startServer(t);
  const s = await rawSocket(`${f.ws}/rpc/v1`, f.tokens.read);
  s.send({ jsonrpc: "2.0", id: 1, method: "Test.Count", params: [100, 0] });
  s.send({ jsonrpc: "2.0", id: 2, method: "Test.Sleep", params: [60_000] });
  s.send({ jsonrpc: "2.0", id: 3, method: "Test.Count", params: [1000, 0] });
  for (let i = 0; i < 6; i++) await s.next();
  await s.close();
  await waitFor(() => f.probe.channelEnded.includes("Count(100,0)"), "channel end on socket close");
  await waitFor(() => f.probe.channelEnded.includes("Count(1000,0)"), "iterator.return() of a source that ignores the signal");
  await waitFor(() => f.probe.aborted.includes("Sleep(60000)"), "call abort on socket close");
});

test("typed client channels: values, early return, server close ends the iterable", async (t) => {
  const f = await startServer(t);
  const c = rpcClient(testApi, { url: `${f.ws}/rpc/v1`, token: f.tokens.read });
  t.after(() => c.close());
  const got: number[] = [];
  for await (const v of await c.Count(7, 4)) got.push(v.N);
  assert.deepEqual(got, [7, 8, 9, 10]);

  const endless = await c.Count(1, 0);
  const seen: number[] = [];
  for await (const v of endless) {
    seen.push(v.N);
    if (seen.length === 3) break; // return() sends xrpc.cancel
  }
  assert.deepEqual(seen, [1, 2, 3]);
  await waitFor(() => f.probe.channelEnded.includes("Count(1,0)"), "server generator ended by client return()");
  assert.equal(await c.Echo("still fine"), "still fine");

  const open = await c.Count(50, 0);
  const it = open[Symbol.asyncIterator]();
  assert.deepEqual(await it.next(), { value: { N: 50 }, done: false });
  await f.server.close();
  let n = 0;
  while (!(await it.next()).done) assert.ok(++n < 1000);
  await waitFor(() => f.probe.channelEnded.includes("Count(50,0)"), "server generator ended by close()");
});

test("robustness: hostile input never crashes the server", async (t) => {
  const f = await startServer(t);
  const url = `${f.http}/rpc/v1`;
  const tok = f.tokens.admin;
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const weird: unknown[] = [null, true, -1, 1.5, 2 ** 53, -(2 ** 60), "x", "", {}, [], { "/": 5 }, { "/": "bafy" }, [1, -2], "AQ", [[[]]], { __proto__: 1 }];
  const bodies: (string | Uint8Array)[] = [
    "1e99999",
    '{"jsonrpc":"2.0","id":1e400,"method":"Test.Echo","params":["a"]}',
    '{"jsonrpc":"2.0","id":1,"method":"Test.Add","params":["1","' + "9".repeat(5000) + '"]}',
    "[".repeat(100_000) + "]".repeat(100_000),
    '{"jsonrpc":"2.0","id":1,"method":"Test.Echo","params":[' + "[".repeat(50_000) + "]".repeat(50_000) + "]}",
    '{"jsonrpc":"2.0","id":1,"method":"Test.Echo","params":["\\ud800"]}',
    Buffer.from([0xc3, 0x28, 0x22]),
    '{"__proto__":{"method":"Test.Echo"},"id":1}',
    '{"jsonrpc":"2.0","id":1,"method":"' + "M".repeat(10_000) + '"}',
    "null",
    '"str"',
  ];
  for (let i = 0; i < 60; i++) bodies.push(Uint8Array.from({ length: 1 + rand(64) }, () => rand(256)));
  for (const [name, def] of Object.entries(testApi.methods)) {
    for (let pos = 0; pos < Math.max(1, def.params.length); pos++) {
      for (const w of weird) {
        const params: unknown[] = def.params.map(() => weird[rand(weird.length)]);
        params[pos] = w;
        bodies.push(JSON.stringify({ jsonrpc: "2.0", id: rand(1000), method: `Test.${name}`, params }));
      }
    }
  }
  let answered = 0;
  for (const b of bodies) {
    const r = await post(url, b, tok);
    assert.ok(r.json && r.json.jsonrpc === "2.0", `a JSON-RPC body for ${String(b).slice(0, 80)}: ${r.text.slice(0, 200)}`);
    assert.ok([200, 500].includes(r.status), `status ${r.status}`);
    answered++;
  }
  assert.equal(answered, bodies.length);
  // The same over one WebSocket (invalid UTF-8 closes it: open a fresh one when that happens).
  let s = await rawSocket(`${f.ws}/rpc/v1`, tok);
  for (const b of bodies.slice(0, 200)) {
    if (s.ws.readyState !== s.ws.OPEN) s = await rawSocket(`${f.ws}/rpc/v1`, tok);
    s.ws.send(b);
  }
  await s.close();
  assert.equal((await call(url, "Test.Echo", ["alive"], tok)).json.result, "alive");
  assert.deepEqual(
    f.logged.filter((l) => l.startsWith("error")),
    [],
    "hostile input is answered, not logged as a server failure",
  );
  const c = rpcClient(testApi, { url: `${f.ws}/rpc/v1`, token: tok });
  t.after(() => c.close());
  assert.equal(await c.Echo("alive over ws"), "alive over ws");
});
