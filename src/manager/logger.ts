// Structured logs: one JSON object per line on stderr with `ts`, `level`, `module` and the caller's fields
// (`miner`, `sector`, …), so operators can filter with jq and log shippers need no parser.
import type { RpcLogger } from "../rpc/server.js";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger extends RpcLogger {
  debug(obj: object, msg: string): void;
  /** A logger whose lines carry `fields` too (e.g. `{ module: "commitment", miner: 1000 }`). */
  child(fields: object): Logger;
}

export interface LoggerOptions {
  module?: string;
  /** Lines below this level are dropped (default: $DAMOCLES_LOG_LEVEL, else info). */
  level?: LogLevel;
  write?: (line: string) => void;
  now?: () => Date;
}

/** Errors become their message; bigints their decimal text: JSON.stringify must never throw on a log line. */
function replacer(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Error) return v.message;
  return v;
}

function envLevel(): LogLevel {
  const v = process.env["DAMOCLES_LOG_LEVEL"]?.toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(v ?? "") ? (v as LogLevel) : "info";
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = LOG_LEVELS.indexOf(opts.level ?? envLevel());
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  const now = opts.now ?? (() => new Date());
  const make = (base: object): Logger => {
    const emit = (level: LogLevel) => (obj: object, msg: string) => {
      if (LOG_LEVELS.indexOf(level) < min) return;
      let line: string;
      try {
        line = JSON.stringify({ ts: now().toISOString(), level, ...base, msg, ...obj }, replacer);
      } catch {
        line = JSON.stringify({ ts: now().toISOString(), level, ...base, msg, note: "fields could not be serialized" });
      }
      write(`${line}\n`);
    };
    return {
      debug: emit("debug"),
      info: emit("info"),
      warn: emit("warn"),
      error: emit("error"),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(opts.module === undefined ? {} : { module: opts.module });
}
