// Prometheus metrics (spec/manager.md §11): namespace `damocles_manager`, every RPC method timed with its
// name as the `endpoint` label, sealing counters by miner, worker and thread counts from pings, and (P)
// per-state sector gauges read from the store when scraped, so they can never drift from the database.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ApiDef } from "../api/define.js";
import type { ManagerStore } from "../db/manager-store.js";
import type { ApiBinding } from "../rpc/server.js";

export const METRICS_PREFIX = "damocles_manager";

/** 0.01 ms … 100 s, as Damocles' OpenCensus view (§11). */
export const API_DURATION_BUCKETS_MS = [
  0.01, 0.05, 0.1, 0.3, 0.6, 0.8, 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 300, 400,
  500, 650, 800, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000,
];

/** Ping age buckets of `worker_count` (§11). */
const LATENCY_CATEGORIES: readonly [number, string][] = [
  [60, "latency<=60s"],
  [120, "latency<=120s"],
  [300, "latency<=300s"],
  [Infinity, "latency>300s"],
];

export type AuthRejectReason = "no-token" | "invalid-token" | "untrusted-method" | "untrusted-network";

export interface ManagerMetrics {
  readonly registry: Registry;
  /** Wraps every method of a binding: timed by name; AllocateSector, SubmitPreCommit and SubmitProof counted. */
  instrument(binding: ApiBinding): ApiBinding;
  authRejected(reason: AuthRejectReason): void;
  setApiState(listening: boolean): void;
  setInfo(): void;
  /** Prometheus text exposition. */
  render(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsOptions {
  /** Source of the sector and worker gauges; read at scrape time. */
  store?: Pick<ManagerStore, "countSectors" | "listPings">;
  nowSeconds?: () => number;
}

const minerOf = (v: unknown): string | null => {
  if (v === null || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  const id = (o["ID"] ?? o["Id"] ?? o) as Record<string, unknown> | undefined;
  const m = id?.["Miner"];
  return typeof m === "number" || typeof m === "bigint" ? String(m) : null;
};

export function createManagerMetrics(opts: MetricsOptions = {}): ManagerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const n = (s: string): string => `${METRICS_PREFIX}_${s}`;
  const now = opts.nowSeconds ?? (() => Date.now() / 1000);

  const info = new Gauge({ name: n("info"), help: "1 after start-up", registers });
  const apiState = new Gauge({ name: n("api_state"), help: "1 while the HTTP server listens", registers });
  const newSector = new Counter({ name: n("new_sector"), help: "successful AllocateSector calls", labelNames: ["miner"], registers });
  const preCommit = new Counter({ name: n("sector_pre_commit"), help: "SubmitPreCommit calls without RPC error", labelNames: ["miner"], registers });
  const commit = new Counter({ name: n("sector_commit"), help: "SubmitProof calls without RPC error", labelNames: ["miner"], registers });
  const duration = new Histogram({
    name: n("api_request_duration_ms"),
    help: "RPC method duration in milliseconds",
    labelNames: ["endpoint"],
    buckets: API_DURATION_BUCKETS_MS,
    registers,
  });
  const rejected = new Counter({ name: n("auth_rejected_total"), help: "rejected API calls", labelNames: ["reason"], registers });
  const store = opts.store;
  new Gauge({
    name: n("thread_count"),
    help: "sealing threads by category, summed over worker pings",
    labelNames: ["category"],
    registers,
    async collect() {
      this.reset();
      const sums = { empty: 0, paused: 0, running: 0, waiting: 0, errors: 0 };
      for (const p of store ? await store.listPings() : []) for (const k of Object.keys(sums) as (keyof typeof sums)[]) sums[k] += p.summary[k];
      for (const [k, v] of Object.entries(sums)) this.set({ category: k }, v);
    },
  });
  new Gauge({
    name: n("worker_count"),
    help: "workers by time since their last ping",
    labelNames: ["category"],
    registers,
    async collect() {
      this.reset();
      const counts = new Map<string, number>(LATENCY_CATEGORIES.map(([, c]) => [c, 0]));
      const t = now();
      for (const p of store ? await store.listPings() : []) {
        const cat = LATENCY_CATEGORIES.find(([limit]) => t - p.lastPing <= limit)![1];
        counts.set(cat, counts.get(cat)! + 1);
      }
      for (const [c, v] of counts) this.set({ category: c }, v);
    },
  });
  new Gauge({
    name: n("sectors"),
    help: "sectors by latest reported state; store = online (being sealed) or offline (finalized or aborted)",
    labelNames: ["state", "store"],
    registers,
    async collect() {
      this.reset();
      for (const c of store ? await store.countSectors() : []) {
        this.inc({ state: c.latestState ?? "", store: c.online ? "online" : "offline" }, c.count);
      }
    },
  });

  function instrument(binding: ApiBinding): ApiBinding {
    const api: ApiDef = binding.api;
    const impl: Record<string, (...args: never[]) => unknown> = {};
    for (const name of Object.keys(api.methods)) {
      const fn = binding.impl[name] as ((...args: unknown[]) => unknown) | undefined;
      if (typeof fn !== "function") continue; // createRpcServer names the missing method
      const endpoint = name;
      impl[name] = async (...args: unknown[]): Promise<unknown> => {
        const start = performance.now();
        try {
          const out = await fn.apply(binding.impl, args);
          if (api.namespace === "Venus") {
            if (name === "AllocateSector" && out != null) {
              const m = minerOf(out);
              if (m !== null) newSector.inc({ miner: m });
            } else if (name === "SubmitPreCommit" || name === "SubmitProof") {
              const m = minerOf(args[0]);
              if (m !== null) (name === "SubmitProof" ? commit : preCommit).inc({ miner: m });
            }
          }
          return out;
        } finally {
          duration.observe({ endpoint }, performance.now() - start);
        }
      };
    }
    return { api, impl };
  }

  return {
    registry,
    instrument,
    authRejected: (reason) => rejected.inc({ reason }),
    setApiState: (listening) => apiState.set(listening ? 1 : 0),
    setInfo: () => info.set(1),
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
