// CPU and NUMA placement of processor children (spec/protocols.md §3.9, worker.md §4.2). Every child gets the
// Damocles variables (VC_CG_NAME, VC_CG_CPUSET, VENUS_WORKER_NUMA_PREFERRED), with which a Damocles-built child
// pins itself. Our own children (entries without `bin`) ignore them, so the parent pins them: a cgroup v2 group
// when it may create one, else `taskset -c`; NUMA through `numactl --preferred`. Whatever cannot be applied is a
// start-up warning naming the entry, and that child runs without the setting; nothing here stops the worker.
import { constants } from "node:fs";
import { access, mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { delimiter, join } from "node:path";

export interface PlacementEnvironment {
  /** CPUs this machine has online. */
  onlineCpus: ReadonlySet<number>;
  /** NUMA nodes online (node 0 when the machine shows none). */
  numaNodes: ReadonlySet<number>;
  /** A cgroup v2 mount with the cpuset controller that this process may write, or null. */
  cgroupV2Root: string | null;
  /** Paths of the helper programs, or null when not installed. */
  taskset: string | null;
  numactl: string | null;
  /** The daemon's pid (part of the group name). */
  parentPid: number;
}

export interface PlacementRequest {
  /** The `[[processors.<section>]]` key. */
  section: string;
  index: number;
  /** `cgroup.cpuset`, e.g. "0-15". */
  cpuset?: string;
  /** `cgroup.group_name` (default "vc-worker"). */
  groupName?: string;
  numaPreferred?: number;
  /** True for our own children (no `bin`): the parent applies the settings itself. */
  own: boolean;
}

export interface CgroupPlacement {
  /** The child's group directory, created before the spawn and removed after the child exits. */
  dir: string;
  cpus: string;
}

/** What the spawner does for one entry. */
export interface PlacementPlan {
  /** Applied over the inherited environment, under the entry's own `envs`. */
  env: Record<string, string>;
  /** argv placed before the program (taskset / numactl), which exec it under the same pid. */
  prefix: string[];
  cgroup: CgroupPlacement | null;
  /** Start-up warnings, each naming the entry. */
  warnings: string[];
}

export const DEFAULT_CGROUP_GROUP = "vc-worker";

/** Parses a cpuset list ("0-3,8,10-11"); throws on bad syntax. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(",").map((p) => p.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new RangeError(`"${text}" is not a CPU list such as "0-3,8"`);
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a) throw new RangeError(`"${text}": range ${part} runs backwards`);
    for (let c = a; c <= b; c++) out.push(c);
  }
  return out;
}

/** Formats CPUs as a compact list ("0-3,8"). */
export function formatCpuList(cpus: Iterable<number>): string {
  const s = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

async function readList(path: string): Promise<Set<number> | null> {
  try {
    return new Set(parseCpuList((await readFile(path, "utf8")).trim()));
  } catch {
    return null;
  }
}

async function which(program: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const p = join(dir, program);
    if (await access(p, constants.X_OK).then(() => true, () => false)) return p;
  }
  return null;
}

/** A pure cgroup v2 mount at /sys/fs/cgroup offering cpuset and writable by us; hybrid v1 hosts give null. */
async function cgroupV2Root(root = "/sys/fs/cgroup"): Promise<string | null> {
  try {
    const controllers = (await readFile(join(root, "cgroup.controllers"), "utf8")).split(/\s+/);
    if (!controllers.includes("cpuset")) return null;
    await access(root, constants.W_OK);
    return root;
  } catch {
    return null;
  }
}

/** Looks at this machine once, at start-up. */
export async function probePlacement(): Promise<PlacementEnvironment> {
  const onlineCpus = (await readList("/sys/devices/system/cpu/online")) ?? new Set(os.cpus().map((_, i) => i));
  const numaNodes = (await readList("/sys/devices/system/node/online")) ?? new Set([0]);
  const [root, taskset, numactl] = await Promise.all([cgroupV2Root(), which("taskset"), which("numactl")]);
  return { onlineCpus, numaNodes, cgroupV2Root: root, taskset, numactl, parentPid: process.pid };
}

/** Creates `<root>/<group>` with the cpuset controller delegated to its children; false when not allowed. */
async function prepareGroup(root: string, group: string): Promise<boolean> {
  try {
    const dir = join(root, group);
    await mkdir(dir, { recursive: true });
    for (const d of [root, dir]) {
      const ctl = join(d, "cgroup.subtree_control");
      if (!(await readFile(ctl, "utf8")).split(/\s+/).includes("cpuset")) await writeFile(ctl, "+cpuset");
    }
    return true;
  } catch {
    return false;
  }
}

/** The placement of one `[[processors.<section>]]` entry; `dryRun` creates no cgroup (config check). */
export async function planPlacement(
  req: PlacementRequest,
  env: PlacementEnvironment,
  opts: { dryRun?: boolean } = {},
): Promise<PlacementPlan> {
  const plan: PlacementPlan = { env: {}, prefix: [], cgroup: null, warnings: [] };
  const entry = `[[processors.${req.section}]] entry ${req.index}`;
  if (req.cpuset !== undefined) {
    let cpus: number[] | null = null;
    try {
      cpus = parseCpuList(req.cpuset);
    } catch (e) {
      plan.warnings.push(`${entry}: cgroup.cpuset ${(e as Error).message}; the child runs unpinned`);
    }
    const lacking = cpus?.filter((c) => !env.onlineCpus.has(c)) ?? [];
    if (cpus && lacking.length > 0) {
      plan.warnings.push(
        `${entry}: cgroup.cpuset "${req.cpuset}" names CPUs ${formatCpuList(lacking)} this machine lacks ` +
          `(online: ${formatCpuList(env.onlineCpus)}); the child runs unpinned`,
      );
      cpus = null;
    }
    if (cpus) {
      const group = req.groupName ?? DEFAULT_CGROUP_GROUP;
      const name = `${group}/sub-${req.section}-${env.parentPid}-${req.index}`;
      plan.env.VC_CG_NAME = name;
      plan.env.VC_CG_CPUSET = req.cpuset;
      if (req.own) {
        if (env.cgroupV2Root && (opts.dryRun || (await prepareGroup(env.cgroupV2Root, group))))
          plan.cgroup = { dir: join(env.cgroupV2Root, name), cpus: req.cpuset };
        else if (env.taskset) plan.prefix.push(env.taskset, "-c", req.cpuset);
        else
          plan.warnings.push(
            `${entry}: cannot apply cgroup.cpuset "${req.cpuset}": no writable cgroup v2 hierarchy with cpuset and no taskset ` +
              "(install util-linux or delegate a vc-worker cgroup); the child runs unpinned",
          );
      }
    }
  }
  if (req.numaPreferred !== undefined) {
    if (!env.numaNodes.has(req.numaPreferred)) {
      plan.warnings.push(
        `${entry}: numa_preferred = ${req.numaPreferred} is not a NUMA node of this machine ` +
          `(nodes: ${formatCpuList(env.numaNodes)}); the child runs without a preference`,
      );
    } else {
      plan.env.VENUS_WORKER_NUMA_PREFERRED = String(req.numaPreferred);
      if (req.own) {
        if (env.numactl) plan.prefix.push(env.numactl, `--preferred=${req.numaPreferred}`);
        else plan.warnings.push(`${entry}: numa_preferred = ${req.numaPreferred} needs numactl, which is not installed; the child runs without a preference`);
      }
    }
  }
  return plan;
}

/** Creates the child's group and writes its cpuset, before the spawn. */
export async function createCgroup(cg: CgroupPlacement): Promise<void> {
  await mkdir(cg.dir, { recursive: true });
  await writeFile(join(cg.dir, "cpuset.cpus"), cg.cpus);
}

/** Moves a spawned child into its group. */
export async function enterCgroup(cg: CgroupPlacement, pid: number): Promise<void> {
  await writeFile(join(cg.dir, "cgroup.procs"), String(pid));
}

/** Removes the child's group once it has exited; a failure is ignored (the group is empty or busy). */
export async function removeCgroup(cg: CgroupPlacement): Promise<void> {
  await rmdir(cg.dir).catch(() => undefined);
}

/** `Cpus_allowed_list` of a running process (what an operator checks). */
export async function cpusAllowed(pid: number): Promise<string | null> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? null;
}
