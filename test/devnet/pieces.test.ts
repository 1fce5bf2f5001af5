// The piece store and GET /resource: exact imported bytes behind a read token.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { PieceStore, resourceHandler } from "../../src/devnet/pieces.js";
import { createToken, randomSecret, verifyToken } from "../../src/rpc/auth.js";
import { tempDir } from "../helpers/tmp.js";
import { loadVector } from "../helpers/vectors.js";

const V2 = loadVector("commp.json").piece_cid_v2;
const TEXT = "i am the biggest cat, what do you think about that";

test("import: CommP of the file names the piece; the stored file is the exact bytes", async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, "payload.txt");
  await writeFile(file, TEXT);
  assert.equal(V2.payload_size, TEXT.length);
  const store = new PieceStore(join(dir, "pieces"));
  const p = await store.importFile(file);
  assert.deepEqual(p, { pieceCid: V2.piece_cid_v1, pieceSize: 128, payloadSize: 50 });
  assert.equal(await readFile(join(dir, "pieces", V2.piece_cid_v1), "utf8"), TEXT);
  assert.equal(await store.size(V2.piece_cid_v1), 50);
  assert.equal(await store.size("baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq"), null);
  assert.equal(await store.size("../../etc/passwd"), null);
  await writeFile(join(dir, "empty"), "");
  await assert.rejects(store.importFile(join(dir, "empty")), /empty/);
  await assert.rejects(store.importFile(join(dir, "missing")), /no such file/);
});

test("GET /resource: 200 exact bytes with a read token, 401, 404, 405", async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, "payload.bin");
  const bytes = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
  await writeFile(file, bytes);
  const store = new PieceStore(join(dir, "pieces"));
  const { pieceCid } = await store.importFile(file);
  const secret = randomSecret();
  const check = async (token: string | null) => (token === null ? null : verifyToken(secret, token).catch(() => null));
  const server = createServer((req, res) => void resourceHandler(store, check)(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/resource`;
  const read = await createToken(secret, ["read"]);
  const auth = { Authorization: `Bearer ${read}` };

  const ok = await fetch(`${base}?resource-id=${pieceCid}`, { headers: { ...auth, "X-VENUS-API-NAMESPACE": "v1.IMarket" } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("content-type"), "application/octet-stream");
  assert.deepEqual(new Uint8Array(await ok.arrayBuffer()), bytes);

  assert.equal((await fetch(`${base}?resource-id=${pieceCid}`)).status, 401);
  const other = await createToken(randomSecret(), ["read"]);
  assert.equal((await fetch(`${base}?resource-id=${pieceCid}`, { headers: { Authorization: `Bearer ${other}` } })).status, 401);
  assert.equal((await fetch(`${base}?resource-id=${V2.piece_cid_v1}`, { headers: auth })).status, 404);
  assert.equal((await fetch(`${base}?resource-id=not-a-cid`, { headers: auth })).status, 404);
  assert.equal((await fetch(`${base}`, { headers: auth })).status, 404);
  assert.equal((await fetch(`${base}?resource-id=${pieceCid}`, { method: "POST", headers: auth })).status, 405);
  assert.equal((await fetch(`${base}?resource-id=${pieceCid}`, { method: "PUT", headers: auth, body: "x" })).status, 405);
});
