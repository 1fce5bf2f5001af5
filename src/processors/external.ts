// The parent side of Damocles' external-processor protocol for one `[[processors.<stage>]]` entry (spec/protocols.md
// §3.1–§3.5, §4d): spawn, wait for `<STAGE> processor ready` within stable_wait, send NDJSON requests with ids from
// 1, match out-of-order responses by id, fail every in-flight request when the child dies and restart it
// (auto_restart, after 3 s), bound each request by request_timeout. Garbage lines are logged and ignored.
// Slots and ext locks are not taken here: limits.ts admits a task before it reaches this host.
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { readyLine } from "../api/stages.js";
import { systemClock, type Clock } from "./limits.js";
import { createCgroup, enterCgroup, removeCgroup, type CgroupPlacement } from "./placement.js";

type Child = ChildProcessByStdio<Writable, Readable, null>;

export type ProcessorErrorCode = "CHILD_EXITED" | "TIMEOUT" | "TASK_FAILED" | "NOT_RUNNING" | "ABORTED" | "BAD_OUTPUT";

/** A failed processor task; `code` tells why (a sealing thread treats every one as Permanent). */
export class ProcessorError extends Error {
  constructor(
    readonly code: ProcessorErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface ProcessorLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** Logs go to stderr, like every Damocles process (stdout belongs to the protocol in a child). */
export const stderrLogger: ProcessorLogger = {
  info: (msg) => process.stderr.write(`${new Date().toISOString()} INFO processor: ${msg}\n`),
  warn: (msg) => process.stderr.write(`${new Date().toISOString()} WARN processor: ${msg}\n`),
};

export interface ChildCommand {
  bin: string;
  args: readonly string[];
  /** The child's whole environment (protocols.md §3.1: cleared, then inherited, then 3.9 variables, then `envs`). */
  env: NodeJS.ProcessEnv;
}

export interface ExternalProcessorOptions {
  /** Names the entry in messages, e.g. "pc1" and 0 for the first [[processors.pc1]]. */
  section: string;
  index: number;
  /** The ready-line STAGE (`EMPTY` for sealing_daemons). */
  readyStage: string;
  command: ChildCommand;
  stableWaitMs: number;
  /** 0 = no deadline (Damocles behaviour). */
  requestTimeoutMs: number;
  autoRestart: boolean;
  /** Pause before a restart (Damocles: 3 s). */
  restartDelayMs?: number;
  /** A cgroup v2 group the child is moved into (our own children, placement.ts). */
  cgroup?: CgroupPlacement | null;
  clock?: Clock;
  logger?: ProcessorLogger;
}

type State = "idle" | "starting" | "ready" | "restarting" | "dead" | "stopped";

interface InFlight {
  resolve(output: unknown): void;
  reject(err: Error): void;
  cleanup(): void;
}

const fmtMs = (ms: number): string => (ms % 60_000 === 0 && ms >= 60_000 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

export class ExternalProcessor {
  private child: Child | null = null;
  private st: State = "idle";
  private nextId = 1;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly retired = new Set<number>();
  private ready: Promise<void> = Promise.resolve();
  private lastError = "";
  private readonly clock: Clock;
  private readonly log: ProcessorLogger;
  private readonly stopRestart = new AbortController();

  constructor(private readonly o: ExternalProcessorOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = o.logger ?? stderrLogger;
  }

  /** "pc1 processor (entry 0, pid 1234)". */
  get name(): string {
    return `${this.o.section} processor (entry ${this.o.index}${this.child?.pid ? `, pid ${this.child.pid}` : ""})`;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get state(): State {
    return this.st;
  }
  get load(): number {
    return this.inFlight.size;
  }

  /** Spawns the child and waits for its ready line; throws (naming the entry and why) when it never gets ready. */
  async start(): Promise<void> {
    if (this.st !== "idle") throw new Error(`${this.name} was already started`);
    this.st = "starting";
    this.ready = this.spawnReady();
    try {
      await this.ready;
      this.st = "ready";
    } catch (err) {
      this.st = "dead";
      throw err;
    }
  }

  private async spawnReady(): Promise<void> {
    const { bin, args, env } = this.o.command;
    if (this.o.cgroup) await createCgroup(this.o.cgroup);
    const child = spawn(bin, [...args], { stdio: ["pipe", "pipe", "inherit"], env });
    this.child = child;
    const spawnError = new Promise<never>((_, reject) =>
      child.once("error", (e) => reject(new Error(`${this.name}: cannot run ${bin}: ${e.message}`, { cause: e }))),
    );
    spawnError.catch(() => undefined);
    if (this.o.cgroup && child.pid !== undefined) {
      await enterCgroup(this.o.cgroup, child.pid).catch((e: Error) =>
        this.log.warn(`${this.name}: cannot move into cgroup ${this.o.cgroup!.dir}: ${e.message}; it runs unpinned`),
      );
    }
    child.stdin.on("error", (e) => {
      // a failed write means the child is gone (§4d): make sure it is, the exit handler fails its requests
      this.log.warn(`${this.name}: writing to its stdin failed: ${e.message}`);
      child.kill("SIGKILL");
    });
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    const want = readyLine(this.o.readyStage);
    // one line handler for the child's life: the first line is the ready line, the rest are responses
    let onFirst: ((line: string) => void) | null = null;
    const firstLine = new Promise<string>((resolve) => (onFirst = resolve));
    lines.on("line", (line) => {
      if (onFirst) {
        const f = onFirst;
        onFirst = null;
        f(line);
      } else this.onLine(line, child.pid);
    });
    const closed = new Promise<never>((_, reject) =>
      lines.once("close", () => reject(new Error(`${this.name} closed its stdout before printing "${want}"`))),
    );
    closed.catch(() => undefined);
    const stop = new AbortController();
    const timeout = this.clock.sleep(this.o.stableWaitMs, stop.signal).then(() => {
      throw new Error(`${this.name} did not print "${want}" within stable_wait ${fmtMs(this.o.stableWaitMs)}`);
    });
    const exited = new Promise<never>((_, reject) =>
      child.once("exit", (code, sig) =>
        reject(new Error(`${this.name} exited (${sig ?? `code ${code}`}) before printing "${want}"`)),
      ),
    );
    exited.catch(() => undefined);
    try {
      const first = await Promise.race([firstLine, timeout, exited, spawnError, closed]);
      if (first.trim() !== want) throw new Error(`${this.name} printed "${first.slice(0, 100)}" as its first line instead of "${want}"`);
    } catch (err) {
      child.kill("SIGKILL");
      lines.close();
      if (this.o.cgroup) await removeCgroup(this.o.cgroup);
      throw err;
    } finally {
      stop.abort();
    }
    if (this.st === "stopped") {
      child.kill("SIGKILL");
      throw new Error(`${this.name} was stopped while starting`);
    }
    // stdout EOF counts as death even if the process lingers: nothing it computes can reach us any more
    lines.on("close", () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    child.once("exit", (code, sig) => void this.onExit(child, code, sig));
  }

  private onLine(line: string, pid: number | undefined): void {
    if (line.trim() === "") return;
    let lossy = false;
    let msg: unknown;
    try {
      // a reviver costs a call per value: only lines with a 16-digit run can hold an integer beyond 2^53
      msg = /\d{16}/.test(line)
        ? JSON.parse(line, (_k, v: unknown) => {
            if (typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v)) lossy = true;
            return v;
          })
        : JSON.parse(line);
    } catch {
      msg = undefined;
    }
    const r = msg as { id?: unknown; err_msg?: unknown; output?: unknown } | undefined;
    const valid =
      r !== null && typeof r === "object" && Number.isSafeInteger(r.id) && (r.id as number) >= 0 &&
      "err_msg" in r && (r.err_msg === null || typeof r.err_msg === "string") && "output" in r;
    if (!valid) return void this.garbage(line, pid);
    const id = r.id as number;
    const req = this.inFlight.get(id);
    if (!req) {
      if (this.retired.delete(id)) this.log.warn(`${this.name}: late response for request ${id} dropped (it had timed out or was cancelled)`);
      return; // unknown ids are ignored (§3.3)
    }
    this.inFlight.delete(id);
    req.cleanup();
    if (typeof r.err_msg === "string") req.reject(new ProcessorError("TASK_FAILED", `${this.o.section} processor: ${r.err_msg}`));
    else if (lossy)
      req.reject(new ProcessorError("BAD_OUTPUT", `${this.name}: the output of request ${id} holds an integer beyond 2^53, which cannot be forwarded exactly`));
    else req.resolve(r.output);
  }

  /** Damocles: log the first 100 characters, or dump the line when DUMP_ERR_RESP_<pid> names a directory. */
  private garbage(line: string, pid: number | undefined): void {
    const dir = pid === undefined ? undefined : process.env[`DUMP_ERR_RESP_${pid}`];
    if (dir) {
      const file = join(dir, `ext-processor-err-resp-${pid}-${randomUUID()}.json`);
      writeFile(file, line).then(
        () => this.log.warn(`${this.name}: unparsable response dumped to ${file}`),
        (e: Error) => this.log.warn(`${this.name}: unparsable response, and dumping it to ${dir} failed: ${e.message}`),
      );
    } else this.log.warn(`${this.name}: unparsable response ignored: ${JSON.stringify(line.slice(0, 100))}`);
  }

  private async onExit(child: Child, code: number | null, sig: NodeJS.Signals | null): Promise<void> {
    if (this.child !== child) return;
    const why = sig ?? `code ${code}`;
    this.lastError = `exited (${why})`;
    this.failAll((id) => new ProcessorError("CHILD_EXITED", `child process exited: ${this.o.readyStage} (${this.name}, ${why}, request ${id})`));
    if (this.o.cgroup) await removeCgroup(this.o.cgroup);
    if (this.st === "stopped") return;
    if (!this.o.autoRestart) {
      this.st = "dead";
      this.log.warn(`${this.name} ${this.lastError}; auto_restart is off, later ${this.o.section} tasks on it fail`);
      return;
    }
    this.st = "restarting";
    this.log.warn(`${this.name} ${this.lastError}; restarting in ${fmtMs(this.o.restartDelayMs ?? 3000)}`);
    this.ready = (async () => {
      await this.clock.sleep(this.o.restartDelayMs ?? 3000, this.stopRestart.signal);
      await this.spawnReady();
    })();
    try {
      await this.ready;
      if (this.st === "restarting") this.st = "ready";
      this.log.info(`${this.name} restarted`);
    } catch (err) {
      if ((this.st as State) !== "stopped") this.st = "dead";
      this.lastError = err instanceof Error ? err.message : String(err);
      this.log.warn(`restart failed, giving up: ${this.lastError}`);
    }
  }

  private failAll(err: (id: number) => Error): void {
    for (const [id, req] of [...this.inFlight]) {
      this.inFlight.delete(id);
      req.cleanup();
      req.reject(err(id));
    }
  }

  /** Sends one task and resolves with its output; every failure is a ProcessorError naming the entry. */
  async call(task: unknown, opts: { signal?: AbortSignal } = {}): Promise<unknown> {
    if (this.st === "starting" || this.st === "restarting") await this.ready.catch(() => undefined);
    if (this.st !== "ready" || !this.child)
      throw new ProcessorError("NOT_RUNNING", `${this.name} is not running${this.lastError ? ` (${this.lastError})` : ""}`);
    const signal = opts.signal;
    signal?.throwIfAborted();
    const id = this.nextId++;
    const child = this.child;
    return new Promise<unknown>((resolve, reject) => {
      const retire = (e: Error): void => {
        if (!this.inFlight.delete(id)) return;
        this.retired.add(id);
        cleanup();
        reject(e);
      };
      const timer =
        this.o.requestTimeoutMs > 0
          ? setTimeout(
              () =>
                retire(
                  new ProcessorError(
                    "TIMEOUT",
                    `processor request timed out: ${this.o.readyStage} id ${id} after ${fmtMs(this.o.requestTimeoutMs)} (${this.name})`,
                  ),
                ),
              this.o.requestTimeoutMs,
            )
          : null;
      const onAbort = (): void => retire(new ProcessorError("ABORTED", `${this.name}: request ${id} cancelled`, { cause: signal?.reason }));
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.inFlight.set(id, { resolve, reject, cleanup });
      child.stdin.write(`${JSON.stringify({ id, task })}\n`);
    });
  }

  /** Kills the child (the parent dropping the producer) and fails what is in flight. */
  async stop(): Promise<void> {
    const prev = this.st;
    this.st = "stopped";
    this.stopRestart.abort();
    const child = this.child;
    this.failAll((id) => new ProcessorError("NOT_RUNNING", `${this.name} stopped (request ${id})`));
    if (!child || prev === "idle" || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGKILL");
    await gone;
  }
}
