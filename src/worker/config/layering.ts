// The effective sealing config of a thread (spec/worker.md §3): built-in defaults, then the manager's defaults
// (over RPC), then [sealing], then the thread's `sealing.*`, then `<location>/config.toml`, later layers winning key
// by key. It is recomputed only between sectors, so a sector runs start to finish under one config.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError, parseLocationConfig, type LocationConfig } from "./load.js";
import {
  DEFAULT_PLAN,
  SEALING_DEFAULTS,
  SEALING_KEYS,
  type SealingConfig,
  type SealingKey,
  type SealingOverrides,
} from "./schema.js";

/** The layers of §3, lowest first. */
export const LAYERS = ["default", "manager", "sealing", "thread", "location"] as const;
export type LayerName = (typeof LAYERS)[number];

/** What each layer says about the thread's `plan` and sealing keys (manager: sealing keys only). */
export interface SealingLayers {
  /** Layer 1: `Venus.WorkerSealingDefaults`, parsed (load.ts `parseSealingValues`); absent or empty when unknown. */
  managerDefaults?: SealingOverrides;
  /** Layer 2: `[sealing]`. */
  sealing?: SealingOverrides;
  /** Layer 3: the `[[sealing_thread]]` entry. */
  thread?: { plan?: string; sealing?: SealingOverrides };
  /** Layer 4: `<location>/config.toml`, when present. */
  locationToml?: LocationConfig;
}

export interface EffectiveSealingConfig {
  plan: string;
  sealing: SealingConfig;
  /** Which layer set each value (for `config check` and the start-up log). */
  provenance: Record<SealingKey | "plan", LayerName>;
}

/** Applies the layers of §3; `plan` is never taken from the manager. */
export function effectiveSealingConfig(layers: SealingLayers): EffectiveSealingConfig {
  const sealing: Record<string, unknown> = { ...SEALING_DEFAULTS };
  const provenance = Object.fromEntries([...SEALING_KEYS, "plan"].map((k) => [k, "default"])) as EffectiveSealingConfig["provenance"];
  const apply = (layer: LayerName, values: SealingOverrides | undefined): void => {
    for (const k of SEALING_KEYS) {
      const v = values?.[k];
      if (v === undefined) continue;
      sealing[k] = Array.isArray(v) ? [...v] : v;
      provenance[k] = layer;
    }
  };
  apply("manager", layers.managerDefaults);
  apply("sealing", layers.sealing);
  apply("thread", layers.thread?.sealing);
  apply("location", layers.locationToml?.sealing);
  let plan: string = DEFAULT_PLAN;
  if (layers.thread?.plan !== undefined) [plan, provenance.plan] = [layers.thread.plan, "thread"];
  if (layers.locationToml?.plan !== undefined) [plan, provenance.plan] = [layers.locationToml.plan, "location"];
  return { plan, sealing: sealing as unknown as SealingConfig, provenance };
}

/** The hot config file of a sealing store. */
export const LOCATION_CONFIG_FILE = "config.toml";

export interface LocationConfigFile {
  file: string;
  config: LocationConfig;
  mtimeMs: number;
  /** Unknown keys and the like: the file is usable. */
  warnings: ConfigError["problems"];
}

/**
 * Reads `<location>/config.toml` (layer 4). Absent ⇒ undefined (the thread reverts to layers 0–3). Malformed ⇒
 * throws ConfigError naming the file, line and key: the thread's Critical error (fix the file, then resume).
 */
export async function readLocationConfig(location: string): Promise<LocationConfigFile | undefined> {
  const file = join(location, LOCATION_CONFIG_FILE);
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(file)).mtimeMs;
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError([{ level: "error", code: "CONFIG_UNREADABLE", file, message: `cannot read the hot config file: ${(err as Error).message}` }]);
  }
  const { config, problems } = parseLocationConfig(text, file);
  if (config === undefined) throw new ConfigError(problems);
  return { file, config, mtimeMs, warnings: problems };
}

/**
 * Tracks one store's hot config file between sectors: `check()` re-reads it only when its mtime changed (or it
 * appeared or vanished) and says whether the thread's config must be recomputed.
 */
export class HotConfigFile {
  private lastMtime: number | undefined;
  private current: LocationConfigFile | undefined;

  constructor(readonly location: string) {}

  /** The last file read (undefined: none). */
  get value(): LocationConfigFile | undefined {
    return this.current;
  }

  /** Re-reads when changed; true when the result differs from the previous check. Throws ConfigError when malformed. */
  async check(): Promise<boolean> {
    let mtime: number | undefined;
    try {
      mtime = (await stat(join(this.location, LOCATION_CONFIG_FILE))).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (mtime === this.lastMtime && (mtime === undefined) === (this.current === undefined)) return false;
    const next = await readLocationConfig(this.location);
    const changed = JSON.stringify(next?.config) !== JSON.stringify(this.current?.config);
    this.current = next;
    this.lastMtime = next?.mtimeMs;
    return changed;
  }
}
