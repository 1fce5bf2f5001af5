// MpoolMessager's MessageLog on the manager's store (src/chain/messager.ts). The store's message table holds what
// every messager shares (uid, content, pushed CID, failure); the mpool-only settling facts (nonceFloor,
// recordedAt, nonce, landed CID) live in a job of kind MPOOL_LOG_KIND keyed by uid, written in the same
// transaction. A message the manager recorded with its batch but the messager has not recorded yet has no job:
// `get` answers null, so the messager takes its fresh-push path and records it then (W0 of messager.ts).

import type { MessageLog, MessageRecord, NewMessageRecord } from "../../chain/index.js";
import { parseAddress } from "../../filecoin/address.js";
import type { DocObject, ManagerStore } from "../../db/manager-store.js";

export const MPOOL_LOG_KIND = "mpool-message";

function toDoc(r: MessageRecord): DocObject {
  return { ...r, params: r.params, value: r.value, maxFee: r.maxFee };
}

function fromDoc(d: DocObject): MessageRecord {
  return d as unknown as MessageRecord;
}

/** The actor id of a message's To, used as the store's `miner` column (0 when To is not an ID address). */
function minerOf(to: string): number {
  const id = parseAddress(to).id;
  return id === undefined ? 0 : Number(id);
}

export function storeMessageLog(store: ManagerStore): MessageLog {
  const must = async (uid: string): Promise<MessageRecord> => {
    const j = await store.getJob(MPOOL_LOG_KIND, uid);
    if (!j) throw new Error(`message ${uid} is not recorded in the mpool log`);
    return fromDoc(j.doc);
  };
  const put = (r: MessageRecord) => store.putJob({ kind: MPOOL_LOG_KIND, key: r.uid, state: r.state, doc: toDoc(r) });

  return {
    async record(rec: NewMessageRecord) {
      await store.transaction(async (tx) => {
        if (await tx.getJob(MPOOL_LOG_KIND, rec.uid)) throw new Error(`message ${rec.uid} is already recorded`);
        // Same uid and content as the manager's own record is a no-op; other content is a MessageConflictError.
        await tx.recordMessage({
          uid: rec.uid,
          miner: minerOf(rec.to),
          from: rec.from,
          to: rec.to,
          method: rec.method,
          params: rec.params,
          value: rec.value,
          spec: rec.maxFee === null ? null : { maxFee: rec.maxFee },
        });
        const full: MessageRecord = { ...rec, params: rec.params.slice(), state: "recorded", cid: null, nonce: null, landedCid: null, height: null, exitCode: null, error: null };
        await tx.putJob({ kind: MPOOL_LOG_KIND, key: rec.uid, state: "recorded", doc: toDoc(full) });
      });
    },
    async markPushed(uid, cid, nonce) {
      await store.transaction(async (tx) => {
        const r = await must(uid);
        const m = await tx.getMessage(uid);
        if (m && (m.state === "pending" || m.state === "pushed")) await tx.markPushed(uid, cid);
        await tx.putJob({ kind: MPOOL_LOG_KIND, key: uid, state: "pushed", doc: toDoc({ ...r, state: "pushed", cid, nonce }) });
      });
    },
    async markLanded(uid, l) {
      // The store's landing (with the full receipt) is written by the commitment manager from the MsgResult.
      const r = await must(uid);
      await put({ ...r, state: "landed", landedCid: l.cid, height: l.height, exitCode: l.exitCode });
    },
    async markFailed(uid, error) {
      await store.transaction(async (tx) => {
        const r = await must(uid);
        if (await tx.getMessage(uid)) await tx.markFailed(uid, error);
        await tx.putJob({ kind: MPOOL_LOG_KIND, key: uid, state: "failed", doc: toDoc({ ...r, state: "failed", error }) });
      });
    },
    async get(uid) {
      const j = await store.getJob(MPOOL_LOG_KIND, uid);
      return j ? fromDoc(j.doc) : null;
    },
    async findByCid(cid) {
      // A scan: the log holds the manager's commit messages, a few per batch window.
      const jobs = await store.listJobs({ kind: MPOOL_LOG_KIND, states: ["pushed", "landed"] });
      const hit = jobs.map((j) => fromDoc(j.doc)).find((r) => r.cid === cid || r.landedCid === cid);
      return hit?.uid ?? null;
    },
    async listUnfinished() {
      const jobs = await store.listJobs({ kind: MPOOL_LOG_KIND, states: ["recorded", "pushed"] });
      return jobs.sort((a, b) => a.createdAt - b.createdAt).map((j) => fromDoc(j.doc));
    },
  };
}
