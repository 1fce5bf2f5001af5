import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ALL_SECTOR_SIZES,
  GiB,
  KiB,
  MiB,
  SECTOR_SIZES,
  formatSectorSize,
  parseSectorSize,
  sectorParams,
  unpaddedSize,
} from "../../src/filecoin/sizes.js";

test("the table of spec §1, row by row", () => {
  const rows: Array<[number, number, number, string, number, number, number, number, number]> = [
    // size, nodes, layers, shape, porep parts, porep cpp, ni parts, ni cpp, wpost sectors
    [2 * KiB, 64, 2, "8-0-0", 1, 2, 13, 2, 2],
    [8 * MiB, 2 ** 18, 2, "8-0-0", 1, 2, 13, 2, 2],
    [512 * MiB, 2 ** 24, 2, "8-0-0", 1, 2, 13, 2, 2],
    [32 * GiB, 2 ** 30, 11, "8-8-0", 10, 18, 126, 18, 2349],
    [64 * GiB, 2 ** 31, 11, "8-8-2", 10, 18, 126, 18, 2300],
  ];
  for (const [size, nodes, layers, shape, pp, pc, np, nc, ws] of rows) {
    const p = sectorParams(size);
    assert.equal(p.nodes, nodes);
    assert.equal(p.layers, layers);
    assert.equal(`${p.shape.base}-${p.shape.sub}-${p.shape.top}`, shape);
    assert.deepEqual(
      [p.porepPartitions, p.porepChallengesPerPartition, p.niPartitions, p.niChallengesPerPartition],
      [pp, pc, np, nc],
    );
    assert.equal(p.windowPostPartitionSectors, ws);
    assert.equal(p.registered, true);
  }
  assert.deepEqual(SECTOR_SIZES, [2 * KiB, 8 * MiB, 512 * MiB, 32 * GiB, 64 * GiB]);
});

test("unpadded capacities", () => {
  assert.equal(unpaddedSize(2048), 2032);
  assert.equal(unpaddedSize(32 * GiB), 34_091_302_912);
  assert.equal(unpaddedSize(64 * GiB), 68_182_605_824);
});

test("test sizes have the library's shapes, 2 layers and are not registered", () => {
  const shapes: Record<string, string> = { "4KiB": "8-2-0", "16KiB": "8-8-0", "32KiB": "8-8-2", "16MiB": "8-2-0", "1GiB": "8-2-0" };
  for (const [label, shape] of Object.entries(shapes)) {
    const p = sectorParams(parseSectorSize(label));
    assert.equal(p.label, label);
    assert.equal(`${p.shape.base}-${p.shape.sub}-${p.shape.top}`, shape);
    assert.equal(p.layers, 2);
    assert.equal(p.registered, false);
    assert.equal(p.porepChallengesPerPartition, 2);
  }
  assert.equal(ALL_SECTOR_SIZES.length, 10);
});

test("parse and format sector sizes", () => {
  assert.equal(parseSectorSize("2KiB"), 2048);
  assert.equal(parseSectorSize("2kib"), 2048);
  assert.equal(parseSectorSize("8MiB"), 8 * MiB);
  assert.equal(parseSectorSize("512MiB"), 512 * MiB);
  assert.equal(parseSectorSize("32GiB"), 32 * GiB);
  assert.equal(parseSectorSize("64gib"), 64 * GiB);
  assert.equal(parseSectorSize("2048"), 2048);
  assert.equal(formatSectorSize(34359738368), "32GiB");
  assert.equal(formatSectorSize(8 * MiB), "8MiB");
  assert.equal(formatSectorSize(1000), "1000B");
  for (const s of ALL_SECTOR_SIZES) assert.equal(parseSectorSize(formatSectorSize(s)), s);
  assert.throws(() => parseSectorSize("3KiB"), /invalid sector size "3KiB".*2KiB \(2048\)/);
  assert.throws(() => parseSectorSize("2KB"), /invalid sector size/);
  assert.throws(() => sectorParams(4096 * 3), /unknown sector size 12288; known sizes: 2KiB/);
});
