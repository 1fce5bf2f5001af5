// Shared by the three entry points: run a commander program, turning a thrown error into one clear
// line on stderr and exit code 1 (no stack trace for errors the user can fix). An error carrying a
// numeric `exitCode` (the devnet's 2 and 3, spec/devnet.md §1.4) exits with that code instead.
import type { Command } from "commander";

export class UsageError extends Error {}

export interface RunCliOptions {
  /** Prefix of the error line (default "error"; the devnet uses its program name). */
  errorPrefix?: string;
  /** Exit code of commander's usage errors (default: commander's own, 1). */
  usageExitCode?: number;
  /** Print the help after a usage error (default true). */
  showHelpAfterError?: boolean;
}

export function runCli(program: Command, argv: string[] = process.argv, opts: RunCliOptions = {}): void {
  program.showHelpAfterError(opts.showHelpAfterError ?? true).exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : (opts.usageExitCode ?? err.exitCode));
  });
  program.parseAsync(argv).catch((err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${opts.errorPrefix ?? "error"}: ${msg}\n`);
    if (process.env.DAMOCLES_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    const code = (err as { exitCode?: unknown } | null)?.exitCode;
    process.exit(typeof code === "number" && Number.isInteger(code) && code > 0 ? code : 1);
  });
}
