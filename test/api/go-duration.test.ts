// Go duration text (time.ParseDuration / Duration.String) in milliseconds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatGoDuration, parseGoDuration } from "../../src/api/go-duration.js";

test("parses what Go's time.ParseDuration accepts", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["0s", 0],
    ["500ms", 500],
    ["1s", 1000],
    ["1m0s", 60_000],
    ["25h0m0s", 25 * 3_600_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["2m30.5s", 150_500],
    ["1500us", 1.5],
    ["-3s", -3000],
    ["+3s", 3000],
  ];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
  for (const bad of ["", "5x", "1", "1 s", "s", "1d", "--1s"])
    assert.throws(() => parseGoDuration(bad), /invalid duration .*expected a Go duration/, bad);
});

test("formats as Go's Duration.String and round-trips", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [500, "500ms"],
    [1000, "1s"],
    [15_000, "15s"],
    [60_000, "1m0s"],
    [120_000, "2m0s"],
    [3_600_000, "1h0m0s"],
    [25 * 3_600_000, "25h0m0s"],
    [61_500, "1m1.5s"],
    [-2000, "-2s"],
  ];
  for (const [ms, text] of cases) {
    assert.equal(formatGoDuration(ms), text, String(ms));
    assert.equal(parseGoDuration(text), ms, text);
  }
  assert.throws(() => formatGoDuration(0.5), /whole number of milliseconds/);
});
