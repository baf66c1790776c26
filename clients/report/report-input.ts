// What the view builder needs from the crash pipeline: the parsed report, each frame resolved, the decoded
// facts, the guilty function's disassembly with source and the decoded Code: bytes. Filled in by
// generate-report.ts from crash/, debuginfo/ and indexer/.
import type { CrashFrame, CrashReport, Provenance } from '../../crash/index.js';
import type { SourceRule } from '../../debuginfo/index.js';

/** A source place as the pipeline gives it: the file as resolved (absolute, or relative to the root). */
export interface SourcePlace {
  function?: string;
  /** As displayed: relative to the source root, else as DWARF or the report named it. */
  file: string;
  /** The readable local file, when the pipeline found one under the directories the user gave. */
  path?: string;
  /** How `path` was found (crash/'s ResolvedLocation.rule). */
  rule?: SourceRule;
  line: number;
  column?: number;
  inlined?: boolean;
}

/** A frame of the report with what the pipeline found for it. */
export interface ResolvedFrameInput extends CrashFrame {
  provenance: Provenance | null;
  /** Lines that ran (DWARF), innermost first; empty when only the definition is known. */
  locations: SourcePlace[];
  definition: SourcePlace | null;
  /** How many callers the index knows. */
  callers: number | null;
  topCallers?: (SourcePlace & { function: string })[];
  /** Why a frame the reader would expect to resolve has no location (not said of what a notice explains). */
  unresolved?: string;
  warnings: string[];
}

export type DisasmInputLine =
  | { kind: 'source'; file: string; path?: string; line: number; text: string }
  | { kind: 'insn'; address: string; bytes: string; text: string; marked: boolean };

export interface DisassemblyInput {
  arch: 'x86_64' | 'arm64';
  function: string;
  object: string;
  lines: DisasmInputLine[];
  /** The marked instruction's source line, highlighted among the interleaved source. */
  focus?: { file: string; line: number };
  /** The marked instruction is the faulting one (so the report's registers are its operands' values). */
  faulting: boolean;
  warnings: string[];
}

export interface ReportInput {
  source: string;
  report: CrashReport;
  stacks: { context: string; frames: ResolvedFrameInput[] }[];
  facts: { label: string; raw?: string; meaning: string }[];
  notices: string[];
  /** Why a binary is not the one that crashed: the report says so first, loudly. */
  wrongBinary: string[];
  disassembly?: DisassemblyInput;
  code?: { address?: string; bytes: string; text: string; marked: boolean }[];
  generator: string;
}
