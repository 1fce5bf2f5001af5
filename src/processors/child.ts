// `damocles-worker processor <stage>`: the child side of the external-processor protocol (spec/protocols.md §3.2–
// §3.4, §4d) over the built-in stages. It prints the ready line, reads NDJSON requests, runs each at once in the
// built-in worker threads and answers in completion order. A line that is not a valid request is answered with
// `invalid request: …` when its id is readable, else only logged. EOF on stdin: the parent is gone, exit 1.
// stdout carries protocol lines only; every log goes to stderr.
import { Command, Option } from "commander";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { TASK_SCHEMAS } from "../api/processor-tasks.js";
import { STAGE_NAMES, isStageName, readyLine, type StageName } from "../api/stages.js";
import { BuiltinPool } from "./builtin-pool.js";
import { errorChain } from "./error-chain.js";

export interface ChildIo {
  input: Readable;
  output: Writable;
  log: (msg: string) => void;
}

/** Runs one task of the stage; the default runs it in a built-in worker thread. */
export type TaskRunner = (task: unknown) => Promise<unknown>;

const stderrLog = (msg: string): void => void process.stderr.write(`${new Date().toISOString()} processor: ${msg}\n`);

/** Serves requests until stdin ends; resolves then (after answering what is in flight when `drain`). */
export async function serveProcessor(stage: StageName, run: TaskRunner, io: ChildIo): Promise<void> {
  const schema = TASK_SCHEMAS[stage].input;
  const send = (id: number, err_msg: string | null, output: unknown): void => {
    // one write per line: Node never interleaves two writes, so each response line is atomic
    io.output.write(`${JSON.stringify({ id, err_msg, output: err_msg === null ? (output ?? null) : null })}\n`);
  };
  io.output.write(`${readyLine(stage)}\n`);
  const lines = createInterface({ input: io.input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch (e) {
      io.log(`ignored a request line that is not JSON (${(e as Error).message}): ${JSON.stringify(line.slice(0, 100))}`);
      continue;
    }
    const id = (msg as { id?: unknown } | null)?.id;
    if (msg === null || typeof msg !== "object" || Array.isArray(msg) || typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) {
      io.log(`ignored a request line without a readable id: ${JSON.stringify(line.slice(0, 100))}`);
      continue;
    }
    if (!("task" in msg)) {
      send(id, "invalid request: missing field `task`", null);
      continue;
    }
    const parsed = schema.safeParse((msg as { task: unknown }).task);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      send(id, `invalid request: task${i.path.map((p) => `.${String(p)}`).join("")}: ${i.message}`, null);
      continue;
    }
    run(parsed.data).then(
      (output) => send(id, null, output),
      (err: unknown) => send(id, errorChain(err), null),
    );
  }
}

export interface ProcessorCommandOptions {
  hugepage_files_path?: string;
  hugepage_files_path_pattern?: string;
  disable_link?: boolean;
}

/** The whole child process: serve, then exit 1 when the parent closes stdin (protocols.md §3.4). */
export async function runProcessorChild(stage: StageName, o: ProcessorCommandOptions = {}): Promise<never> {
  if (o.disable_link) process.env.DISABLE_LINK = "true"; // read by the transfer stage in its worker thread
  if (stage === "pc1" && (o.hugepage_files_path || o.hugepage_files_path_pattern || process.env.HUGEPAGE_FILES_PATH || process.env.HUGEPAGE_FILES_PATH_PATTERN))
    stderrLog("the built-in pc1 does not use hugepage memory files; the setting is ignored");
  const pool = new BuiltinPool();
  await serveProcessor(stage, (task) => pool.run(stage, task as never), { input: process.stdin, output: process.stdout, log: stderrLog });
  stderrLog(`stdin closed: the parent of this ${stage} processor is gone, exiting`);
  await pool.close();
  process.exit(1);
}

/** `damocles-worker processor <stage>`, registered by src/bin/damocles-worker.ts. */
export function processorCommand(): Command {
  return new Command("processor")
    .description("run one stage as an external processor child: speaks the Damocles processor protocol on stdin/stdout, logs on stderr")
    .argument("<stage>", `one of ${STAGE_NAMES.join(", ")}`)
    .addOption(new Option("--hugepage_files_path <path>", "pc1: hugepage memory files (accepted for compatibility; unused)").env("HUGEPAGE_FILES_PATH"))
    .addOption(new Option("--hugepage_files_path_pattern <pattern>", "pc1: hugepage file pattern (accepted; unused)").env("HUGEPAGE_FILES_PATH_PATTERN"))
    .addOption(new Option("--disable_link", "transfer: always copy, never symlink").env("DISABLE_LINK"))
    .action(async (stage: string, o: ProcessorCommandOptions) => {
      if (!isStageName(stage)) throw new Error(`unknown processor stage "${stage}"; known: ${STAGE_NAMES.join(", ")}`);
      await runProcessorChild(stage, o);
    });
}
