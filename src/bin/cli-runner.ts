// Shared by the three entry points: run a commander program, turning a thrown error into one clear
// line on stderr and exit code 1 (no stack trace for errors the user can fix).
import type { Command } from "commander";

export class UsageError extends Error {}

export function runCli(program: Command, argv: string[] = process.argv): void {
  program.showHelpAfterError().exitOverride((err) => {
    process.exit(err.exitCode);
  });
  program.parseAsync(argv).catch((err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`error: ${msg}\n`);
    if (process.env.DAMOCLES_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  });
}
