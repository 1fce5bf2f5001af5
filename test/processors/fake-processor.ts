// A small external processor for the host tests, written into a temp dir as a plain node script. Ready-line
// behaviour comes from env (FAKE_READY = ok | never | wrong | exit, FAKE_READY_DELAY ms); each task says what to
// do: {delay, crash, silent, garbage, fail, reply, env: [names to echo]}. Outputs carry the child's pid, start and end times and the
// most tasks it had in flight, so tests can check overlap without timing assertions on speed.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

const SCRIPT = String.raw`
const readline = require("node:readline");
const stage = process.argv[2];
const mode = process.env.FAKE_READY ?? "ok";
let inflight = 0, maxInflight = 0;
const send = (o) => process.stdout.write(JSON.stringify(o) + "\n");
function serve() {
  readline.createInterface({ input: process.stdin }).on("line", (line) => {
    const { id, task } = JSON.parse(line);
    const start = Date.now();
    inflight++; maxInflight = Math.max(maxInflight, inflight);
    if (task.crash) { process.stderr.write("fake: crashing\n"); process.exit(3); }
    setTimeout(() => {
      inflight--;
      if (task.silent) return;
      if (task.garbage) process.stdout.write("this is not json {\n");
      if (task.garbage === "only") return;
      if (task.fail) return send({ id, err_msg: task.fail, output: null });
      send({ id, err_msg: null, output: { ...(task.reply ?? {}), pid: process.pid, start, end: Date.now(), maxInflight, label: task.label, env: Object.fromEntries((task.env ?? []).map((k) => [k, process.env[k] ?? null])) } });
    }, task.delay ?? 0);
  }).on("close", () => process.exit(1));
}
setTimeout(() => {
  if (mode === "never") return setInterval(() => {}, 1000);
  if (mode === "exit") process.exit(2);
  process.stdout.write((mode === "wrong" ? "other" : stage) + " processor ready\n");
  serve();
}, Number(process.env.FAKE_READY_DELAY ?? 0));
`;

export async function writeFakeProcessor(dir: string): Promise<string> {
  const path = join(dir, "fake-processor.cjs");
  await writeFile(path, SCRIPT);
  return path;
}
