// Test vectors live in ../shared/vectors beside the repository (CI lays shared/ there).
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const VECTORS_DIR = join(REPO_ROOT, "..", "shared", "vectors");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadVector(name: string): any {
  return JSON.parse(readFileSync(join(VECTORS_DIR, name), "utf8"));
}

export const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, "hex"));
export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
