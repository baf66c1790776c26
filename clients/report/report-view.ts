// The report's view model: plain records holding everything the three renderers print, already resolved,
// linked and highlighted, so `renderHtml`, `renderMarkdown` and `renderText` only lay it out.
import type { HighlightedLine } from './highlight-c.js';

/** A place in the source, as the report shows and links it. */
export interface ViewLocation {
  function?: string;
  /** The path as displayed: relative to the source root when it lies under it. */
  file: string;
  line: number;
  column?: number;
  /** True when this entry is an inlined call inside the next one (the chain is innermost first). */
  inlined: boolean;
  /** `file://` URL or the expanded `--link` template; absent when the file was not found. */
  href?: string;
}

/** A decoded fact of the summary: the raw value beside its meaning. */
export interface ViewFact {
  label: string;
  raw?: string;
  meaning: string;
}

/** Source lines around a line of interest, highlighted. */
export interface SourceExcerpt {
  file: string;
  firstLine: number;
  focusLine: number;
  lines: HighlightedLine[];
}

export interface ViewCaller {
  function: string;
  location: ViewLocation;
}

export interface ViewFrame {
  index: number;
  /** The frame as the report printed it: `func+0x11/0x1000 [mod]`. */
  label: string;
  reliable: boolean;
  guilty: boolean;
  /** Where the answer came from: DWARF line tables, the ELF symbol table, or the source index by name. */
  provenance?: 'dwarf' | 'symtab' | 'report' | 'index';
  /** Innermost first, like `addr2line -f -i`. */
  locations: ViewLocation[];
  definition?: ViewLocation;
  callers: ViewCaller[];
  callersCount?: number;
  excerpt?: SourceExcerpt;
  /** Why the frame has no location at all, when it has none. */
  unresolved?: string;
  warnings: string[];
}

export interface ViewStack {
  context: string;
  frames: ViewFrame[];
}

/** One line of an objdump -S style listing: a source line, or an instruction. */
export type DisasmLine =
  | { kind: 'source'; file: string; line: number; text: string; focus: boolean }
  | { kind: 'insn'; address: string; bytes: string; text: string; marked: boolean };

export interface ViewRegister {
  /** As the architecture's register dump spells it: `RAX`, `x0`. */
  name: string;
  value: string;
}

export interface DisasmView {
  function: string;
  object: string;
  lines: DisasmLine[];
  /** The registers the marked instruction reads or writes, with their values from the report. */
  registers: ViewRegister[];
  /** The marked instruction's text, repeated for the summary. */
  marked?: string;
  /** The source line the marked instruction came from (innermost), repeated for the summary. */
  markedSource?: { file: string; line: number; text: string; href?: string };
  /** True when the marked instruction faulted; else it is the guilty frame's call. */
  faulting: boolean;
}

/** The oops `Code:` line decoded, or why it could not be. */
export interface CodeView {
  /** The bytes as the report printed them, `<..>` marker included. */
  raw: string;
  unavailable?: string;
  lines: { address?: string; bytes: string; text: string; marked: boolean }[];
}

export interface GuiltyView {
  stack: number;
  frame: number;
  label: string;
  reason: string;
  location?: ViewLocation;
}

export interface ReportView {
  /** The input's name (a path, or `<stdin>`). */
  source: string;
  title: string;
  kind: string;
  release?: string;
  machine?: string;
  task?: string;
  facts: ViewFact[];
  guilty?: GuiltyView;
  /** Plain-language notes the reader must see first (missing debug info, an ambiguous KASLR slide). */
  notices: string[];
  /** Why a binary used is not the one that crashed: a banner above everything, since every line may be wrong. */
  wrongBinary: string[];
  stacks: ViewStack[];
  disassembly?: DisasmView;
  code?: CodeView;
  registers: ViewRegister[];
  /** One line naming the tool and its inputs, for the footer. */
  generator: string;
}
