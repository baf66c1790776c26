// What the handlers ask of the index, the debug info and the crash pipeline, in the server's own terms:
// absolute paths, 1-based lines and columns. `workspace/open-workspace.ts` adapts the real rooms to these.
import type { CrashFrame, CrashReport } from '../../crash/index.js';
import type { SourcePoint } from '../convert.js';
import type { DisassembleTarget } from '../protocol.js';

export type SymbolKind =
  | 'function'
  | 'prototype'
  | 'macro'
  | 'function-macro'
  | 'struct'
  | 'union'
  | 'enum'
  | 'typedef'
  | 'enumerator'
  | 'variable'
  | 'member'
  | 'label'
  | 'other';

export interface SymbolDef extends SourcePoint {
  name: string;
  kind: SymbolKind;
  column: number;
  endLine?: number;
  /** The declaration text up to the body (`int do_one_initcall(initcall_t fn)`). */
  signature?: string;
  /** The comment block right above the definition (kernel-doc), without comment markers. */
  doc?: string;
  isStatic?: boolean;
  /** Macro that generated it (`SYSCALL_DEFINE3`), when it was. */
  viaMacro?: string;
}

export interface CallSite extends SourcePoint {
  /** The enclosing function of the call. */
  caller: string;
  callee: string;
  column: number;
  /** Macro through which the call is made, when it is. */
  viaMacro?: string;
}

export type ReferenceRole = 'read' | 'write' | 'call' | 'declaration' | 'definition' | 'other';

export interface SymbolRef extends SourcePoint {
  name: string;
  column: number;
  role: ReferenceRole;
  /** Enclosing function, when inside one. */
  function?: string;
}

export interface IncludeRef {
  /** 1-based line and columns of the quoted or bracketed path. */
  line: number;
  startColumn: number;
  endColumn: number;
  spelled: string;
  /** Absolute path of the included file, when it resolved. */
  target?: string;
}

export interface IndexProgress {
  done: number;
  total: number;
  file?: string;
}

/** One indexed source tree. */
export interface CodeIndex {
  readonly root: string;
  readonly database: string;
  fileCount(): number;
  /** Ranked definitions of `name`, best first (arch-aware; clone suffixes stripped). */
  definitions(name: string, arch: string): SymbolDef[];
  /** Prototypes and other declarations that are not the definition. */
  declarations(name: string): SymbolDef[];
  callers(name: string): CallSite[];
  callees(name: string): CallSite[];
  references(name: string): SymbolRef[];
  /** Fuzzy, ranked symbol search for `workspace/symbol`. */
  searchSymbols(query: string, limit: number): SymbolDef[];
  fileSymbols(file: string): SymbolDef[];
  includes(file: string): IncludeRef[];
  /** An editor opened `file` as it is on disk: prepares its edits (nothing is re-indexed). */
  openFile(file: string, text: string): void;
  /** Re-extracts one file from the editor's text and replaces its rows. */
  updateFile(file: string, text: string): void;
  /** Re-reads changed files from disk, drops deleted ones. */
  refreshFiles(files: string[]): Promise<void>;
  /** Brings the whole tree up to date, reporting progress; answers queries meanwhile. */
  update(onProgress: (p: IndexProgress) => void, signal: AbortSignal): Promise<void>;
  close(): void;
}

/** A source line resolved from an address, innermost inline level first. */
export interface ResolvedLocation extends SourcePoint {
  function: string;
  inlined: boolean;
}

export interface ResolvedFrame {
  locations: ResolvedLocation[];
  provenance: 'dwarf' | 'symtab' | 'index' | 'report' | null;
  definition?: SymbolDef;
  /** Binary/report disagreements (a symbol size, a release): diagnostics as well as hovers. */
  warnings: string[];
  /** What limits this answer (a source file outside the roots): hovers only. */
  notes: string[];
}

export interface DisassemblyText {
  text: string;
  markedLine?: number;
}

/** What is wrong for a whole report: binaries that are not the ones that crashed, an unknown KASLR slide. */
export interface ReportWarnings {
  wrongBinary: string[];
  other: string[];
}

/** Frames to source through debug info (DWARF, else the symbol table), falling back to the index. */
export interface FrameResolver {
  /** The configured vmlinux, when there is one. */
  readonly vmlinux?: string;
  /** The vmlinux a report's frames are resolved with (configured, or found under the debug root by release). */
  vmlinuxFor(report: CrashReport): string | undefined;
  /** The report-level warnings, for a diagnostic on the report's header line. */
  reportWarnings(report: CrashReport): Promise<ReportWarnings>;
  resolve(report: CrashReport, frame: CrashFrame): Promise<ResolvedFrame>;
  /** Starts reading the binaries it already knows of, so the first frame does not wait for them. */
  warmUp(): void;
  /** The function's instructions interleaved with source, the target instruction marked. */
  disassemble(target: DisassembleTarget, report?: CrashReport): Promise<DisassemblyText | undefined>;
  /** A memory dump as the `crash` session of its log and backtraces (what is missing as WARNING lines); throws for a broken dump. */
  vmcoreText(file: string): Promise<string>;
  close(): void;
}
