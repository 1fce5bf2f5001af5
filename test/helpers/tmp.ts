// Temporary directories removed when the test ends.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

export async function tempDir(t: TestContext, prefix = "damocles-test-"): Promise<string> {
  const dir = await mkdtemp(join(os.tmpdir(), prefix));
  // retries: a child process that is still exiting may add a file while the tree is removed
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));
  return dir;
}
