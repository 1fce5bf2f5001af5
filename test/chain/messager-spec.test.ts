// The send spec (manager.md §3 fee block) as each messager hands it on, and the signed CID a sophon-messager
// reports after PushMessageWithId. Stub nodes that record what they were asked.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClientMethods } from "../../src/api/define.js";
import type { Message, SignedMessage } from "../../src/api/lotus.js";
import { MessageState, type MessagerApi, type MessagerMessage, type SendSpec } from "../../src/api/messager.js";
import { memoryMessageLog, MpoolMessager, SophonMessager, type MpoolChain, type OutgoingMessage } from "../../src/chain/messager.js";
import { commRToCid } from "../../src/filecoin/cid.js";

const FROM = "t01001";
const TO = "t01000";
const CID_A = commRToCid(new Uint8Array(32).fill(1));

const msg = (uid: string, over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({ uid, from: FROM, to: TO, method: 28, params: new Uint8Array([1, 2]), value: 5n, ...over });

function stubChain(): { chain: MpoolChain; pushed: { msg: Message; spec: unknown }[]; estimated: number } {
  const out = { pushed: [] as { msg: Message; spec: unknown }[], estimated: 0 };
  const chain = {
    ChainHead: async () => ({ Height: 10, Cids: [], Blocks: [] }),
    MpoolGetNonce: async () => 3,
    MpoolPushMessage: async (m: Message, spec: unknown): Promise<SignedMessage> => {
      out.pushed.push({ msg: m, spec });
      return { Message: { ...m, Nonce: 3 }, Signature: { Type: 1, Data: new Uint8Array(65) }, CID: CID_A };
    },
    GasEstimateMessageGas: async (m: Message): Promise<Message> => {
      out.estimated++;
      return { ...m, GasLimit: 1_000, GasFeeCap: m.GasFeeCap > 0n ? m.GasFeeCap : 700n, GasPremium: 100n };
    },
  } as unknown as MpoolChain;
  return { chain, ...out, get estimated() { return out.estimated; } } as never;
}

test("MpoolMessager: GasFeeCap on the message, GasOverEstimation/GasOverPremium scale the node's estimate, MaxFee in the spec", async () => {
  const s = stubChain();
  const m = new MpoolMessager({ chain: s.chain, log: memoryMessageLog() });
  await m.push(msg("a", { gasFeeCap: 5_000n, gasOverEstimation: 1.5, gasOverPremium: 2, maxFee: 10n ** 15n }));
  const a = s.pushed[0]!;
  assert.equal(a.msg.GasFeeCap, 5_000n);
  assert.equal(a.msg.GasLimit, 1_500);
  assert.equal(a.msg.GasPremium, 200n);
  assert.equal((a.spec as { MaxFee: bigint }).MaxFee, 10n ** 15n);
  // A premium above the cap is capped; only a fee cap: the node fills the rest (no estimate asked).
  await m.push(msg("b", { gasFeeCap: 150n, gasOverPremium: 2 }));
  assert.equal(s.pushed[1]!.msg.GasPremium, 150n);
  assert.equal(s.pushed[1]!.msg.GasLimit, 1_000);
  const before = s.estimated;
  await m.push(msg("c", { gasFeeCap: 42n }));
  assert.equal(s.estimated, before);
  assert.deepEqual([s.pushed[2]!.msg.GasFeeCap, s.pushed[2]!.msg.GasLimit, s.pushed[2]!.msg.GasPremium], [42n, 0, 0n]);
  await assert.rejects(m.push(msg("d", { gasOverEstimation: -1 })), /gasOverEstimation -1 must be a non-negative number/);
});

test("MpoolMessager: a record left 'recorded' by a crash is pushed with its spec on resume", async () => {
  const s = stubChain();
  const log = memoryMessageLog();
  await log.record({ uid: "r", from: FROM, to: TO, method: 28, params: new Uint8Array([1, 2]), value: 5n, maxFee: null, gasFeeCap: 77n, gasOverEstimation: 2, gasOverPremium: null, nonceFloor: 3, recordedAt: 9 });
  const m = new MpoolMessager({ chain: s.chain, log });
  await m.push(msg("r"));
  assert.equal(s.pushed.length, 1);
  assert.deepEqual([s.pushed[0]!.msg.GasFeeCap, s.pushed[0]!.msg.GasLimit], [77n, 2_000]);
});

function stubSophon(signAfter: number): { client: ClientMethods<MessagerApi>; pushes: { msg: Message; spec: SendSpec | null }[] } {
  const pushes: { msg: Message; spec: SendSpec | null }[] = [];
  let reads = 0;
  const record = (id: string): MessagerMessage =>
    ({ ID: id, UnsignedCid: CID_A, SignedCid: ++reads > signAfter ? CID_A : null, State: MessageState.FillMsg, Receipt: null, Height: 0, Confidence: 0, TipSetKey: [] }) as unknown as MessagerMessage;
  const client = {
    PushMessageWithId: async (id: string, m: Message, spec: SendSpec | null) => {
      pushes.push({ msg: m, spec });
      return id;
    },
    GetMessageByUid: async (id: string) => record(id),
    HasMessageByUid: async () => true,
  } as unknown as ClientMethods<MessagerApi>;
  return { client, pushes };
}

test("SophonMessager: the send spec goes to PushMessageWithId; the signed CID is reported once it exists", async () => {
  const s = stubSophon(0);
  const reported: [string, string][] = [];
  const m = new SophonMessager({ client: s.client, onPushed: (uid, cid) => void reported.push([uid, cid.toString()]) });
  await m.push(msg("s1", { gasFeeCap: 9n, gasOverEstimation: 1.2, gasOverPremium: 0.5, maxFee: 11n }));
  assert.deepEqual(s.pushes[0]!.spec, { maxFee: 11n, gasOverEstimation: 1.2, gasOverPremium: 0.5 });
  assert.equal(s.pushes[0]!.msg.GasFeeCap, 9n);
  assert.deepEqual(reported, [["s1", CID_A.toString()]]);
  await m.push(msg("s2"));
  assert.equal(s.pushes[1]!.spec, null);

  // Not signed at push time: reported by the first search that sees the signed CID.
  const late = stubSophon(1);
  const got: string[] = [];
  const m2 = new SophonMessager({ client: late.client, onPushed: (uid) => void got.push(uid) });
  await m2.push(msg("s3"));
  assert.deepEqual(got, []);
  assert.equal(await m2.search("s3"), null);
  assert.deepEqual(got, ["s3"]);
  await m2.search("s3");
  assert.deepEqual(got, ["s3"], "reported once");
});
