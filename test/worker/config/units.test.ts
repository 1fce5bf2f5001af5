import assert from "node:assert/strict";
import { test } from "node:test";
import {
  formatDuration,
  parseByteSize,
  parseCpuset,
  parseDuration,
  parseManagerAddr,
  parseSocketAddr,
} from "../../../src/worker/config/units.js";

test("humantime durations as Damocles writes them", () => {
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("1min"), 60_000);
  assert.equal(parseDuration("5min"), 300_000);
  assert.equal(parseDuration("180s"), 180_000);
  assert.equal(parseDuration("1h 30m"), 5_400_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("2days"), 172_800_000);
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("0s"), 0);
  for (const bad of ["", "30", "s", "1.5h", "-1s", "10 parsecs"]) assert.throws(() => parseDuration(bad), RangeError, bad);
  assert.equal(formatDuration(90_000), "1m 30s");
  assert.equal(parseDuration(formatDuration(93_784_005)), 93_784_005);
});

test("byte sizes: binary and decimal units, or a number of bytes", () => {
  assert.equal(parseByteSize("1KiB"), 1024);
  assert.equal(parseByteSize("8GiB"), 8 * 1024 ** 3);
  assert.equal(parseByteSize("1KB"), 1000);
  assert.equal(parseByteSize("512 MiB"), 512 * 1024 ** 2);
  assert.equal(parseByteSize("2048"), 2048);
  assert.equal(parseByteSize(2048), 2048);
  assert.throws(() => parseByteSize("8 furlongs"), RangeError);
  assert.throws(() => parseByteSize(-1), RangeError);
});

test("cpusets: lists and ranges; syntax errors throw", () => {
  assert.deepEqual(parseCpuset("0-3"), [0, 1, 2, 3]);
  assert.deepEqual(parseCpuset("8-9,24-25,3"), [3, 8, 9, 24, 25]);
  for (const bad of ["", "a-b", "3-1", "1,,2", "0-"]) assert.throws(() => parseCpuset(bad), RangeError, bad);
});

test("manager address: multiaddr or URL, always <scheme>://host:port/rpc/v0 (protocols.md §1.1)", () => {
  const cases: [string, string][] = [
    ["/ip4/127.0.0.1/tcp/1789", "http://127.0.0.1:1789/rpc/v0"],
    ["/ip6/2001:db8::8888/tcp/1789", "http://[2001:db8::8888]:1789/rpc/v0"],
    ["/dns/manager.local/tcp/1789", "http://manager.local:1789/rpc/v0"],
    ["/dns4/hello.com/tcp/1789", "http://hello.com:1789/rpc/v0"],
    ["/dns4/hello.com/tcp/443/https", "https://hello.com:443/rpc/v0"],
    ["http://hello.com:1789", "http://hello.com:1789/rpc/v0"],
    ["http://10.0.0.2:1789/some/path", "http://10.0.0.2:1789/rpc/v0"],
    ["ws://10.0.0.2:1789/rpc/v0", "http://10.0.0.2:1789/rpc/v0"],
  ];
  for (const [addr, url] of cases) assert.equal(parseManagerAddr(addr).rpcUrl, url, addr);
  assert.equal(parseManagerAddr("/ip4/10.0.0.2/tcp/1789").origin, "http://10.0.0.2:1789");
  for (const bad of ["/tcp/1789", "/ip4/1.2.3.4/udp/1", "ftp://x:1", "not an address", "/ip4/1.2.3.4/tcp/99999"])
    assert.throws(() => parseManagerAddr(bad), RangeError, bad);
});

test("socket addresses are ip:port", () => {
  assert.deepEqual(parseSocketAddr("0.0.0.0:9000"), { host: "0.0.0.0", port: 9000 });
  assert.deepEqual(parseSocketAddr("[::]:9000"), { host: "::", port: 9000 });
  for (const bad of ["localhost:9000", "0.0.0.0", "1.2.3.400:1", "1.2.3.4:70000"]) assert.throws(() => parseSocketAddr(bad), RangeError, bad);
});
