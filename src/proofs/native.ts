// The small native addon (native/*.c, built by node-gyp from binding.gyp when `npm ci` installs the
// package): Fr Montgomery arithmetic for Poseidon and the bulk Fr add/sub of replica encoding. It lives at
// <package root>/build/Release/damocles_native.node; the root is found by walking up to package.json so
// the same code works from src/ (tsx) and from dist/ (built). The addon is context-aware, so worker
// threads load it too.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Poseidon constants copied into native memory for one arity; freed with the object. */
export type PreparedPoseidon = { readonly __brand: "PreparedPoseidon" };

export interface NativeAddon {
  /** Copies the packed Montgomery-form constants (poseidon-constants.ts `packPoseidonConstants`). */
  poseidonPrepare(arity: number, fullRounds: number, partialRounds: number, constants: Uint8Array): PreparedPoseidon;
  /** Hashes out.length/32 groups of `arity` elements; returns −1, or the index of the first element ≥ p. */
  poseidonHashMany(prepared: PreparedPoseidon, input: Uint8Array, out: Uint8Array): number;
  /** Element-wise (a ± b) mod p; returns −1, or the index of the first element where a or b is ≥ p. */
  frAddMany(a: Uint8Array, b: Uint8Array, out: Uint8Array): number;
  frSubMany(a: Uint8Array, b: Uint8Array, out: Uint8Array): number;
}

export const NATIVE_ADDON_PATH = join("build", "Release", "damocles_native.node");

let addon: NativeAddon | undefined;

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

/** The loaded addon (loaded once per thread); throws with the fix if it was not built. */
export function loadNative(): NativeAddon {
  if (addon) return addon;
  const root = packageRoot();
  const path = join(root, NATIVE_ADDON_PATH);
  if (!existsSync(path))
    throw new Error(
      `the native addon ${path} is missing: run \`npm ci\` (or \`npm rebuild\`) in ${root} with a C compiler ` +
        "(gcc or clang), make and python3 available, so node-gyp builds it from binding.gyp",
    );
  addon = createRequire(import.meta.url)(path) as NativeAddon;
  return addon;
}
