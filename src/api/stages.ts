// The stages of `processor <stage>`, spelled as in ready lines and tasks (spec/protocols.md §3, appendix B).
// [[processors.<key>]] keys (no winning_post, plus sealing_daemons) and stage-limit keys (no winning_post, plus
// synth_proof) are their own lists beside it.
export const STAGE_NAMES = ["add_pieces", "tree_d", "pc1", "pc2", "c1", "c2", "snap_encode",
  "snap_prove", "transfer", "unseal", "window_post", "winning_post"] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** `[[processors.<key>]]` sections the worker accepts (c1 is ours, protocols.md §4b). */
export const PROCESSOR_SECTION_KEYS = ["add_pieces", "tree_d", "pc1", "pc2", "c1", "c2", "snap_encode",
  "snap_prove", "transfer", "unseal", "window_post", "sealing_daemons"] as const;
export type ProcessorSectionKey = (typeof PROCESSOR_SECTION_KEYS)[number];

/** `[processors.limitation.*]` / `[processors.limit]` keys (worker.md §2.7). */
export const STAGE_LIMIT_KEYS = ["add_pieces", "tree_d", "pc1", "pc2", "synth_proof", "c1", "c2", "snap_encode",
  "snap_prove", "unseal", "transfer", "window_post"] as const;
export type StageLimitKey = (typeof STAGE_LIMIT_KEYS)[number];

/** The placeholder stage of `sealing_daemons` children: they are kept alive and never sent a task. */
export const EMPTY_STAGE = "EMPTY";

/** The ready-line STAGE of a processor section. */
export const readyStageOf = (key: ProcessorSectionKey): StageName | typeof EMPTY_STAGE =>
  key === "sealing_daemons" ? EMPTY_STAGE : key;

/** The exact first stdout line of a child (without the newline): one space, no `\r` (protocols.md §3.2). */
export const readyLine = (stage: string): string => `${stage} processor ready`;

const H = 3_600_000;
/** Default `request_timeout` per stage in ms (protocols.md §4d); 0 disables the deadline. */
export const DEFAULT_REQUEST_TIMEOUT_MS: Readonly<Record<StageName, number>> = Object.freeze({
  add_pieces: 4 * H, tree_d: 2 * H, pc1: 12 * H, pc2: 6 * H, c1: 2 * H, c2: 4 * H, snap_encode: 6 * H,
  snap_prove: 4 * H, transfer: 12 * H, unseal: 12 * H, window_post: 40 * 60_000, winning_post: 40 * 60_000,
});

export const isStageName = (s: string): s is StageName => (STAGE_NAMES as readonly string[]).includes(s);
export const isProcessorSectionKey = (s: string): s is ProcessorSectionKey =>
  (PROCESSOR_SECTION_KEYS as readonly string[]).includes(s);
export const isStageLimitKey = (s: string): s is StageLimitKey => (STAGE_LIMIT_KEYS as readonly string[]).includes(s);
