// `damocles-devnet deal add` (spec/devnet.md §1.1, §1.4, §5.3): imports a file as a piece (CommP by
// the proofs code, copied to pieces/<PieceCID>) and publishes a deal through the running daemon's
// Devnet.PublishDeal; with no daemon it takes the home's lock and queues the deal in chain.db for
// the next `run`. stdout carries only the JSON result.
import { readFile, stat } from "node:fs/promises";
import type { Command } from "commander";
import { CID } from "multiformats/cid";
import { devnetAdminApi } from "../api/devnet-admin.js";
import { lotusApi } from "../api/lotus.js";
import { parseAddress } from "../filecoin/address.js";
import { unpaddedSize } from "../filecoin/sizes.js";
import { rpcClient } from "../rpc/client.js";
import { queueDeal } from "./admin-api.js";
import { chainSetupOf, openChain } from "./chain.js";
import { readGenesisRecord } from "./genesis.js";
import {
  ConfigError,
  DevnetExitError,
  HomeInUseError,
  type ListenAddress,
  endpointsOf,
  homePaths,
  httpOrigin,
  openChainDb,
  readConfig,
  readRunListen,
  resolveHome,
} from "./home.js";
import { PieceStore } from "./pieces.js";
import { DEVNET_MIGRATIONS } from "./schema.js";

export const DEFAULT_START_DELAY = 2880;
/** 500 days: fits the market's bounds and a 540-day sector's claim window (§5.1). */
export const DEFAULT_DURATION = 1_440_000;

export interface DealAddFlags {
  home?: string;
  miner?: string;
  verified?: boolean;
  startDelay: string;
  duration: string;
}

/** The §5.3 output. */
export interface DealAddOutput {
  deal_id: number | null;
  piece_cid: string;
  piece_size: number;
  payload_size: number;
  start_epoch: number;
  end_epoch: number;
  verified: boolean;
  publish_cid: string | null;
  url: string;
  queued: boolean;
}

function epochsFlag(name: string, text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new ConfigError(`${name}: "${text}" is not a non-negative whole number of epochs`);
  return Number(text);
}

export async function runDealAdd(file: string, flags: DealAddFlags): Promise<DealAddOutput> {
  const home = resolveHome(flags.home);
  const paths = homePaths(home);
  const { config } = await readConfig(home);
  const startDelay = epochsFlag("--start-delay", flags.startDelay);
  const duration = epochsFlag("--duration", flags.duration);
  const minerText = flags.miner ?? config.miners[0]?.actor;
  if (minerText === undefined) throw new ConfigError(`${paths.config} lists no miners`);
  let minerId: number | undefined;
  try {
    minerId = parseAddress(minerText).id;
  } catch (e) {
    throw new ConfigError(`--miner: ${(e as Error).message}`, { cause: e });
  }
  const miner = config.miners.find((m) => parseAddress(m.actor).id === minerId);
  if (!miner || minerId === undefined)
    throw new ConfigError(`--miner: ${minerText} is not a miner of this devnet; miners: ${config.miners.map((m) => m.actor).join(", ")}`);

  const size = await stat(file).then(
    (s) => (s.isFile() ? s.size : null),
    () => null,
  );
  if (size === null) throw new ConfigError(`<file>: ${file} is not a readable file`);
  const capacity = unpaddedSize(miner.sectorSize);
  if (size === 0) throw new ConfigError(`<file>: ${file} is empty; a piece needs at least one byte`);
  if (size > capacity) throw new ConfigError(`<file>: ${file} has ${size} bytes, above the ${capacity}-byte unpadded capacity of ${miner.actor}'s sectors`);
  const piece = await new PieceStore(paths.pieces).importFile(file);
  const verified = flags.verified === true;

  let db;
  try {
    db = await openChainDb(home, { exclusive: true, migrations: DEVNET_MIGRATIONS });
  } catch (err) {
    if (!(err instanceof HomeInUseError)) throw err;
    // The daemon may run on another address than config.toml's (`run --listen`): run.json has the bound one.
    const listen = (await readRunListen(home)) ?? config.listen;
    return publishThroughDaemon(home, listen, { miner: miner.actor, piece, verified, startDelay, duration });
  }
  // No daemon: queue under the lock we now hold; the next `run` publishes in its first epoch.
  try {
    const rec = readGenesisRecord(db);
    if (!rec) throw new DevnetExitError(`${paths.chainDb} has no genesis record; run \`damocles-devnet init --home ${home}\``, 1);
    const chain = openChain({ db, setup: chainSetupOf(rec), blockTimeMs: config.blockTimeMs, blockReward: config.blockReward });
    try {
      const startEpoch = chain.height + startDelay;
      queueDeal(chain, { miner: minerId, pieceCid: piece.pieceCid, payloadSize: piece.payloadSize, verified, startEpoch, endEpoch: startEpoch + duration });
      return {
        deal_id: null,
        piece_cid: piece.pieceCid,
        piece_size: piece.pieceSize,
        payload_size: piece.payloadSize,
        start_epoch: startEpoch,
        end_epoch: startEpoch + duration,
        verified,
        publish_cid: null,
        url: `${httpOrigin(config.listen)}/resource?resource-id=${piece.pieceCid}`,
        queued: true,
      };
    } finally {
      chain.close();
    }
  } finally {
    if (db.open) db.close();
  }
}

async function publishThroughDaemon(
  home: string,
  listen: ListenAddress,
  d: { miner: string; piece: { pieceCid: string; pieceSize: number; payloadSize: number }; verified: boolean; startDelay: number; duration: number },
): Promise<DealAddOutput> {
  const token = (await readFile(homePaths(home).token, "utf8")).trim();
  const url = endpointsOf(listen).rpcUrl;
  const lotus = rpcClient(lotusApi, { url, token, timeoutMs: 30_000 });
  const admin = rpcClient(devnetAdminApi, { url, token });
  try {
    const head = await lotus.ChainHead();
    const startEpoch = head.Height + d.startDelay;
    const r = await admin.PublishDeal({
      Miner: d.miner,
      PieceCID: CID.parse(d.piece.pieceCid),
      PayloadSize: d.piece.payloadSize,
      Verified: d.verified,
      StartEpoch: startEpoch,
      EndEpoch: startEpoch + d.duration,
    });
    return {
      deal_id: r.DealID,
      piece_cid: r.PieceCID.toString(),
      piece_size: r.PieceSize,
      payload_size: r.PayloadSize,
      start_epoch: r.StartEpoch,
      end_epoch: r.EndEpoch,
      verified: r.Verified,
      publish_cid: r.PublishCid.toString(),
      url: r.URL,
      queued: false,
    };
  } catch (e) {
    throw new DevnetExitError(`the daemon at ${url} did not publish the deal: ${(e as Error).message}`, 1, { cause: e });
  } finally {
    await lotus.close();
    await admin.close();
  }
}

const HOME_HELP = "devnet home (default $DAMOCLES_DEVNET_PATH, else ~/.damocles-devnet)";

/** `deal add <file>`. */
export function addDealCommand(program: Command): Command {
  const deal = program.command("deal").description("the embedded storage market");
  deal
    .command("add")
    .description("import a file as a piece and publish a storage deal for it; prints JSON")
    .argument("<file>", "the payload (at most the miner's unpadded sector capacity)")
    .option("--home <dir>", HOME_HELP)
    .option("--miner <addr>", "provider miner (default the first miner)")
    .option("--verified", "a verified deal (allocation from the client's unlimited datacap)")
    .option("--start-delay <epochs>", "epochs from the head to the deal's start", String(DEFAULT_START_DELAY))
    .option("--duration <epochs>", "deal duration in epochs", String(DEFAULT_DURATION))
    .action(async (file: string, flags: DealAddFlags) => {
      process.stdout.write(`${JSON.stringify(await runDealAdd(file, flags))}\n`);
    });
  return program;
}
