// Prometheus metrics of the worker (spec/worker.md §14), served at `http://<metrics.http_listen>/metrics` when
// `[metrics] enable = true`. Every series carries `worker_name` and `worker_ip`. Thread states and queue lengths
// are read when scraped, so they never drift from the threads; durations, failures and restarts are pushed.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { STAGE_LIMIT_KEYS, type StageLimitKey } from "../api/stages.js";
import type { WorkerThreadInfo } from "../api/worker-admin.js";
import type { ProcessorSet } from "../processors/index.js";

const THREAD_STATES = ["Idle", "Waiting", "Running", "Paused"] as const;

/** 0.1 s … 24 h: a 2KiB tree_d takes milliseconds, a 32GiB PC1 hours. */
const STAGE_BUCKETS_S = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600];
const RPC_BUCKETS_S = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60];

export interface WorkerMetricsOptions {
  workerName: string;
  workerIp: string;
  /** The threads as `worker list` shows them; read at scrape time. */
  threads: () => readonly WorkerThreadInfo[];
  /** Tasks of a stage waiting for a stage token or a free sub-processor; read at scrape time. */
  queueLength?: (stage: StageLimitKey) => number;
}

export interface WorkerMetrics {
  readonly registry: Registry;
  observeStage(stage: string, plan: string, seconds: number): void;
  observeWait(stage: string, seconds: number): void;
  /** A sealing failure of `level` (temporary, permanent, critical, abort) in sector state `state`. */
  failure(level: string, state: string): void;
  processorRestart(stage: string): void;
  /** Times and counts a manager call (`rpc_call`, `rpc_error`, `rpc_timing`). */
  rpc<T>(method: string, call: () => Promise<T>): Promise<T>;
  render(): Promise<{ contentType: string; body: string }>;
}

export function createWorkerMetrics(o: WorkerMetricsOptions): WorkerMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ worker_name: o.workerName, worker_ip: o.workerIp });
  const registers = [registry];

  const rpcCall = new Counter({ name: "rpc_call", help: "manager calls made", labelNames: ["method"], registers });
  const rpcError = new Counter({ name: "rpc_error", help: "manager calls that failed", labelNames: ["method"], registers });
  const rpcTiming = new Histogram({ name: "rpc_timing", help: "manager call latency in seconds", labelNames: ["method"], buckets: RPC_BUCKETS_S, registers });
  new Gauge({
    name: "sealing_thread_state",
    help: "sealing threads per state",
    labelNames: ["state"],
    registers,
    collect() {
      const threads = o.threads();
      for (const s of THREAD_STATES) this.set({ state: s.toLowerCase() }, threads.filter((t) => t.thread_state.state === s).length);
    },
  });
  const stageDuration = new Histogram({
    name: "sealing_stage_duration_seconds",
    help: "processor task duration in seconds",
    labelNames: ["stage", "plan"],
    buckets: STAGE_BUCKETS_S,
    registers,
  });
  const stageWait = new Histogram({
    name: "sealing_stage_wait_seconds",
    help: "time spent waiting for a stage token or a processor, in seconds",
    labelNames: ["stage"],
    buckets: STAGE_BUCKETS_S,
    registers,
  });
  const failures = new Counter({ name: "sealing_failures_total", help: "sealing failures by level", labelNames: ["level", "state"], registers });
  const restarts = new Counter({ name: "processor_restarts_total", help: "external processor respawns", labelNames: ["stage"], registers });
  if (o.queueLength) {
    const queueLength = o.queueLength;
    new Gauge({
      name: "damocles_worker_stage_queue_length",
      help: "tasks waiting for a stage token or a free sub-processor",
      labelNames: ["stage"],
      registers,
      collect() {
        for (const s of STAGE_LIMIT_KEYS) this.set({ stage: s }, queueLength(s));
      },
    });
  }

  return {
    registry,
    observeStage: (stage, plan, seconds) => stageDuration.observe({ stage, plan }, seconds),
    observeWait: (stage, seconds) => stageWait.observe({ stage }, seconds),
    failure: (level, state) => failures.inc({ level, state }),
    processorRestart: (stage) => restarts.inc({ stage }),
    async rpc(method, call) {
      rpcCall.inc({ method });
      const end = rpcTiming.startTimer({ method });
      try {
        return await call();
      } catch (err) {
        rpcError.inc({ method });
        throw err;
      } finally {
        end();
      }
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** A manager client whose every method is counted and timed (`metrics` null: the client itself). */
export function instrumentClient<C extends object>(client: C, metrics: WorkerMetrics | null): C {
  if (metrics === null) return client;
  return new Proxy(client, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function" || typeof prop !== "string" || prop === "close") return v;
      return (...args: unknown[]) => metrics.rpc(prop, () => (v as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

/**
 * A view of the processor set that records each task's wait (until it holds a token and a processor) and run
 * time; `plan` names the thread's current plan for the duration label.
 */
export function instrumentProcessors(set: ProcessorSet, metrics: WorkerMetrics | null, plan: () => string): ProcessorSet {
  if (metrics === null) return set;
  return Object.assign(Object.create(set) as ProcessorSet, {
    async run(stage, input, ro = {}) {
      const asked = performance.now();
      let started: number | undefined;
      try {
        return await set.run(stage, input, {
          ...ro,
          onRunning: (proc: string) => {
            started = performance.now();
            metrics.observeWait(stage, (started - asked) / 1000);
            ro.onRunning?.(proc);
          },
        });
      } finally {
        if (started !== undefined) metrics.observeStage(stage, plan(), (performance.now() - started) / 1000);
      }
    },
  } satisfies Pick<ProcessorSet, "run">);
}

export interface MetricsServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** The `/metrics` exporter on its own port. */
export async function serveMetrics(metrics: WorkerMetrics, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("see /metrics\n");
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => res.writeHead(200, { "Content-Type": contentType }).end(body),
      (err: unknown) => res.writeHead(500, { "Content-Type": "text/plain" }).end(`metrics failed: ${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
