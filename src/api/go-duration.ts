// Go's time.Duration text form, as Damocles and Lotus write durations in config files and flags
// ("1m0s", "25h0m0s", "500ms"). Shared by the manager, the worker's manager-facing bits and the devnet.

/** A duration in milliseconds (possibly fractional: Go durations reach nanoseconds). */
export type DurationMs = number;

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration ("500ms", "1s", "2m0s", "1.5h", "-3s"), in milliseconds. */
export function parseGoDuration(text: string): DurationMs {
  const bad = (): RangeError =>
    new RangeError(`invalid duration "${text}": expected a Go duration such as 500ms, 1s, 2m0s or 1h30m`);
  const m = /^([-+]?)(.*)$/.exec(text.trim())!;
  const body = m[2]!;
  if (body === "0") return 0;
  if (body === "") throw bad();
  let ms = 0;
  let rest = body;
  while (rest !== "") {
    const t = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!t) throw bad();
    ms += Number(t[1]) * UNIT_MS[t[2]!]!;
    rest = rest.slice(t[0].length);
  }
  return m[1] === "-" ? -ms : ms;
}

/** Go's Duration.String for whole milliseconds: 500 → "500ms", 1000 → "1s", 120000 → "2m0s", 0 → "0s". */
export function formatGoDuration(ms: DurationMs): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`duration ${String(ms)} ms must be a whole number of milliseconds`);
  if (ms < 0) return `-${formatGoDuration(-ms)}`;
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const rest = ms % 60_000;
  const secs = `${Math.floor(rest / 1000)}${rest % 1000 ? `.${String(rest % 1000).padStart(3, "0").replace(/0+$/, "")}` : ""}s`;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${secs}`;
}
