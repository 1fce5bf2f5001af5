// `util …` (spec/manager.md §6): operator commands. Sector, worker and storage commands go through the
// daemon's Venus API with the home's token; chain, proving and miner commands read the chain node named by
// the home's configuration. Every command prints a table, or JSON with --json.
import { Command } from "commander";
import { workerAdminApi } from "../../api/worker-admin.js";
import { formatIdAddress } from "../../filecoin/address.js";
import { createToken } from "../../rpc/auth.js";
import { rpcCall, rpcClient } from "../../rpc/client.js";
import { MANAGER_PERMS, authSecretPath, readApiToken, managerAllowUpTo, readAuthSecret, type ManagerPerm } from "../home.js";
import { isStale, type SectorActivity } from "../manager-api.js";
import { apiUrl, chainOf, globalOptions, homeConfig, homeOf, output, parseUint, pickMiner, printJson, printTable, venus } from "./context.js";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === "object" ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
const sid = (miner: string, num: string): { Miner: number; Number: number } => ({ Miner: parseUint(miner, "miner"), Number: parseUint(num, "sector number") });

function sectorRow(s: Json): unknown[] {
  const id = obj(s["ID"]);
  const latest = obj(s["LatestState"]);
  return [
    id["Miner"],
    id["Number"],
    s["SectorType"],
    obj(latest["StateChange"])["Next"] ?? "",
    obj(latest["Worker"])["Instance"] ?? "",
    s["Finalized"] ? "yes" : "no",
    s["AbortReason"] || "-",
  ];
}
const SECTOR_HEADER = ["MINER", "NUMBER", "PROOF", "STATE", "WORKER", "FINALIZED", "ABORT"];

/** `miner-number` of the online sectors that are stale now, judged from each record's last write. */
async function staleSectors(cmd: Command, sectors: Json[]): Promise<Set<string>> {
  const o = globalOptions(cmd);
  const token = await readApiToken(homeOf(cmd));
  const acts = (await rpcCall(apiUrl(o), "Venus.SectorsActivity", ["online"], { token, timeoutMs: 60_000 })) as SectorActivity[];
  const done = new Set(sectors.filter((s) => s["Finalized"] === true || (typeof s["AbortReason"] === "string" && s["AbortReason"] !== "")).map((s) => `${String(obj(s["ID"])["Miner"])}-${String(obj(s["ID"])["Number"])}`));
  const now = Math.floor(Date.now() / 1000);
  return new Set(
    acts
      .filter((a) => isStale({ online: true, finalized: done.has(`${a.Miner}-${a.Number}`), aborted: false, updatedAt: a.UpdatedAt }, now))
      .map((a) => `${a.Miner}-${a.Number}`),
  );
}

function sealerCommand(): Command {
  const sealer = new Command("sealer").description("sectors and proving");
  const sectors = sealer.command("sectors").description("sector states");

  sectors
    .command("list")
    .description("list sector states (online by default)")
    .option("--offline", "finalized and aborted sectors")
    .option("--sealing", "only sealing jobs")
    .option("--snapup", "only snapup jobs")
    .option("--rebuild", "only rebuild jobs")
    .option("--unseal", "only unseal jobs")
    .option("--miner <actor>", "only this miner")
    .option("--json", "JSON output")
    .action(async (o: { offline?: boolean; sealing?: boolean; snapup?: boolean; rebuild?: boolean; unseal?: boolean; miner?: string }, cmd: Command) => {
      const job = o.sealing ? 1 : o.snapup ? 2 : o.rebuild ? 3 : o.unseal ? 4 : 0;
      const v = await venus(cmd);
      let all = list(await v.call("ListSectors", o.offline ? "offline" : "online", job));
      if (o.miner !== undefined) {
        const m = parseUint(o.miner, "--miner");
        all = all.filter((s) => obj(s["ID"])["Miner"] === m);
      }
      // Stale (manager.md §6): online sectors only; an older daemon without Venus.SectorsActivity shows none.
      const stale = o.offline ? new Set<string>() : await staleSectors(cmd, all).catch(() => new Set<string>());
      const key = (s: Json): string => `${String(obj(s["ID"])["Miner"])}-${String(obj(s["ID"])["Number"])}`;
      const marked = o.offline ? all : all.map((s) => ({ ...s, Stale: stale.has(key(s)) }));
      output(cmd, marked, () => printTable([...SECTOR_HEADER, "STALE"], marked.map((s) => [...sectorRow(s), s["Stale"] === true ? "stale" : ""])));
    });

  sectors
    .command("state <miner> <number>")
    .description("detailed state of one sector")
    .option("--offline", "look in the offline store only")
    .option("--json", "JSON output")
    .action(async (miner: string, num: string, o: { offline?: boolean }, cmd: Command) => {
      const v = await venus(cmd);
      const id = sid(miner, num);
      const s = o.offline ? await v.call("FindSector", "offline", id) : await v.call("FindSectorInAllStates", id);
      if (s === null) throw new Error(`sector ${id.Miner}-${id.Number} not found`);
      output(cmd, s, () => printJson(s));
    });

  sectors
    .command("abort <miner> <number>")
    .description("abort an online sector job (as ReportAborted); how stale sectors are cleared")
    .option("--reason <text>", "recorded abort reason", "aborted by operator")
    .action(async (miner: string, num: string, o: { reason: string }, cmd: Command) => {
      const v = await venus(cmd);
      const id = sid(miner, num);
      if ((await v.call("FindSector", "online", id)) === null) throw new Error(`sector ${id.Miner}-${id.Number} is not online`);
      await v.call("ReportAborted", id, o.reason);
      process.stdout.write(`sector ${id.Miner}-${id.Number} aborted\n`);
    });

  sectors
    .command("restore <miner> <number>")
    .description("bring a finalized or aborted sector back online")
    .option("--force", "restore even if the sector is not finalized")
    .action(async (miner: string, num: string, o: { force?: boolean }, cmd: Command) => {
      const v = await venus(cmd);
      const id = sid(miner, num);
      await v.call("RestoreSector", id, o.force ?? false);
      process.stdout.write(`sector ${id.Miner}-${id.Number} restored\n`);
    });

  sectors
    .command("find-deal <dealId>")
    .description("sectors holding a deal")
    .option("--offline", "search the offline store")
    .option("--json", "JSON output")
    .action(async (deal: string, o: { offline?: boolean }, cmd: Command) => {
      const v = await venus(cmd);
      const found = list(await v.call("FindSectorsWithDeal", o.offline ? "offline" : "online", parseUint(deal, "deal id")));
      output(cmd, found, () => printTable(SECTOR_HEADER, found.map(sectorRow)));
    });

  const proving = sealer.command("proving").description("WindowPoSt view from the chain");
  proving
    .command("info")
    .description("proving period summary")
    .option("--miner <actor>", "miner actor id (default: the first [[Miners]])")
    .option("--json", "JSON output")
    .action(async (o: { miner?: string }, cmd: Command) => {
      const { chain, config } = await chainOf(cmd);
      try {
        const addr = formatIdAddress(pickMiner(config, o.miner), "t");
        const [dl, faults, head] = await Promise.all([chain.StateMinerProvingDeadline(addr, []), chain.StateMinerFaults(addr, []), chain.ChainHead()]);
        const info = {
          Miner: addr,
          CurrentEpoch: dl.CurrentEpoch,
          ChainHeight: head.Height,
          PeriodStart: dl.PeriodStart,
          DeadlineIndex: dl.Index,
          DeadlineOpen: dl.Open,
          DeadlineClose: dl.Close,
          Challenge: dl.Challenge,
          FaultCutoff: dl.FaultCutoff,
          Deadlines: dl.WPoStPeriodDeadlines,
          ProvingPeriod: dl.WPoStProvingPeriod,
          Faults: faults.size,
        };
        output(cmd, info, () => printTable(["KEY", "VALUE"], Object.entries(info)));
      } finally {
        await chain.close();
      }
    });
  proving
    .command("deadlines")
    .description("deadline overview")
    .option("--miner <actor>", "miner actor id (default: the first [[Miners]])")
    .option("--json", "JSON output")
    .action(async (o: { miner?: string }, cmd: Command) => {
      const { chain, config } = await chainOf(cmd);
      try {
        const addr = formatIdAddress(pickMiner(config, o.miner), "t");
        const [dl, deadlines] = await Promise.all([chain.StateMinerProvingDeadline(addr, []), chain.StateMinerDeadlines(addr, [])]);
        const rows = deadlines.map((d, i) => ({
          Index: i,
          Current: i === dl.Index,
          PostSubmissions: d.PostSubmissions.size,
          DisputableProofCount: d.DisputableProofCount,
        }));
        output(cmd, rows, () =>
          printTable(["DEADLINE", "SUBMITTED PARTITIONS", "DISPUTABLE", ""], rows.map((r) => [r.Index, r.PostSubmissions, r.DisputableProofCount, r.Current ? "(current)" : ""])),
        );
      } finally {
        await chain.close();
      }
    });
  proving
    .command("faults")
    .description("faulty sectors")
    .option("--miner <actor>", "miner actor id (default: the first [[Miners]])")
    .option("--json", "JSON output")
    .action(async (o: { miner?: string }, cmd: Command) => {
      const { chain, config } = await chainOf(cmd);
      try {
        const actor = pickMiner(config, o.miner);
        const faults = (await chain.StateMinerFaults(formatIdAddress(actor, "t"), [])).toArray();
        output(cmd, faults.map((n) => ({ Miner: actor, Number: n })), () => printTable(["MINER", "SECTOR"], faults.map((n) => [actor, n])));
      } finally {
        await chain.close();
      }
    });
  return sealer;
}

function workerCommand(): Command {
  const worker = new Command("worker").description("workers known from their pings");
  const adminClient = async (cmd: Command, name: string) => {
    const v = await venus(cmd);
    const ping = obj(await v.call("WorkerGetPingInfo", name));
    const dest = obj(ping["Info"])["Dest"];
    if (typeof dest !== "string" || dest === "") throw new Error(`worker "${name}" is unknown (no ping recorded)`);
    const url = /^https?:\/\//.test(dest) ? dest : `http://${dest}/`;
    return rpcClient(workerAdminApi, { url, timeoutMs: 30_000 });
  };

  worker
    .command("list")
    .description("workers from pings; stale ones flagged")
    .option("--expiration <seconds>", "a ping older than this is stale", "600")
    .option("--json", "JSON output")
    .action(async (o: { expiration: string }, cmd: Command) => {
      const v = await venus(cmd);
      const pings = list(await v.call("WorkerPingInfoList"));
      const now = Math.floor(Date.now() / 1000);
      const exp = parseUint(o.expiration, "--expiration");
      const rows = pings.map((p) => {
        const info = obj(p["Info"]);
        const last = Number(p["LastPing"]);
        return { ...p, Stale: now - last > exp, _info: info, _age: now - last };
      });
      output(
        cmd,
        rows.map(({ _info, _age, ...r }) => r),
        () =>
          printTable(
            ["NAME", "DEST", "VERSION", "THREADS", "RUNNING", "PAUSED", "ERRORS", "LAST PING", ""],
            rows.map((r) => {
              const s = obj(r._info["Summary"]);
              return [r._info["Name"], r._info["Dest"], r._info["Version"], s["Threads"], s["Running"], s["Paused"], s["Errors"], `${r._age}s ago`, r.Stale ? "STALE" : ""];
            }),
          ),
      );
    });

  worker
    .command("info <name>")
    .description("thread list fetched from the worker")
    .option("--json", "JSON output")
    .action(async (name: string, _o: object, cmd: Command) => {
      const c = await adminClient(cmd, name);
      try {
        const threads = await c.WorkerList();
        output(cmd, threads, () =>
          printTable(
            ["INDEX", "PLAN", "LOCATION", "JOB", "STATE", "STAGE", "THREAD", "LAST ERROR"],
            threads.map((t) => [t.index, t.plan, t.location, t.job_id, t.job_state, t.job_stage, t.thread_state.state, t.last_error]),
          ),
        );
      } finally {
        await c.close();
      }
    });

  worker
    .command("pause <name> <index>")
    .description("pause a sealing thread")
    .action(async (name: string, index: string, _o: object, cmd: Command) => {
      const c = await adminClient(cmd, name);
      try {
        const ok = await c.WorkerPause(parseUint(index, "index"));
        process.stdout.write(ok ? `thread ${index} of ${name} will pause\n` : `thread ${index} of ${name}: a pause is already pending\n`);
      } finally {
        await c.close();
      }
    });

  worker
    .command("resume <name> <index> [state]")
    .description("resume a paused thread, optionally at a state")
    .action(async (name: string, index: string, state: string | undefined, _o: object, cmd: Command) => {
      const c = await adminClient(cmd, name);
      try {
        const ok = await c.WorkerResume(parseUint(index, "index"), state ?? null);
        process.stdout.write(ok ? `thread ${index} of ${name} resumed\n` : `thread ${index} of ${name} was not paused\n`);
      } finally {
        await c.close();
      }
    });

  worker
    .command("remove <name>")
    .description("forget a worker")
    .action(async (name: string, _o: object, cmd: Command) => {
      const v = await venus(cmd);
      if ((await v.call("WorkerGetPingInfo", name)) === null) throw new Error(`worker "${name}" is unknown`);
      await v.call("WorkerPingInfoRemove", name);
      process.stdout.write(`worker ${name} removed\n`);
    });
  return worker;
}

function storageCommand(): Command {
  const storage = new Command("storage").description("persist stores");
  storage
    .command("list")
    .description("stores with capacity and reservations")
    .option("--json", "JSON output")
    .action(async (_o: object, cmd: Command) => {
      const v = await venus(cmd);
      const stores = list(await v.call("StoreList"));
      output(cmd, stores, () =>
        printTable(
          ["NAME", "PATH", "WEIGHT", "READONLY", "TOTAL", "FREE", "USED%", "RESERVED"],
          stores.map((s) => [s["Name"], s["Path"], s["Weight"], s["ReadOnly"] ? "yes" : "no", s["Total"], s["Free"], Number(s["UsedPercent"]).toFixed(1), s["Reserved"]]),
        ),
      );
    });
  storage
    .command("find <miner> <number>")
    .description("locate a sector's files")
    .option("--upgrade", "the upgraded (snapped) files")
    .option("--json", "JSON output")
    .action(async (miner: string, num: string, o: { upgrade?: boolean }, cmd: Command) => {
      const v = await venus(cmd);
      const loc = obj(await v.call("SectorIndexerFind", o.upgrade ? "upgrade" : "normal", sid(miner, num)));
      output(cmd, loc, () => {
        if (!loc["Found"]) process.stdout.write(`sector ${miner}-${num} is not indexed\n`);
        else {
          const i = obj(loc["Instance"]);
          printTable(["SEALED FILE", "CACHE DIR"], [[i["SealedFile"], i["CacheDir"]]]);
        }
      });
    });
  storage
    .command("release-reserved <miner> <number>")
    .description("release a sector's store reservation")
    .action(async (miner: string, num: string, _o: object, cmd: Command) => {
      const v = await venus(cmd);
      const done = await v.call("StoreReleaseReserved", sid(miner, num));
      process.stdout.write(done ? `reservation of ${miner}-${num} released\n` : `sector ${miner}-${num} had no reservation\n`);
    });
  return storage;
}

function chainCommand(): Command {
  const chain = new Command("chain").description("chain node");
  chain
    .command("head")
    .description("print the chain head")
    .option("--json", "JSON output")
    .action(async (_o: object, cmd: Command) => {
      const { chain: c } = await chainOf(cmd);
      try {
        const head = await c.ChainHead();
        const cids = head.Cids.map((x) => x.toString());
        output(cmd, { Height: head.Height, Cids: cids }, () => printTable(["HEIGHT", "TIPSET"], [[head.Height, cids.join(",")]]));
      } finally {
        await c.close();
      }
    });
  return chain;
}

function minerCommand(): Command {
  const miner = new Command("miner").description("miner actors");
  miner
    .command("info [actor]")
    .description("miner info from the chain (default: the first [[Miners]])")
    .option("--json", "JSON output")
    .action(async (actor: string | undefined, _o: object, cmd: Command) => {
      const { chain, config } = await chainOf(cmd);
      try {
        const addr = formatIdAddress(pickMiner(config, actor), "t");
        const [info, power] = await Promise.all([chain.StateMinerInfo(addr, []), chain.StateMinerPower(addr, [])]);
        const out = {
          Miner: addr,
          Owner: info.Owner,
          Worker: info.Worker,
          ControlAddresses: info.ControlAddresses,
          SectorSize: info.SectorSize,
          WindowPoStProofType: info.WindowPoStProofType,
          RawBytePower: String(power.MinerPower.RawBytePower),
          QualityAdjPower: String(power.MinerPower.QualityAdjPower),
        };
        output(cmd, out, () => printTable(["KEY", "VALUE"], Object.entries(out).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") || "-" : v])));
      } finally {
        await chain.close();
      }
    });
  return miner;
}

function authCommand(): Command {
  const auth = new Command("auth").description("API tokens");
  auth
    .command("create-token")
    .description("issue an API token whose Allow list runs up to --perm (a worker gets write)")
    .requiredOption("--perm <perm>", `highest permission: ${MANAGER_PERMS.join(", ")}`)
    .option("--expire <seconds>", "lifetime in seconds (default none)")
    .action(async (o: { perm: string; expire?: string }, cmd: Command) => {
      if (!(MANAGER_PERMS as readonly string[]).includes(o.perm)) throw new RangeError(`--perm "${o.perm}": expected one of ${MANAGER_PERMS.join(", ")}`);
      const home = homeOf(cmd);
      const config = await homeConfig(cmd);
      const secret = await readAuthSecret(authSecretPath(home, config));
      const expiresInSeconds = o.expire === undefined ? undefined : parseUint(o.expire, "--expire");
      const token = await createToken(secret, managerAllowUpTo(o.perm as ManagerPerm), { expiresInSeconds });
      process.stdout.write(`${token}\n`);
    });
  return auth;
}

export function utilCommand(): Command {
  const util = new Command("util")
    .description("operator commands against the running daemon and the chain")
    .option("--listen <addr>", "the daemon's listen address", ":1789")
    .option("--api <url>", "the daemon's RPC URL (overrides --listen), e.g. http://10.0.0.2:1789/rpc/v0");
  for (const c of [sealerCommand(), workerCommand(), storageCommand(), chainCommand(), minerCommand(), authCommand()]) util.addCommand(c);
  return util;
}
