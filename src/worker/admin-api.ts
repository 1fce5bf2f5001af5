// The worker's admin RPC (`VenusWorker.*`, spec/protocols.md §2, worker.md §13): list, pause and resume sealing
// threads, set the environment later children inherit, and report the version. Served without a token on
// `[worker.rpc_server]`; the Damocles server accepts any path, so every POST is routed to the one endpoint.
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ServerMethods } from "../api/define.js";
import { workerAdminApi, type WorkerThreadInfo } from "../api/worker-admin.js";
import { INVALID_PARAMS, RpcError } from "../rpc/errors.js";
import { createRpcServer, implement, type RpcLogger, type RpcServer } from "../rpc/server.js";

/** What the admin API needs of a sealing thread. */
export interface AdminThread {
  info(): WorkerThreadInfo;
  /** Queues a pause; false when one is already pending. */
  pause(): boolean | Promise<boolean>;
  /** Resumes a paused thread, optionally forcing the sector into `state`; false when it was not paused. */
  resume(state?: string | null): boolean | Promise<boolean>;
}

export interface AdminDeps {
  /** Threads by their config index (skipped duplicates are absent, so indexes may have gaps). */
  threads: ReadonlyMap<number, AdminThread>;
  version: string;
  /** The environment children spawned later inherit (default process.env). */
  env?: NodeJS.ProcessEnv;
  logger?: RpcLogger;
}

export function workerAdminMethods(deps: AdminDeps): ServerMethods<typeof workerAdminApi> {
  const env = deps.env ?? process.env;
  const thread = (index: number): AdminThread => {
    const t = deps.threads.get(index);
    if (!t) throw new RpcError(INVALID_PARAMS, `worker #${index} not found`);
    return t;
  };
  return {
    WorkerList: () => [...deps.threads.values()].map((t) => t.info()).sort((a, b) => a.index - b.index),
    WorkerPause: async (index) => {
      const done = await thread(index).pause();
      deps.logger?.info({ index, done }, "pause requested over the admin RPC");
      return done;
    },
    WorkerResume: async (index, state) => {
      const done = await thread(index).resume(state ?? null);
      deps.logger?.info({ index, state: state ?? null, done }, "resume requested over the admin RPC");
      return done;
    },
    WorkerSetEnv: (name, value) => {
      env[name] = value;
      deps.logger?.info({ name }, "environment variable set over the admin RPC");
      return null;
    },
    WorkerRemoveEnv: (name) => {
      delete env[name];
      deps.logger?.info({ name }, "environment variable removed over the admin RPC");
      return null;
    },
    WorkerVersion: () => deps.version,
  };
}

/** The admin server; every POST path reaches the one JSON-RPC endpoint, as in Damocles. */
export function createAdminServer(deps: AdminDeps): RpcServer {
  const server = createRpcServer({ routes: [{ path: "/", apis: [implement(workerAdminApi, workerAdminMethods(deps))] }], ...(deps.logger ? { logger: deps.logger } : {}) });
  // Runs before the server's own listener, which routes by path.
  server.http.prependListener("request", (req) => {
    if (req.method === "POST") req.url = "/";
  });
  return server;
}

let cachedVersion: string | undefined;

/** `v<package version>-<git commit>` (protocols.md §2.2); the commit is `unknown` outside a git checkout. */
export function workerVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  const root = fileURLToPath(new URL("../../", import.meta.url));
  let version = "0.0.0";
  try {
    version = (JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version?: string }).version ?? version;
  } catch {
    // a bundled build without package.json beside it
  }
  let commit = process.env["DAMOCLES_GIT_COMMIT"];
  if (commit === undefined) {
    try {
      commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "ignore"], timeout: 2000 }).toString().trim();
    } catch {
      commit = "unknown";
    }
  }
  cachedVersion = `v${version}-${commit || "unknown"}`;
  return cachedVersion;
}
