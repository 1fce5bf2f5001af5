import { test } from "node:test";
import assert from "node:assert/strict";
import { DomainSeparationTag, beaconDigest, drawRandomness, ticketDigest } from "../../src/filecoin/randomness.js";
import { minerEntropy } from "../../src/filecoin/address.js";
import { toHex } from "../helpers/vectors.js";

// Expected values were computed independently with Python's hashlib:
//   blake2b(struct.pack('>q', tag) + digest + struct.pack('>q', epoch) + entropy, digest_size=32).hexdigest()
const DIGEST = Uint8Array.from({ length: 32 }, (_, i) => i); // 00 01 02 … 1f

test("tag numbers of go-state-types", () => {
  assert.equal(DomainSeparationTag.TicketProduction, 1);
  assert.equal(DomainSeparationTag.WindowedPoStChallengeSeed, 4);
  assert.equal(DomainSeparationTag.SealRandomness, 5);
  assert.equal(DomainSeparationTag.InteractiveSealChallengeSeed, 6);
  assert.equal(DomainSeparationTag.PoStChainCommit, 9);
});

test("seal ticket draw for t01000 at epoch 1000", () => {
  const r = drawRandomness(DIGEST, DomainSeparationTag.SealRandomness, 1000, minerEntropy(1000));
  assert.equal(toHex(r), "b51caaef7dcd86899ba25c851f89347e668b847116a68e4087e437b4fa9310bd");
});

test("negative epochs enter the hash as i64 two's complement; empty entropy", () => {
  const r = drawRandomness(DIGEST, DomainSeparationTag.PoStChainCommit, -5, new Uint8Array(0));
  assert.equal(toHex(r), "5291c3269647bb9ca374c9ec5d842df9b93cb70cc99f08d49f14366011e2163f");
});

test("ticket and beacon digests are blake2b-256", () => {
  const vrf = new Uint8Array(96).fill(0xaa);
  assert.equal(toHex(ticketDigest(vrf)), "6f4e2fce6504e1b4ff3392df7f9e2a473e46ee2405fb26e3c80a4919b65e89d8");
  assert.equal(toHex(beaconDigest(vrf)), toHex(ticketDigest(vrf)));
  assert.throws(() => drawRandomness(new Uint8Array(31), 5, 0, new Uint8Array(0)), /digest must be 32 bytes/);
});
