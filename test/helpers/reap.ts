// Daemons a test starts must never outlive the test process: if a test's own cleanup fails (or the runner
// force-exits a hung file), every child registered here is killed when the process exits.
import type { ChildProcess } from "node:child_process";

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

export function reapOnExit<C extends ChildProcess>(child: C): C {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}
