// The files `daemon init` writes (spec/manager.md §1): sector-manager.cfg and ext-prover.cfg with every
// key at its default, commented out, in Damocles' layout (its `daemon init` output: table headers of
// [Common] written, keys commented). Conventions of the text:
//   `#Key = value`   a setting at its default: remove the `#` to change it;
//   `# text`         an explanation, or an example of a key that is unset by default.
// So removing the leading `#` of every `#X` line gives a valid file whose values are the defaults (with
// one [[Miners]] block, whose Actor is an example); test/manager/config/template.test.ts checks it.
import {
  CONFIG_SCHEMA,
  EXT_PROVER_SCHEMA,
  type Fields,
  type LeafNode,
  type ListNode,
  type MapNode,
  type SchemaNode,
  type TableNode,
} from "./schema.js";

const bareOrQuoted = (k: string): string => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k));
const header = (path: readonly string[]): string => path.map(bareOrQuoted).join(".");

/** `#Key = default`, or `# Key = example` for a key that is unset by default; its meaning above it. */
function leafLines(name: string, node: LeafNode): string[] {
  const doc = `# ${node.doc}`;
  if (node.default !== undefined) return [doc, `#${name} = ${node.type.encode(node.default)}`];
  if (node.required) return [doc, `#${name} = ${node.example ?? '""'}`];
  if (node.example !== undefined) return [doc, `# ${name} = ${node.example}  (unset by default)`];
  // An optional value whose empty form means unset (FIL amounts: "").
  return [doc, `#${name} = ${node.type.encode(undefined)}`];
}

/** One example entry of a list: every key of the entry, as documentation. */
function listExample(path: readonly string[], node: ListNode): string[] {
  const lines = [`# ${node.doc}; none by default. An entry, with every key at its default:`, `# [[${header(path)}]]`];
  for (const [name, child] of Object.entries(node.item.fields)) {
    if (child.node !== "leaf") continue;
    const value = child.default !== undefined ? child.type.encode(child.default) : (child.example ?? child.type.encode(undefined));
    lines.push(`# ${name} = ${value}  # ${child.doc}${child.required ? " (required)" : ""}`);
  }
  return lines;
}

function mapExample(node: MapNode): string[] {
  return [`# ${node.doc}, e.g.:`, ...(node.example ?? []).map((l) => `# ${l}`)];
}

interface RenderOpts {
  /** Write this table's header as `#[…]` (inside a commented-out [[…]] block). */
  commentHeaders: boolean;
}

function renderTable(
  path: readonly string[],
  node: TableNode,
  out: string[],
  opts: RenderOpts,
  arrayHeader = false,
  doc: string | undefined = node.doc,
): void {
  if (path.length > 0) {
    out.push("");
    if (doc !== undefined) out.push(`# ${doc}`);
    const h = arrayHeader ? `[[${header(path)}]]` : `[${header(path)}]`;
    out.push(opts.commentHeaders ? `#${h}` : h);
  }
  const entries = Object.entries(node.fields as Fields);
  // TOML needs a table's own keys before any sub-table header.
  for (const [name, child] of entries) if (child.node === "leaf") out.push(...leafLines(name, child));
  for (const [name, child] of entries) renderChild([...path, name], child, out, opts);
}

function renderChild(path: readonly string[], node: SchemaNode, out: string[], opts: RenderOpts): void {
  switch (node.node) {
    case "table":
      return renderTable(path, node, out, opts);
    case "list":
      out.push("", ...listExample(path, node));
      return;
    case "map":
      out.push("", ...mapExample(node));
      return;
    default:
      return; // leaves are written with their table; ignored Damocles keys are not advertised
  }
}

/** sector-manager.cfg as `daemon init` writes it. */
export function renderDefaultConfig(): string {
  const out = [
    "# damocles-manager configuration (spec/manager.md §2, §3).",
    "# Every key is shown at its default and commented out: remove the leading '#' of a line to set it.",
    "# Lines starting with '# ' explain the key below them or show an example of a key unset by default.",
    "# Durations are Go durations (\"1m0s\"), FIL amounts strings (\"5 nanoFIL\"); unknown keys only warn.",
  ];
  const { Common, Miners } = CONFIG_SCHEMA.fields;
  renderTable(["Common"], Common, out, { commentHeaders: false });
  const minersDoc = `${Miners.doc}; each block is read on top of these defaults, so omitted keys keep them`;
  renderTable(["Miners"], Miners.item, out, { commentHeaders: true }, true, minersDoc);
  return `${out.join("\n")}\n`;
}

/** ext-prover.cfg as `daemon init` writes it: everything commented (used only with `daemon run --ext-prover`). */
export function renderDefaultExtProverConfig(): string {
  const out = [
    "# External PoSt provers for `damocles-manager daemon run --ext-prover` (spec/manager.md §4).",
    "# Each [[WdPost]] / [[WinPost]] entry is one child process speaking the processor protocol; typically",
    "# one entry per GPU with its own CUDA_VISIBLE_DEVICES. Remove the leading '#' of a line to set it.",
  ];
  for (const [name, list] of Object.entries(EXT_PROVER_SCHEMA.fields)) {
    renderTable([name], list.item, out, { commentHeaders: true }, true, list.doc);
  }
  return `${out.join("\n")}\n`;
}
