import assert from "node:assert/strict";
import { test } from "node:test";
import { SignJWT, decodeProtectedHeader, decodeJwt } from "jose";
import { PERMS, permAllows } from "../../src/api/define.js";
import { AuthError, allowUpTo, createToken, randomSecret, tokenAuthenticator, verifyToken } from "../../src/rpc/auth.js";

test("allowUpTo lists every level up to its own, as Lotus issues tokens", () => {
  assert.deepEqual(allowUpTo("read"), ["read"]);
  assert.deepEqual(allowUpTo("write"), ["read", "write"]);
  assert.deepEqual(allowUpTo("sign"), ["read", "write", "sign"]);
  assert.deepEqual(allowUpTo("admin"), ["read", "write", "sign", "admin"]);
  assert.deepEqual(PERMS, ["read", "write", "sign", "admin"]);
  assert.throws(() => allowUpTo("root" as never), RangeError);
});

test("permAllows: a level implies the ones below it", () => {
  assert.ok(permAllows(["read"], "read"));
  assert.ok(!permAllows(["read"], "write"));
  assert.ok(permAllows(["admin"], "read"), "manager rule: admin implies read");
  assert.ok(permAllows(["read", "write", "sign"], "sign"));
  assert.ok(!permAllows(["read", "write", "sign"], "admin"));
  assert.ok(!permAllows([], "read"));
});

test("createToken / verifyToken: HS256 with the Allow claim", async () => {
  const secret = randomSecret();
  assert.equal(secret.length, 32);
  assert.notDeepEqual(secret, randomSecret());
  const token = await createToken(secret, allowUpTo("sign"));
  assert.deepEqual(decodeProtectedHeader(token), { alg: "HS256", typ: "JWT" });
  assert.deepEqual(decodeJwt(token), { Allow: ["read", "write", "sign"] });
  assert.deepEqual(await verifyToken(secret, token), ["read", "write", "sign"]);
  const exp = await createToken(secret, ["read"], { expiresInSeconds: 60 });
  const claims = decodeJwt(exp);
  assert.ok(typeof claims.exp === "number" && Math.abs(claims.exp - Date.now() / 1000 - 60) < 5);
  assert.deepEqual(await verifyToken(secret, exp), ["read"]);
  await assert.rejects(createToken(secret, ["root" as never]), RangeError);
});

test("verifyToken rejects bad signatures, expiry, other algorithms and bad claims", async () => {
  const secret = randomSecret();
  const bad = async (token: string, why: RegExp) => assert.rejects(verifyToken(secret, token), (e: unknown) => e instanceof AuthError && why.test((e as Error).message));
  await bad(await createToken(randomSecret(), ["admin"]), /signature/);
  await bad(await createToken(secret, ["admin"], { expiresInSeconds: -5 }), /exp/);
  await bad("not.a.jwt", /invalid token/);
  await bad("", /invalid token/);
  await bad(await new SignJWT({ Allow: ["admin"] }).setProtectedHeader({ alg: "HS512" }).sign(new Uint8Array(64)), /invalid token/);
  await bad(await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).sign(secret), /Allow/);
  await bad(await new SignJWT({ Allow: "admin" }).setProtectedHeader({ alg: "HS256" }).sign(secret), /Allow/);
  await bad(await new SignJWT({ Allow: [1] }).setProtectedHeader({ alg: "HS256" }).sign(secret), /Allow/);
  // Unknown permission strings (other Venus components add some) are ignored, known ones kept.
  const mixed = await new SignJWT({ Allow: ["read", "sealer", "admin"], name: "x" }).setProtectedHeader({ alg: "HS256" }).sign(secret);
  assert.deepEqual(await verifyToken(secret, mixed), ["read", "admin"]);
});

test("tokenAuthenticator: null for no token or a bad one", async () => {
  const secret = randomSecret();
  const auth = tokenAuthenticator(secret);
  const req = { remoteAddress: "127.0.0.1", path: "/rpc/v1" };
  assert.equal(await auth({ ...req, token: null }), null);
  assert.equal(await auth({ ...req, token: "x" }), null);
  assert.deepEqual(await auth({ ...req, token: await createToken(secret, allowUpTo("write")) }), ["read", "write"]);
});
