// The SDR parent-cache file (spec/filecoin.md §7.4, rust-fil-proofs
// storage-proofs-porep/src/stacked/vanilla/cache.rs): 14 u32le parents per node, nodes in order,
// named v28-sdr-parent-<hex>.cache in the proofs library's parent-cache directory, so a file made
// here and one made by rust-fil-proofs are interchangeable.
import { createHash } from "node:crypto";
import { mkdir, readFile, stat } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import type { ApiVersion } from "../filecoin/proof-types.js";
import { writeBytesAtomically } from "./atomic-file.js";
import { BASE_DEGREE, EXPANSION_DEGREE, PARENT_COUNT, SdrGraph, feistelKeys } from "./sdr-graph.js";

/** parameter_cache::VERSION in rust-fil-proofs: the `v28` of every file name. */
export const PARENT_CACHE_VERSION = 28;
export const PARENT_RECORD_BYTES = PARENT_COUNT * 4;

/**
 * rust-fil-proofs storage-proofs-porep/parent_cache.json: the SHA-256 of each production cache
 * file (proof ids 0–9), keyed by file stem. Synthetic and NI porep_ids give graphs it does not list.
 */
export const PARENT_CACHE_MANIFEST: Readonly<Record<string, { sectorSize: number; digest: string }>> = Object.freeze({
  "v28-sdr-parent-3f0eef38bb48af1f48ad65e14eb85b4ebfc167cec18cd81764f6d998836c9899": { sectorSize: 2048, digest: "3da49221e2ed55371b86d0bf3d6526fcf128af61bed904f966428db1b531750d" },
  "v28-sdr-parent-494d91dc80f2df5272c4b9e129bc7ade9405225993af9fe34e6542a39a47554b": { sectorSize: 2048, digest: "840057702eea7652cf97e04306c30fe57174714d90de156a25eddd6075c25b97" },
  "v28-sdr-parent-dcdabb0fbe4364bf0ac28b6a18c66de246409fa1a9020a00f33fb3e3053da6dc": { sectorSize: 8388608, digest: "a76604f2f59f2744c7151653bbb1d8596b6b57d295e6fa6c1f0c41d725b502ce" },
  "v28-sdr-parent-5eed212119fd91aa6220a27f31a8966444a9381842bceb3a1ea61525bd47a5b5": { sectorSize: 8388608, digest: "03cd13565ded97c240a5f52e54295ad127bd0461b57904cb3a4d79b097bbecab" },
  "v28-sdr-parent-2aa9c77c3e58259481351cc4be2079cc71e1c9af39700866545c043bfa30fb42": { sectorSize: 536870912, digest: "3adcc092423aa76d6a7184016893406da44dd974b219a89cd3ece25e4e3018f5" },
  "v28-sdr-parent-7ba215a1d2345774ab90b8cb1158d296e409d6068819d7b8c7baf0b25d63dc34": { sectorSize: 536870912, digest: "b5877d1963793efebc261fd8fde4dd6bc59e6b5c7abf52617a4ee023b8dc173a" },
  "v28-sdr-parent-21981246c370f9d76c7a77ab273d94bde0ceb4e938292334960bce05585dc117": { sectorSize: 34359738368, digest: "93deeac5e3052b6927467d4b2641bb782f05491de18d510147c93eeedd8672da" },
  "v28-sdr-parent-e1fa5d5b811ddbd118be3412c4a8c329156b8b8acc72632bca459455b5a05a13": { sectorSize: 34359738368, digest: "3c4f9841fcc75aed8c695800e58d08480629f25af3a2aefd81904181d75cc0b6" },
  "v28-sdr-parent-4905486b7af19558ac3649bc6261411858b6add534438878c4ee3b29d8b9de0b": { sectorSize: 68719476736, digest: "2698b74eb2606b55b98d8b095e18b6320b47f46e00075956d48640ccd1641b03" },
  "v28-sdr-parent-8a99e8d6b6be7ab87a56b632e6739ff201c23ea14e99737c74690f0e265574d6": { sectorSize: 68719476736, digest: "2778a732ad46a7dc18e0564dfdf59fd321dcde74ab476fd6d3c4e6735d7cd89c" },
});

/** The StackedGraph identifier string that names the cache (hasher poseidon_hasher, as for every sealing graph). */
export function graphIdentifier(nodes: number): string {
  return (
    `stacked_graph::StackedGraph{expansion_degree: ${EXPANSION_DEGREE} base_graph: ` +
    `drgraph::BucketGraph{size: ${nodes}; degree: ${BASE_DEGREE}; hasher: poseidon_hasher} }`
  );
}

/** v28-sdr-parent-<hex(sha256("poseidon_hasher" ‖ identifier ‖ k0..k3 as u64le ‖ u32le(n)))>.cache */
export function parentCacheFileName(porepId: Uint8Array, nodes: number): string {
  if (!Number.isSafeInteger(nodes) || nodes < 2 || nodes > 0xffffffff)
    throw new RangeError(`parent cache node count ${String(nodes)} must be an integer in 2..2^32-1`);
  const tail = new Uint8Array(36);
  const dv = new DataView(tail.buffer);
  feistelKeys(porepId).forEach((k, i) => dv.setBigUint64(8 * i, k, true));
  dv.setUint32(32, nodes, true);
  const h = createHash("sha256").update("poseidon_hasher").update(graphIdentifier(nodes)).update(tail).digest("hex");
  return `v${PARENT_CACHE_VERSION}-sdr-parent-${h}.cache`;
}

/**
 * The proofs library's parent-cache directory: FIL_PROOFS_PARENT_CACHE, else
 * FIL_PROOFS_CACHE_DIR (default "/var/tmp/") with "filecoin-parents" appended as a plain string,
 * exactly as rust-fil-proofs settings.rs does (so "/x" gives "/xfilecoin-parents").
 */
export function parentCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.FIL_PROOFS_PARENT_CACHE;
  if (explicit) return explicit;
  return `${env.FIL_PROOFS_CACHE_DIR || "/var/tmp/"}filecoin-parents`;
}

/** All parents of the graph, 14 per node in node order (the file's content as u32 values). */
export function buildParentCache(graph: SdrGraph): Uint32Array {
  const out = new Uint32Array(graph.nodes * PARENT_COUNT);
  graph.fillParents(0, graph.nodes, out);
  return out;
}

const LITTLE_ENDIAN = os.endianness() === "LE";

/** The file bytes of a parent cache (u32le). */
export function parentCacheBytes(cache: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(cache.buffer, cache.byteOffset, cache.byteLength);
  if (LITTLE_ENDIAN) return bytes;
  const copy = Buffer.from(bytes);
  copy.swap32();
  return copy;
}

/** SHA-256 of the cache file content (what the manifest lists). */
export function parentCacheDigest(cache: Uint32Array): string {
  return createHash("sha256").update(parentCacheBytes(cache)).digest("hex");
}

/** The manifest's expected digest for a file name, if it is a production cache. */
export function manifestDigest(fileName: string): string | undefined {
  return PARENT_CACHE_MANIFEST[fileName.replace(/\.cache$/, "")]?.digest;
}

function checkAgainstManifest(name: string, cache: Uint32Array): void {
  const want = manifestDigest(name);
  if (want === undefined) return;
  const got = parentCacheDigest(cache);
  if (got !== want)
    throw new Error(`generated parent cache ${name} has SHA-256 ${got}, the proofs manifest expects ${want}; the graph code is wrong`);
}

/** Builds the graph's cache and writes it as dir/<parentCacheFileName> (nothing half-written); returns the path. */
export async function writeParentCache(
  dir: string,
  porepId: Uint8Array,
  nodes: number,
  apiVersion: ApiVersion,
): Promise<string> {
  return (await createParentCache(dir, porepId, nodes, apiVersion)).path;
}

async function createParentCache(
  dir: string,
  porepId: Uint8Array,
  nodes: number,
  apiVersion: ApiVersion,
): Promise<{ path: string; cache: Uint32Array }> {
  const name = parentCacheFileName(porepId, nodes);
  const cache = buildParentCache(new SdrGraph(porepId, nodes, apiVersion));
  checkAgainstManifest(name, cache);
  const path = join(dir, name);
  await mkdir(dir, { recursive: true });
  // workers sealing at once may all build the same missing cache: each writes its own temp file
  await writeBytesAtomically(path, parentCacheBytes(cache), { concurrentWriters: true });
  return { path, cache };
}

export interface LoadParentCacheOptions {
  /** Hash an existing production file and rebuild it when it differs from the manifest (FIL_PROOFS_VERIFY_CACHE). */
  verify?: boolean;
}

/**
 * The graph's parents from dir/<parentCacheFileName>: an existing file of the right size is read
 * (and, with `verify`, checked against the manifest); a missing, wrong-size or failing file is
 * (re)built and written atomically.
 */
export async function loadParentCache(
  dir: string,
  porepId: Uint8Array,
  nodes: number,
  apiVersion: ApiVersion,
  options: LoadParentCacheOptions = {},
): Promise<Uint32Array> {
  const name = parentCacheFileName(porepId, nodes);
  const path = join(dir, name);
  const size = await stat(path).then(
    (s) => (s.isFile() ? s.size : -1),
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return -1;
      throw err;
    },
  );
  if (size === nodes * PARENT_RECORD_BYTES) {
    const cache = fromFileBytes(await readFile(path));
    const want = options.verify ? manifestDigest(name) : undefined;
    if (want === undefined || parentCacheDigest(cache) === want) return cache;
  }
  return (await createParentCache(dir, porepId, nodes, apiVersion)).cache;
}

function fromFileBytes(buf: Uint8Array): Uint32Array {
  const aligned = buf.byteOffset % 4 === 0 ? buf : Uint8Array.from(buf);
  if (!LITTLE_ENDIAN) Buffer.from(aligned.buffer, aligned.byteOffset, aligned.byteLength).swap32();
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}
