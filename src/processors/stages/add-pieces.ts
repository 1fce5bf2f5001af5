// add_pieces (spec/protocols.md §3.11): each piece read up to payload_size, zero-filled to piece_size,
// Fr32-padded into the staged file (written under a temp name, so a crash never leaves half a file); no pieces
// (CC) gives a sparse staged file and the single zero-piece commitment.
import { open } from "node:fs/promises";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { parseSealProofType } from "../../filecoin/proof-types.js";
import { unpaddedSize } from "../../filecoin/sizes.js";
import { bytesToJson, type PieceFileJson } from "../../api/processor-tasks.js";
import { paddedLength } from "../../proofs/fr32.js";
import { addPieces, type PieceInput } from "../../proofs/piece-layout.js";
import { zeroCommitment } from "../../proofs/zero-commitments.js";
import { MiB, type Stage } from "../stage.js";

const READ_BYTES = 8 * MiB;

/** The first `limit` bytes of a file. */
async function* localChunks(path: string, limit: number): AsyncGenerator<Uint8Array> {
  const fh = await open(path, "r").catch((e: NodeJS.ErrnoException) => {
    throw new Error(`piece file ${path}: ${e.code === "ENOENT" ? "no such file" : e.message}`, { cause: e });
  });
  try {
    const buf = new Uint8Array(Math.min(READ_BYTES, Math.max(limit, 1)));
    let pos = 0;
    while (pos < limit) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, limit - pos), pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/**
 * The first `limit` bytes of a URL. The manager token goes only to the URL given (the manager's piecestore),
 * the piece token only to a redirect target (protocols.md §3.9, §4a).
 */
async function* httpChunks(url: string, limit: number, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  let res = await fetch(url, { headers: bearer(process.env.DAMOCLES_MANAGER_TOKEN), redirect: "manual", signal });
  if (REDIRECTS.has(res.status)) {
    const location = res.headers.get("location");
    if (!location) throw new Error(`GET ${url}: HTTP ${res.status} without a Location header`);
    await res.body?.cancel();
    res = await fetch(new URL(location, url), { headers: bearer(process.env.PIECE_FETCHER_TOKEN), signal });
  }
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status} ${res.statusText}`);
  let got = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    const take = chunk.subarray(0, limit - got);
    got += take.length;
    if (take.length > 0) yield take;
    if (got >= limit) break;
  }
}

function pieceSource(file: PieceFileJson, payloadSize: number, signal: AbortSignal): PieceInput["source"] {
  if (file === "pledge" || payloadSize === 0) return null;
  return "url" in file ? httpChunks(file.url, payloadSize, signal) : localChunks(file.local, payloadSize);
}

export const addPiecesStage: Stage<"add_pieces"> = {
  name: "add_pieces",
  cost: { cpus: 1, gpus: 0, memBytes: 64 * MiB },
  async run({ seal_proof_type, pieces, staged_filepath }, signal) {
    const { sectorSize } = parseSealProofType(seal_proof_type);
    await mkdir(dirname(staged_filepath), { recursive: true });
    // FAIL: a piece that does not fit or a fetch error ⇒ processor error; the staged file is not replaced
    const added = await addPieces(
      staged_filepath,
      sectorSize,
      pieces.map((p) => ({ source: pieceSource(p.piece_file, p.payload_size, signal), pieceSize: paddedLength(p.piece_size) })),
    );
    if (pieces.length === 0) return [{ commitment: bytesToJson(zeroCommitment(sectorSize)), size: unpaddedSize(sectorSize) }];
    return added.map((a, i) => ({ commitment: bytesToJson(a.commP), size: pieces[i]!.piece_size }));
  },
};
