import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeMessage,
  decodeSignedMessage,
  encodeMessage,
  encodeSignedMessage,
  messageCid,
  signedMessageCid,
  type Message,
} from "../../src/filecoin/message.js";
import { hex, toHex } from "../helpers/vectors.js";

// lotus chain/types/message_test.go, TestMessageJson / TestSignedMessageJson: the power actor
// (f04) called from the system actor (f00), and the same message with an empty Signature{}.
const LOTUS_MSG: Message = {
  Version: 0,
  To: "f04",
  From: "f00",
  Nonce: 34,
  Value: 0n,
  GasLimit: 123,
  GasFeeCap: 234n,
  GasPremium: 234n,
  Method: 6,
  Params: new TextEncoder().encode("hai"),
};

test("message CBOR and CID match Lotus's TestMessageJson", () => {
  // Tuple of 10: 00, To 42 0004, From 42 0000, Nonce 18 22, Value 40 (zero BigInt), GasLimit 18 7b,
  // GasFeeCap 42 00ea, GasPremium 42 00ea, Method 06, Params 43 "hai".
  assert.equal(toHex(encodeMessage(LOTUS_MSG)), "8a00420004420000182240187b4200ea4200ea0643686169");
  assert.equal(messageCid(LOTUS_MSG).toString(), "bafy2bzaced5rdpz57e64sc7mdwjn3blicglhpialnrph2dlbufhf6iha63dmc");
});

test("signed message CID matches Lotus's TestSignedMessageJson; BLS takes the message CID", () => {
  const sm = { Message: LOTUS_MSG, Signature: { Type: 0, Data: new Uint8Array(0) } };
  assert.equal(signedMessageCid(sm).toString(), "bafy2bzacea5ainifngxj3rygaw2hppnyz2cw72x5pysqty2x6dxmjs5qg2uus");
  const bls = { Message: LOTUS_MSG, Signature: { Type: 2, Data: new Uint8Array(96).fill(7) } };
  assert.equal(signedMessageCid(bls).toString(), messageCid(LOTUS_MSG).toString());
  const secp = { Message: LOTUS_MSG, Signature: { Type: 1, Data: new Uint8Array(65).fill(7) } };
  assert.notEqual(signedMessageCid(secp).toString(), messageCid(LOTUS_MSG).toString());
});

// Zondax filecoin-signing-tools signer/tests: a secp256k1 signed transfer (bytes annotated there).
const ZONDAX_SIGNED =
  "828a005501fd1d0f4dfcd7e99afcb99a8326b7dc459d32c62855011eaf1c8a4bbfeeb0870b1745b1f57503470b71160144000186a01909c4420001420001004058420106398485060ca2a4deb97027f518f45569360c3873a4303926fa6909a7299d4c55883463120836358ff3396882ee0dc2cf15961bd495cdfb3de1ee2e8bd3768e01";

test("signed message decodes to its fields and re-encodes to the same bytes", () => {
  const sm = decodeSignedMessage(hex(ZONDAX_SIGNED));
  assert.deepEqual(sm.Message, {
    Version: 0,
    To: "t17uoq6tp427uzv7fztkbsnn64iwotfrristwpryy",
    From: "t1d2xrzcslx7xlbbylc5c3d5lvandqw4iwl6epxba",
    Nonce: 1,
    Value: 100000n,
    GasLimit: 2500,
    GasFeeCap: 1n,
    GasPremium: 1n,
    Method: 0,
    Params: new Uint8Array(0),
  });
  assert.equal(sm.Signature.Type, 1);
  assert.equal(sm.Signature.Data.length, 65);
  assert.equal(toHex(encodeSignedMessage(sm)), ZONDAX_SIGNED);
  assert.equal(decodeSignedMessage(hex(ZONDAX_SIGNED), "f").Message.From, "f1d2xrzcslx7xlbbylc5c3d5lvandqw4iwl6epxba");
});

test("decode round-trips and refuses what Lotus refuses", () => {
  const m: Message = { ...LOTUS_MSG, To: "t01000", From: "t0100", Value: 10n ** 22n, GasLimit: -1, Method: 28 };
  assert.deepEqual(decodeMessage(encodeMessage(m)), m);
  assert.throws(() => decodeMessage(encodeMessage({ ...m, Version: 1 })), /Message.Version is 1; only version 0 exists/);
  assert.throws(() => decodeMessage(hex("89" + "00".repeat(9))), /tuple of 10 fields/);
  assert.throws(() => encodeMessage({ ...m, To: "t9x" }), /Message.To: invalid address/);
  assert.throws(() => encodeMessage({ ...m, Nonce: -1 }), /Message.Nonce -1/);
  const sm = { Message: m, Signature: { Type: 1, Data: new Uint8Array(200) } };
  assert.throws(() => decodeSignedMessage(encodeSignedMessage(sm)), /201 bytes exceeds the 200-byte limit/);
});
