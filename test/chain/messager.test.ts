import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { createChainClient, type ChainClient } from "../../src/chain/lotus-client.js";
import {
  memoryMessageLog,
  MessageFailedError,
  MpoolMessager,
  msgUuidFor,
  createSophonMessager,
  type MessageLog,
  type MpoolChain,
  type OutgoingMessage,
} from "../../src/chain/messager.js";
import { parseApiEndpoint } from "../../src/chain/endpoints.js";
import { RpcError, TransportError } from "../../src/rpc/errors.js";
import { FakeNode, serveFake, type FakeServer } from "./fake-lotus.js";

const FAST = { attempts: 50, minMs: 10, maxMs: 50 };

interface Setup {
  f: FakeServer;
  chain: ChainClient;
  from: { key: string; id: string };
  to: { key: string; id: string };
  log: ReturnType<typeof memoryMessageLog>;
  messager(log?: MessageLog): MpoolMessager;
  msg(uid: string, over?: Partial<OutgoingMessage>): OutgoingMessage;
  /** How many times the node accepted a push of this uid's message. */
  pushes(uid: string): number;
}

async function setup(t: TestContext, url: "http" | "ws" = "ws"): Promise<Setup> {
  const node = new FakeNode();
  const from = node.addAccount(10n ** 21n);
  const to = node.addAccount(0n);
  const f = await serveFake(t, node);
  const chain = createChainClient({ url: `${url === "ws" ? f.ws : f.http}/rpc/v1`, token: f.token, retry: FAST });
  t.after(() => chain.close());
  const log = memoryMessageLog();
  const params = (uid: string): Uint8Array => new TextEncoder().encode(`params of ${uid}`);
  return {
    f,
    chain,
    from,
    to,
    log,
    messager: (l = log) => new MpoolMessager({ chain, log: l, pollMs: 10, retry: FAST }),
    msg: (uid, over = {}) => ({ uid, from: from.key, to: to.id, method: 0, params: params(uid), value: 1000n, ...over }),
    pushes: (uid) => node.pushes.filter((sm) => Buffer.from(sm.Message.Params).equals(Buffer.from(params(uid)))).length,
  };
}

/** A MessageLog over `inner` whose process "dies" at one step: the step's write happens (or not) and the call throws. */
function crashingLog(inner: MessageLog, at: "after record" | "before markPushed"): MessageLog {
  return {
    ...inner,
    async record(r) {
      await inner.record(r);
      if (at === "after record") throw new Error("crash after record");
    },
    async markPushed(uid, cid, nonce) {
      if (at === "before markPushed") throw new Error("crash before markPushed");
      await inner.markPushed(uid, cid, nonce);
    },
  };
}

test("push, wait and search: one push, the receipt at inclusion + 1, a repeated push sends nothing", async (t) => {
  const s = await setup(t);
  const m = s.messager();
  assert.equal(await m.push(s.msg("a")), "a");
  assert.equal(s.pushes("a"), 1);
  const rec = s.log.records.get("a")!;
  assert.equal(rec.state, "pushed");
  assert.equal(rec.nonce, 0);
  assert.equal(await m.search("a"), null, "in the mpool, not on chain");
  s.f.node.mine(); // included at 1
  assert.equal(await m.search("a"), null, "the receipt comes with the next tipset");
  s.f.node.autoMine(t);
  const r = await m.wait("a", 2);
  assert.equal(r.cid.toString(), rec.cid);
  assert.equal(r.replaced, false);
  assert.equal(r.height, 2);
  assert.equal(r.receipt.ExitCode, 0);
  assert.ok(s.f.node.head.height >= 4, "confidence 2 on top of the receipt");
  assert.equal(s.log.records.get("a")!.state, "landed");
  const again = await m.search("a");
  assert.equal(again!.cid.toString(), rec.cid);
  assert.equal(await m.push(s.msg("a")), "a");
  assert.equal(s.pushes("a"), 1, "a landed uid is never pushed again");
  assert.equal(await m.search("unknown"), null);
  await assert.rejects(m.wait("unknown", 1), /unknown/);
});

test("crash between record and push (W1): recovery pushes exactly once", async (t) => {
  const s = await setup(t);
  await assert.rejects(s.messager(crashingLog(s.log, "after record")).push(s.msg("w1")), /crash after record/);
  assert.equal(s.log.records.get("w1")!.state, "recorded");
  assert.equal(s.pushes("w1"), 0);

  const m = s.messager(); // the restarted process, same log
  assert.equal(await m.search("w1"), null, "search never pushes");
  assert.equal(s.pushes("w1"), 0);
  const { resumed, failed } = await m.recover();
  assert.deepEqual([resumed, failed], [["w1"], []]);
  assert.equal(s.pushes("w1"), 1);
  s.f.node.autoMine(t);
  await m.wait("w1", 1);
  assert.equal(s.pushes("w1"), 1);
});

test("crash between push and markPushed (W2): the message is found on chain and not pushed again", async (t) => {
  for (const minedBefore of [false, true]) {
    const s = await setup(t);
    await assert.rejects(s.messager(crashingLog(s.log, "before markPushed")).push(s.msg("w2")), /crash before markPushed/);
    assert.equal(s.pushes("w2"), 1);
    assert.equal(s.log.records.get("w2")!.state, "recorded");
    if (minedBefore) s.f.node.mine(3);
    s.f.node.autoMine(t);

    const m = s.messager();
    const r = await m.wait("w2", 1);
    assert.equal(s.pushes("w2"), 1, `exactly one push (mined before restart: ${minedBefore})`);
    assert.equal(r.cid.toString(), s.log.records.get("w2")!.cid);
    assert.equal(r.receipt.ExitCode, 0);
    s.f.node.stopMining();
  }
});

test("W1 and W2 while other messages of the same sender move its nonce", async (t) => {
  const s = await setup(t);
  await assert.rejects(s.messager(crashingLog(s.log, "after record")).push(s.msg("w1")), /crash/);
  await assert.rejects(s.messager(crashingLog(s.log, "before markPushed")).push(s.msg("w2")), /crash/);
  const m = s.messager();
  await m.push(s.msg("other-1"));
  await m.push(s.msg("other-2"));
  s.f.node.autoMine(t);

  const { resumed } = await m.recover();
  assert.deepEqual(resumed.sort(), ["w1", "w2"]);
  await Promise.all(["w1", "w2", "other-1", "other-2"].map((u) => m.wait(u, 1)));
  for (const u of ["w1", "w2", "other-1", "other-2"]) assert.equal(s.pushes(u), 1, `${u} pushed once`);
  const nonces = [...s.log.records.values()].map((r) => r.nonce).sort();
  assert.deepEqual(nonces, [0, 1, 2, 3]);
});

test("identical messages under two uids: a chain message is claimed by one uid only", async (t) => {
  for (const crash of ["after record", "before markPushed"] as const) {
    const s = await setup(t);
    const same = { params: new TextEncoder().encode("same call"), value: 7n };
    await assert.rejects(s.messager(crashingLog(s.log, crash)).push(s.msg("twin-a", same)), /crash/);
    // twin-b's identical message lands inside twin-a's nonce window; after "after record" it is the only match.
    const m = s.messager();
    await m.push(s.msg("twin-b", same));
    s.f.node.autoMine(t);
    const [a, b] = await Promise.all([m.wait("twin-a", 1), m.wait("twin-b", 1)]);
    assert.notEqual(a.cid.toString(), b.cid.toString(), `crash ${crash}: two uids, two chain messages`);
    const identical = s.f.node.pushes.filter((sm) => Buffer.from(sm.Message.Params).toString() === "same call");
    assert.equal(identical.length, 2, `crash ${crash}: two uids, two pushes, nothing more`);
    s.f.node.stopMining();
  }
});

test("crash after markPushed (W3): the new process waits on the CID and never pushes", async (t) => {
  const s = await setup(t, "http");
  await s.messager().push(s.msg("w3"));
  const m = s.messager();
  assert.deepEqual(await m.recover(), { resumed: [], failed: [] });
  const ac = new AbortController();
  const waiting = m.wait("w3", 1, ac.signal);
  setTimeout(() => ac.abort(new Error("shutting down")), 50);
  await assert.rejects(waiting, /shutting down/, "a wait ends with its signal");
  s.f.node.autoMine(t);
  const r = await m.wait("w3", 3);
  assert.equal(s.pushes("w3"), 1);
  assert.equal(r.cid.toString(), s.log.records.get("w3")!.cid);
});

test("a replaced message: wait reports the replacement's CID and receipt", async (t) => {
  const s = await setup(t);
  const m = s.messager();
  await m.push(s.msg("bumped"));
  const pushed = s.log.records.get("bumped")!.cid!;
  const replacement = s.f.node.replace(s.f.node.mpool.map((c) => s.f.node.messages.get(c)!.cid).find((c) => c.toString() === pushed)!);
  s.f.node.autoMine(t);
  const r = await m.wait("bumped", 1);
  assert.equal(r.replaced, true);
  assert.equal(r.pushedCid!.toString(), pushed);
  assert.ok(r.cid.equals(replacement));
  assert.equal(s.log.records.get("bumped")!.landedCid, replacement.toString());
  assert.equal(s.pushes("bumped"), 1);
});

test("a nonce taken by a different message is a nonce-conflict failure", async (t) => {
  const s = await setup(t);
  const m = s.messager();
  await m.push(s.msg("conflicted"));
  s.f.node.conflict(s.f.node.messages.get(s.log.records.get("conflicted")!.cid!)!.cid);
  s.f.node.autoMine(t);
  await assert.rejects(m.wait("conflicted", 1), (e: unknown) => e instanceof MessageFailedError && e.reason === "nonce-conflict");
});

test("a refused push is recorded as failed and never retried under the same uid", async (t) => {
  const s = await setup(t);
  const m = s.messager();
  const keyless = s.to.id;
  s.f.node.actors.get(Number(keyless.slice(2)))!.key = undefined; // the node holds no key for it
  await assert.rejects(m.push(s.msg("refused", { from: keyless })), (e: unknown) => e instanceof MessageFailedError && e.reason === "refused" && /no key for/.test(e.message));
  assert.equal(s.log.records.get("refused")!.state, "failed");
  await assert.rejects(m.push(s.msg("refused", { from: keyless })), MessageFailedError);
  await assert.rejects(m.wait("refused", 1), MessageFailedError);
  await assert.rejects(m.search("refused"), MessageFailedError);
  assert.equal(s.pushes("refused"), 0);
  await assert.rejects(m.push(s.msg("a")).then(() => m.push(s.msg("a", { value: 1n }))), /already recorded for a different message/);
  await assert.rejects(m.push(s.msg("", {})), RangeError);
  await assert.rejects(m.push(s.msg("bad", { to: "nope" })), RangeError);
});

test("a lost MpoolPushMessage reply: the record stays recorded and the next push settles it first", async (t) => {
  const s = await setup(t, "http");
  // The link drops after the node took the message: the reply never arrives.
  const lossy: MpoolChain = {
    ...s.chain,
    MpoolPushMessage: async (...args) => {
      await s.chain.MpoolPushMessage(...args);
      throw new TransportError("timeout", "Filecoin.MpoolPushMessage: no response within 50 ms");
    },
  };
  await assert.rejects(new MpoolMessager({ chain: lossy, log: s.log, pollMs: 10, retry: FAST }).push(s.msg("lost")), TransportError);
  assert.equal(s.log.records.get("lost")!.state, "recorded");
  assert.equal(s.pushes("lost"), 1);
  s.f.node.autoMine(t);
  const m = s.messager();
  assert.equal(await m.push(s.msg("lost")), "lost");
  assert.equal(s.log.records.get("lost")!.state, "pushed");
  await m.wait("lost", 1);
  assert.equal(s.pushes("lost"), 1);

  await s.f.stop();
  const bounded = new MpoolMessager({ chain: s.chain, log: s.log, pollMs: 10, retry: { attempts: 2, minMs: 5, maxMs: 5 } });
  await assert.rejects(bounded.push(s.msg("down")), (e: unknown) => e instanceof TransportError && e.kind === "network");
  assert.equal(s.log.records.get("down"), undefined, "nothing recorded while the node cannot be read");
});

test("concurrent calls on one uid in one process push it once", async (t) => {
  const s = await setup(t);
  await assert.rejects(s.messager(crashingLog(s.log, "after record")).push(s.msg("c")), /crash/);
  const m = s.messager();
  s.f.node.autoMine(t);
  await Promise.all([m.push(s.msg("c")), m.push(s.msg("c")), m.wait("c", 1), m.recover()]);
  assert.equal(s.pushes("c"), 1);
});

test("msgUuidFor: a UUID uid is kept, any other uid maps to a stable UUID", () => {
  assert.equal(msgUuidFor("0D6F1C32-7A3E-4F1B-9A77-7D5D2C1B0A99"), "0d6f1c32-7a3e-4f1b-9a77-7d5d2c1b0a99");
  const u = msgUuidFor("precommit-1000-7");
  assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(msgUuidFor("precommit-1000-7"), u);
  assert.notEqual(msgUuidFor("precommit-1000-8"), u);
});

test("SophonMessager: PushMessageWithId once per uid, WaitMessage to the receipt, search", async (t) => {
  const s = await setup(t);
  const m = createSophonMessager(parseApiEndpoint(`/ip4/127.0.0.1/tcp/${s.f.port}`, "Messager", s.f.token), { pollMs: 10, retry: FAST });
  t.after(() => m.close());
  assert.equal(await m.push(s.msg("s1", { maxFee: 10n ** 15n })), "s1");
  assert.equal(await m.push(s.msg("s1")), "s1");
  assert.equal(s.pushes("s1"), 1, "the messager is idempotent by uid");
  assert.equal(await m.search("s1"), null);
  assert.equal(await m.search("nobody"), null);
  s.f.node.autoMine(t);
  const r = await m.wait("s1", 2);
  assert.ok(r.cid.equals(s.f.sophonIds.get("s1")!));
  assert.equal(r.receipt.ExitCode, 0);
  assert.ok(s.f.node.head.height >= r.height + 2);
  assert.ok((await m.search("s1"))!.cid.equals(r.cid));
  await assert.rejects(m.wait("nobody", 1), (e: unknown) => e instanceof RpcError && /not found/.test(e.message));
  s.f.node.stopMining();
  await m.push(s.msg("s2"));
  const ac = new AbortController();
  const waiting = m.wait("s2", 1, ac.signal);
  setTimeout(() => ac.abort(new Error("shutting down")), 50);
  await assert.rejects(waiting, /shutting down/);
});
