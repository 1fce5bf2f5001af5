import { test } from "node:test";
import assert from "node:assert/strict";
import { formatAddress, parseAddress } from "../../src/filecoin/address.js";
import { messageCid, type Message } from "../../src/filecoin/message.js";
import {
  recoverSecpPublicKey,
  secpAddress,
  secpKeyPair,
  signMessageCid,
  verifySecpSignature,
} from "../../src/filecoin/secp256k1.js";
import { hex, toHex } from "../helpers/vectors.js";

test("public key → f1 address: go-address TestVectorSecp256k1Address", () => {
  const pub = Uint8Array.from([4, 148, 2, 250, 195, 126, 100, 50, 164, 22, 163, 160, 202, 84,
    38, 181, 24, 90, 179, 178, 79, 97, 52, 239, 162, 92, 228, 135, 200,
    45, 46, 78, 19, 191, 69, 37, 17, 224, 210, 36, 84, 33, 248, 97, 59,
    193, 13, 114, 250, 33, 102, 102, 169, 108, 59, 193, 57, 32, 211,
    255, 35, 63, 208, 188, 5]);
  assert.equal(formatAddress(secpAddress(pub), "t"), "t15ihq5ibzwki2b4ep2f46avlkrqzhpqgtga7pdrq");
  assert.throws(() => secpAddress(pub.subarray(0, 33)), /65 bytes, uncompressed/);
});

test("private key → public key → address: Zondax filecoin-signing-tools vectors", () => {
  const kp = secpKeyPair(hex("80c56e752ffdd06e3e0d9516e662e7ba883982404045a2c2d4cbe7c87e6c66fe"));
  assert.equal(
    toHex(kp.publicKey),
    "04fc016f3d88dc7070cdd95b5754d32fd5290f850b7c2208fca0f715d35861de1841d9a342a487692a63810a6c906b443a18aa804d9d508d69facc5b06789a01b4",
  );
  assert.equal(formatAddress(kp.address, "f"), "f1rovwtiuo5ncslpmpjftzu5akswbgsgighjazxoi");
  const k2 = secpKeyPair(Buffer.from("8VcW07ADswS4BV2cxi5rnIadVsyTDDhY1NfDH19T8Uo=", "base64"));
  assert.equal(formatAddress(k2.address, "t"), "t1d2xrzcslx7xlbbylc5c3d5lvandqw4iwl6epxba");
  assert.throws(() => secpKeyPair(new Uint8Array(32)), /1 … n-1/);
  assert.throws(() => secpKeyPair(new Uint8Array(31)), /32 bytes/);
});

// Zondax filecoin-signing-tools signer-npm tests, `sign`: the signature of this transfer's CID.
const TRANSFER: Message = {
  Version: 0,
  To: "t17uoq6tp427uzv7fztkbsnn64iwotfrristwpryy",
  From: "t1d2xrzcslx7xlbbylc5c3d5lvandqw4iwl6epxba",
  Nonce: 1,
  Value: 100000n,
  GasLimit: 25000,
  GasFeeCap: 1n,
  GasPremium: 1n,
  Method: 0,
  Params: new Uint8Array(0),
};
const TRANSFER_SIG = "nFuTI7MxEXqTQ0QmmQTmqbUsNZfHFXlNjz+susVDkAk1SrRCdJKxlVZZrM4vUtVBSYgtMIeigNfpqdKGIFhoWQA=";

test("signing a message CID gives the known 65-byte r ‖ s ‖ v signature (RFC 6979)", () => {
  const priv = Buffer.from("8VcW07ADswS4BV2cxi5rnIadVsyTDDhY1NfDH19T8Uo=", "base64");
  const cid = messageCid(TRANSFER).bytes;
  const sig = signMessageCid(priv, cid);
  assert.equal(Buffer.from(sig).toString("base64"), TRANSFER_SIG);
  assert.equal(sig[64], 0);
  assert.equal(verifySecpSignature(sig, cid, TRANSFER.From), true);
  assert.deepEqual(recoverSecpPublicKey(sig, cid), secpKeyPair(priv).publicKey);
});

test("verification fails for another key, address, message byte or signature byte", () => {
  const a = secpKeyPair(hex("11".repeat(32)));
  const b = secpKeyPair(hex("22".repeat(32)));
  const data = messageCid({ ...TRANSFER, From: formatAddress(a.address, "t") }).bytes;
  const sig = signMessageCid(a.privateKey, data);
  assert.equal(verifySecpSignature(sig, data, a.address), true);
  assert.equal(verifySecpSignature(sig, data, formatAddress(a.address, "f")), true);
  assert.equal(verifySecpSignature(sig, data, b.address), false);
  assert.equal(verifySecpSignature(signMessageCid(b.privateKey, data), data, a.address), false);
  const flipped = Uint8Array.from(data);
  flipped[10]! ^= 1;
  assert.equal(verifySecpSignature(sig, flipped, a.address), false);
  for (const i of [0, 40, 64]) {
    const bad = Uint8Array.from(sig);
    bad[i]! ^= 1;
    assert.equal(verifySecpSignature(bad, data, a.address), false, `byte ${i} flipped`);
  }
  assert.equal(verifySecpSignature(sig.subarray(0, 64), data, a.address), false);
  assert.equal(verifySecpSignature(sig, data, parseAddress("t01000")), false);
});
