// The worker registry (spec/manager.md §8.11, protocols.md §1.6 WorkerPing, §1.9): the last ping of every
// sealing worker, keyed by name, for `util worker list/remove` and the worker admin calls at its Dest.

import type { WorkerInfo, WorkerPingInfo } from "../../api/sealer-types.js";
import type { ManagerStore, WorkerPingRecord } from "../../db/manager-store.js";
import { METHOD_ERROR, RpcError } from "../../rpc/errors.js";

export interface WorkerRegistry {
  /** Upserts `{Info, LastPing}`; Name and Dest are required (code 1 otherwise). */
  ping(info: WorkerInfo): Promise<void>;
  get(name: string): Promise<WorkerPingInfo | null>;
  list(): Promise<WorkerPingInfo[]>;
  remove(name: string): Promise<boolean>;
}

function toPingInfo(r: WorkerPingRecord): WorkerPingInfo {
  const s = r.summary;
  return {
    Info: {
      Name: r.name,
      Dest: r.dest,
      Version: r.version,
      Summary: { Threads: s.threads, Empty: s.empty, Paused: s.paused, Running: s.running, Waiting: s.waiting, Errors: s.errors },
    },
    LastPing: r.lastPing,
  };
}

/** `now` in milliseconds; LastPing is stored in unix seconds. */
export function createWorkerRegistry(store: ManagerStore, now: () => number = Date.now): WorkerRegistry {
  return {
    async ping(info) {
      if (info.Name.trim() === "") throw new RpcError(METHOD_ERROR, "WorkerPing: Name is required");
      if (info.Dest.trim() === "") throw new RpcError(METHOD_ERROR, `WorkerPing of ${info.Name}: Dest is required`);
      const s = info.Summary;
      await store.recordPing({
        name: info.Name,
        dest: info.Dest,
        version: info.Version,
        summary: { threads: s.Threads, empty: s.Empty, paused: s.Paused, running: s.Running, waiting: s.Waiting, errors: s.Errors },
        lastPing: Math.floor(now() / 1000),
      });
    },
    async get(name) {
      const r = await store.getPing(name);
      return r ? toPingInfo(r) : null;
    },
    async list() {
      return (await store.listPings()).map(toPingInfo);
    },
    remove: (name) => store.removePing(name),
  };
}
