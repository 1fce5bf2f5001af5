import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { ExternalProcessor, ProcessorError, type ExternalProcessorOptions, type ProcessorLogger } from "../../src/processors/external.js";
import { tempDir } from "../helpers/tmp.js";
import { writeFakeProcessor } from "./fake-processor.js";

interface FakeOutput {
  pid: number;
  start: number;
  end: number;
  maxInflight: number;
  label?: string;
}

const quiet = (): ProcessorLogger & { lines: string[] } => {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m) };
};

async function fake(t: TestContext, env: Record<string, string> = {}, o: Partial<ExternalProcessorOptions> = {}) {
  const script = await writeFakeProcessor(await tempDir(t));
  const logger = quiet();
  const p = new ExternalProcessor({
    section: "pc1",
    index: 0,
    readyStage: "pc1",
    command: { bin: process.execPath, args: [script, "pc1"], env: { ...process.env, ...env } },
    stableWaitMs: 2000,
    requestTimeoutMs: 0,
    autoRestart: true,
    restartDelayMs: 50,
    logger,
    ...o,
  });
  t.after(() => p.stop());
  return { p, logger };
}

test("a slow ready line within stable_wait is accepted; ids start at 1 and replies are matched by id", async (t) => {
  const { p } = await fake(t, { FAKE_READY_DELAY: "300" });
  await p.start();
  assert.equal(p.state, "ready");
  const out = (await p.call({ label: "a" })) as FakeOutput;
  assert.equal(out.label, "a");
  assert.equal(out.pid, p.pid);
});

test("never ready, a wrong first line, or an exit before the ready line fail the start naming the entry", async (t) => {
  const never = await fake(t, { FAKE_READY: "never" }, { stableWaitMs: 300 });
  await assert.rejects(never.p.start(), /pc1 processor \(entry 0, pid \d+\) did not print "pc1 processor ready" within stable_wait 300ms/);
  assert.equal(never.p.state, "dead");
  const wrong = await fake(t, { FAKE_READY: "wrong" });
  await assert.rejects(wrong.p.start(), /printed "other processor ready" as its first line instead of "pc1 processor ready"/);
  const exit = await fake(t, { FAKE_READY: "exit" });
  await assert.rejects(exit.p.start(), /exited \(code 2\) before printing "pc1 processor ready"|closed its stdout before printing/);
  const missing = new ExternalProcessor({
    section: "pc1", index: 1, readyStage: "pc1", command: { bin: "/nonexistent/processor", args: [], env: {} },
    stableWaitMs: 1000, requestTimeoutMs: 0, autoRestart: false, logger: quiet(),
  });
  await assert.rejects(missing.start(), /cannot run \/nonexistent\/processor|exited|closed its stdout/);
});

test("out-of-order replies each reach their own caller", async (t) => {
  const { p } = await fake(t);
  await p.start();
  const outs = (await Promise.all([
    p.call({ label: "slow", delay: 400 }),
    p.call({ label: "fast", delay: 0 }),
    p.call({ label: "mid", delay: 200 }),
  ])) as FakeOutput[];
  assert.deepEqual(outs.map((o) => o.label), ["slow", "fast", "mid"]);
  assert.ok(outs[1]!.end <= outs[2]!.end && outs[2]!.end <= outs[0]!.end, "the child answered fast, mid, slow");
  assert.equal(outs[0]!.maxInflight >= 2, true, "the child ran them at once");
});

test("a task error comes back as err_msg; garbage lines are ignored and logged", async (t) => {
  const { p, logger } = await fake(t);
  await p.start();
  await assert.rejects(p.call({ fail: "Panic: assertion failed" }), (e: unknown) => {
    assert.ok(e instanceof ProcessorError);
    assert.equal(e.code, "TASK_FAILED");
    assert.match(e.message, /pc1 processor: Panic: assertion failed/);
    return true;
  });
  const out = (await p.call({ garbage: true, label: "after-garbage" })) as FakeOutput;
  assert.equal(out.label, "after-garbage");
  assert.ok(logger.lines.some((l) => l.includes("unparsable response ignored") && l.includes("this is not json")));
});

test("a silent child is bounded by request_timeout: the request fails, the child keeps serving", async (t) => {
  const { p } = await fake(t, {}, { requestTimeoutMs: 300 });
  await p.start();
  const pid = p.pid;
  await assert.rejects(p.call({ garbage: "only" }), /processor request timed out: pc1 id 1 after 300ms/);
  await assert.rejects(p.call({ silent: true }), /processor request timed out: pc1 id 2 after 300ms/);
  assert.equal(p.load, 0, "timed-out ids are retired");
  const out = (await p.call({ label: "still" })) as FakeOutput;
  assert.equal(out.pid, pid, "not killed by a timeout");
});

test("a crash mid-task fails every in-flight request with `child process exited`, then auto_restart brings it back", async (t) => {
  const { p } = await fake(t);
  await p.start();
  const firstPid = p.pid;
  const slow = p.call({ delay: 5000 });
  const crash = p.call({ crash: true });
  await assert.rejects(crash, /child process exited: pc1/);
  await assert.rejects(slow, (e: unknown) => e instanceof ProcessorError && e.code === "CHILD_EXITED");
  const out = (await p.call({ label: "after-restart" })) as FakeOutput; // waits for the restart
  assert.equal(out.label, "after-restart");
  assert.notEqual(out.pid, firstPid);
  assert.equal(p.state, "ready");
});

test("without auto_restart a dead child stays dead and later tasks fail at once", async (t) => {
  const { p } = await fake(t, {}, { autoRestart: false });
  await p.start();
  await assert.rejects(p.call({ crash: true }), /child process exited: pc1/);
  await assert.rejects(p.call({}), /pc1 processor \(entry 0.*\) is not running \(exited \(code 3\)\)/);
  assert.equal(p.state, "dead");
});

test("cancelling a request retires its id; a late reply is dropped with a log line", async (t) => {
  const { p, logger } = await fake(t);
  await p.start();
  const ac = new AbortController();
  const pending = p.call({ delay: 200 }, { signal: ac.signal });
  ac.abort(new Error("thread paused"));
  await assert.rejects(pending, /request 1 cancelled/);
  await new Promise((r) => setTimeout(r, 400));
  assert.ok(logger.lines.some((l) => l.includes("late response for request 1 dropped")));
});

test("an output integer beyond 2^53 is refused rather than forwarded changed; DUMP_ERR_RESP_<pid> dumps garbage lines", async (t) => {
  const { readdir, readFile } = await import("node:fs/promises");
  const { p } = await fake(t);
  await p.start();
  await assert.rejects(p.call({ reply: { big: 2 ** 60 } }), /holds an integer beyond 2\^53/);
  const dumpDir = await tempDir(t);
  const key = `DUMP_ERR_RESP_${p.pid}`;
  process.env[key] = dumpDir;
  t.after(() => delete process.env[key]);
  await p.call({ garbage: true });
  await new Promise((r) => setTimeout(r, 100));
  const files = await readdir(dumpDir);
  assert.equal(files.length, 1);
  assert.match(files[0]!, new RegExp(`^ext-processor-err-resp-${p.pid}-[0-9a-f-]{36}\\.json$`));
  assert.equal(await readFile(`${dumpDir}/${files[0]}`, "utf8"), "this is not json {");
});
