// The piece store (home `pieces/<PieceCID>`) and `GET /resource?resource-id=<PieceCID>` (spec/devnet.md
// §5.3): the exact imported bytes, neither Fr32-padded nor zero-filled, for a worker's add_pieces.
import { createReadStream } from "node:fs";
import { copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { CID } from "multiformats/cid";
import type { Perm } from "../api/define.js";
import { commDToCid } from "../filecoin/cid.js";
import { commPFromFile } from "../proofs/commp.js";

export interface ImportedPiece {
  /** PieceCID v1 text (`baga6ea4seaq…`). */
  pieceCid: string;
  /** Padded size. */
  pieceSize: number;
  payloadSize: number;
}

/** `pieces/` of a devnet home: one file per piece, named by its PieceCID v1 text. */
export class PieceStore {
  constructor(readonly dir: string) {}

  /** Path of a piece file; throws RangeError for anything that is not a CID (no path tricks). */
  path(pieceCid: string): string {
    let cid: CID;
    try {
      cid = CID.parse(pieceCid);
    } catch (e) {
      throw new RangeError(`"${pieceCid}" is not a CID: ${(e as Error).message}`, { cause: e });
    }
    return join(this.dir, cid.toString());
  }

  /** Payload size of a stored piece, null when it is not stored. */
  async size(pieceCid: string): Promise<number | null> {
    try {
      const s = await stat(this.path(pieceCid));
      return s.isFile() ? s.size : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || e instanceof RangeError) return null;
      throw e;
    }
  }

  /**
   * Computes the file's CommP and copies it to `pieces/<PieceCID>` (temp file, then rename, so a
   * crash never leaves a partial piece under its final name). Rejects a missing or empty file.
   */
  async importFile(file: string): Promise<ImportedPiece> {
    const { commP, pieceSize, payloadSize } = await commPFromFile(file);
    const pieceCid = commDToCid(commP).toString();
    await mkdir(this.dir, { recursive: true });
    const final = this.path(pieceCid);
    const tmp = `${final}.tmp-${process.pid}`;
    try {
      await copyFile(file, tmp);
      await rename(tmp, final);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return { pieceCid, pieceSize, payloadSize };
  }
}

/** Checks a token; null when missing or invalid. */
export type TokenCheck = (token: string | null) => Promise<readonly Perm[] | null>;

function bearer(req: IncomingMessage, url: URL): string | null {
  const h = req.headers.authorization;
  if (typeof h === "string") {
    const m = /^Bearer\s+(\S+)$/i.exec(h.trim());
    if (m) return m[1]!;
  }
  return url.searchParams.get("token");
}

function reply(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", ...headers });
  res.end(`${text}\n`);
}

/**
 * Handler of `/resource`: 200 application/octet-stream with the exact bytes for a read token,
 * 401 without a valid one, 404 for an unknown piece (or a missing/invalid resource-id), 405 for
 * any other method (spec/devnet.md §5.3).
 */
export function resourceHandler(store: PieceStore, checkToken: TokenCheck): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    if (req.method !== "GET") return reply(res, 405, "method not allowed: use GET", { Allow: "GET" });
    const url = new URL(req.url ?? "/", "http://devnet");
    const perms = await checkToken(bearer(req, url));
    if (!perms?.includes("read")) return reply(res, 401, "a devnet token with read permission is required");
    const id = url.searchParams.get("resource-id") ?? "";
    let path: string;
    try {
      path = store.path(id);
    } catch {
      return reply(res, 404, `unknown piece "${id}"`);
    }
    const size = await store.size(id);
    if (size === null) return reply(res, 404, `unknown piece ${id}`);
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": String(size) });
    await new Promise<void>((resolve) => {
      const stream = createReadStream(path);
      stream.on("error", () => {
        res.destroy();
        resolve();
      });
      stream.on("end", () => resolve());
      stream.pipe(res);
    });
  };
}
