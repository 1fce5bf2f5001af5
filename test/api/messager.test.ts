import { test } from "node:test";
import assert from "node:assert/strict";
import { CID } from "multiformats/cid";
import { z } from "zod";
import { decodeParams, decodeResult, type MethodDef } from "../../src/api/define.js";
import { MessageState, messagerApi, MessagerMessage, SendSpec } from "../../src/api/messager.js";

const m = messagerApi.methods;
const UNSIGNED_CID = "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4";
const SIGNED_CID = "bafy2bzacebp3shtrn43k7g3unredz7fxn4gj533d3o43tqn2p2ipxxhrvchve";
const TS1 = "bafy2bzacedo7hjsumaajt6sbor42qycvjyk6goqe4oi4o4ddsjxkdeqrqf42c";
const UID = "5f2c9d1e-8b4a-4c3e-9a7d-1e2f3a4b5c6d";

function roundTrip<S extends z.ZodType>(schema: S, json: unknown): z.output<S> {
  const value = z.decode(schema, json as never);
  assert.equal(JSON.stringify(z.encode(schema, value)), JSON.stringify(json));
  return value;
}

const UNSIGNED = {
  Version: 0,
  To: "t01000",
  From: "t0101",
  Nonce: 4,
  Value: "0",
  GasLimit: 1250000,
  GasFeeCap: "100000",
  GasPremium: "1000",
  Method: 34,
  Params: "hoA=",
};

const ON_CHAIN = {
  ID: UID,
  UnsignedCid: { "/": UNSIGNED_CID },
  SignedCid: { "/": SIGNED_CID },
  ...UNSIGNED,
  Signature: { Type: 1, Data: Buffer.alloc(65, 3).toString("base64") },
  Height: 130,
  Confidence: 6,
  Receipt: { ExitCode: 0, Return: "ggEA", GasUsed: 1000000, EventsRoot: null },
  TipSetKey: [{ "/": TS1 }],
  Meta: { expireEpoch: 0, gasOverEstimation: 1.25, maxFee: "0", gasOverPremium: 0 },
  WalletName: "",
  State: 3,
  ErrorMsg: "",
  CreatedAt: "2026-11-30T00:10:00.123456789Z",
  UpdatedAt: "2026-11-30T00:12:06+08:00",
};

test("GetMessageByUid / WaitMessage: the messager record with the message's fields flattened in", () => {
  const rec = roundTrip(m.WaitMessage.result, ON_CHAIN);
  assert.equal(rec.State, MessageState.OnChainMsg);
  assert.ok(rec.SignedCid!.equals(CID.parse(SIGNED_CID)));
  assert.equal(rec.Method, 34);
  assert.equal(rec.Receipt!.ExitCode, 0);
  assert.equal(rec.Confidence, 6);
  assert.equal(rec.Meta!.gasOverEstimation, 1.25);
  assert.equal(rec.CreatedAt, "2026-11-30T00:10:00.123456789Z");
  // in the mpool: no receipt, no tipset yet
  const filled = roundTrip(MessagerMessage, { ...ON_CHAIN, Height: 0, Confidence: 0, Receipt: null, TipSetKey: [], Meta: null, State: 2 });
  assert.equal(filled.Receipt, null);
  assert.deepEqual(filled.TipSetKey, []);
  const refused = z.decode(m.GetMessageByUid.result, { ...ON_CHAIN, SignedCid: null, Signature: null, TipSetKey: null, State: 4, ErrorMsg: "not enough funds" });
  assert.equal(refused.State, MessageState.FailedMsg);
  assert.equal(refused.Signature, null);
});

test("bad shapes are rejected with their path", () => {
  const r = decodeResult(m.GetMessageByUid, { ...ON_CHAIN, State: 9 });
  assert.match((r as { message: string }).message, /^result\.State: /);
  const r2 = decodeResult(m.GetMessageByUid, { ...ON_CHAIN, CreatedAt: "yesterday" });
  assert.match((r2 as { message: string }).message, /^result\.CreatedAt: /);
  const r3 = decodeParams(m.PushMessageWithId, [UID, { ...UNSIGNED, Value: 0 }, null]);
  assert.match((r3 as { message: string }).message, /^params\[1\]\.Value: /);
});

test("PushMessageWithId, HasMessageByUid, WaitMessage params", () => {
  const p = decodeParams(m.PushMessageWithId, [UID, UNSIGNED, { expireEpoch: 0, gasOverEstimation: 1.25, maxFee: "1000000000", gasOverPremium: 0 }]);
  assert.ok(p.ok);
  assert.equal(p.value[0], UID);
  assert.equal((p.value[2] as SendSpec).maxFee, 1000000000n);
  const noSpec = decodeParams(m.PushMessageWithId, [UID, UNSIGNED]);
  assert.ok(noSpec.ok);
  assert.equal(noSpec.value[2], null);
  assert.ok(decodeParams(m.PushMessageWithId, [UID, UNSIGNED, {}]).ok, "Go zero-fills a partial SendSpec");
  assert.deepEqual(decodeParams(m.HasMessageByUid, [UID]), { ok: true, value: [UID] });
  assert.deepEqual(decodeParams(m.WaitMessage, [UID, 6]), { ok: true, value: [UID, 6] });
  assert.equal(decodeParams(m.WaitMessage, [UID]).ok, false);
});

test("MessageState values are venus-shared's", () => {
  assert.deepEqual(MessageState, { UnKnown: 0, UnFillMsg: 1, FillMsg: 2, OnChainMsg: 3, FailedMsg: 4, NonceConflictMsg: 5 });
});

/** venus-shared/api/messager/api.go perm tags. */
const PERMS: Record<string, string> = {
  PushMessageWithId: "write",
  HasMessageByUid: "read",
  GetMessageByUid: "read",
  WaitMessage: "read",
};

test("Message serves exactly devnet.md §5.5's methods with venus-shared's perms", () => {
  assert.equal(messagerApi.namespace, "Message");
  assert.deepEqual(Object.keys(m).sort(), Object.keys(PERMS).sort());
  for (const [name, perm] of Object.entries(PERMS)) {
    const def = (m as Record<string, MethodDef>)[name]!;
    assert.equal(def.perm, perm, name);
    assert.equal(def.channel, false, name);
  }
});
