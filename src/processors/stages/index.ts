// The built-in stages: one file each, one line each here.
import type { Stage, StageName } from "../stage.js";
import { addPiecesStage } from "./add-pieces.js";
import { c1Stage } from "./c1.js";
import { c2Stage } from "./c2.js";
import { notBuiltIn } from "./not-built-in.js";
import { pc1Stage } from "./pc1.js";
import { pc2Stage } from "./pc2.js";
import { transferStage } from "./transfer.js";
import { treeDStage } from "./tree-d.js";
import { windowPostStage } from "./window-post.js";
import { winningPostStage } from "./winning-post.js";

export const BUILTIN_STAGES: { readonly [S in StageName]: Stage<S> } = {
  add_pieces: addPiecesStage,
  tree_d: treeDStage,
  pc1: pc1Stage,
  pc2: pc2Stage,
  c1: c1Stage,
  c2: c2Stage,
  snap_encode: notBuiltIn("snap_encode"),
  snap_prove: notBuiltIn("snap_prove"),
  transfer: transferStage,
  unseal: notBuiltIn("unseal"),
  window_post: windowPostStage,
  winning_post: winningPostStage,
};

/** Stages with a real built-in implementation (a plan needing another one needs an external processor). */
export const hasBuiltin = (s: StageName): boolean => !["snap_encode", "snap_prove", "unseal"].includes(s);
