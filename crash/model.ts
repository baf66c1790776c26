// The one model every crash-text format is parsed into: reports, their decoded facts and their stacks.
// Kernel addresses are bigint (they exceed 2^53); offsets and sizes are plain byte counts.

export type StackContext = 'task' | 'irq' | 'softirq' | 'nmi' | 'exception' | 'user' | 'allocated' | 'freed';

export type CrashFormat = 'console' | 'crash-utility' | 'syzkaller';

export interface SourceRef {
  file: string;
  line: number;
  /** True for `[inline]` levels a symbolizer already printed. */
  inlined: boolean;
  function?: string;
}

export interface CrashFrame {
  /** Position in its stack, 0-based; for crash `bt` the printed `#N`. */
  index: number;
  symbol?: string;
  /** Byte offset into `symbol`, whatever radix the text used. */
  offset?: number;
  size?: number;
  module?: string;
  /** Build id printed after the module name by newer kernels. */
  buildId?: string;
  address?: bigint;
  /** False for `? ` entries (stale words the unwinder found while scanning). */
  reliable: boolean;
  /** The faulting instruction (RIP/pc/exception RIP), symbolized at its own address rather than address - 1. */
  isFault?: boolean;
  /** Source locations the text already carried (decode_stacktrace.sh, syzkaller, `bt -l`), innermost first. */
  sources?: SourceRef[];
  raw: string;
  /** 1-based line of the input this frame came from. */
  inputLine: number;
  /** Where the frame stands on its input line (see `ColumnSpan`), when the parser could place it. */
  span?: FrameSpan;
}

/**
 * Columns on an input line as the user's file holds it (logger prefixes included): 0-based UTF-16 code
 * units, `end` exclusive. Editors' positions (LSP `character`) are the same units.
 */
export interface ColumnSpan {
  start: number;
  end: number;
}

/** `func+0x59/0x220 [mod]` (or the address of a frame with no symbol), and just its name within it. */
export interface FrameSpan extends ColumnSpan {
  symbolStart: number;
  symbolEnd: number;
}

export type FactKind = 'oops' | 'page-fault' | 'cs' | 'taint' | 'esr' | 'headline';

/** A decodable fact where the report printed it (the `Oops:` code, `#PF:` error code, the kernel's CS, ...). */
export interface FactSite extends ColumnSpan {
  kind: FactKind;
  /** 1-based input line. */
  line: number;
  /** The fact's text as printed (`Oops: 0002 [#1]`, `CS:  0010`, `Tainted: G           OE`). */
  text: string;
  /** The trap an `oops` fact names (`general protection fault`, `invalid opcode`, ...); absent for a plain `Oops:`. */
  trap?: string;
  /** The value a decoder reads: the CS selector of a `cs` fact (`0010`). */
  value?: string;
}

/** Lines that print one thing, for folding: a register dump, the module list, `Code:` bytes. 1-based, inclusive. */
export interface TextBlock {
  kind: 'registers' | 'modules' | 'code';
  startLine: number;
  endLine: number;
}

export interface CrashStack {
  context: StackContext;
  frames: CrashFrame[];
  /** Registers of the interrupted context that starts this stack, when the text printed them. */
  registers?: Record<string, bigint>;
}

export interface ModuleEntry {
  name: string;
  /** Per-module taint flags as printed, e.g. `OE+` for `crash_nullwrite(OE+)`. */
  flags: string;
}

export interface CodeBytes {
  raw: string;
  /** Set when the kernel printed `Code: Unable to access opcode bytes at ...`. */
  unavailableAt?: bigint;
  /** The bytes in memory order, as debuginfo/'s `parseCodeLine` reads them. */
  bytes?: Uint8Array;
  /** 1 for x86 byte dumps, 4 for arm64/ARM words, 2 for Thumb. */
  unitSize?: 1 | 2 | 4;
  /** Offset in `bytes` of the faulting byte or word (`<0f>`, `(d4210000)`). */
  markerOffset?: number;
}

export interface CrashHeader {
  [key: string]: string;
}

export interface CrashReport {
  format: CrashFormat;
  /** Broad class: oops, page-fault, gpf, bug, warning, panic, kasan, kmsan, ubsan, lockdep, hang, stall, ...; `fragment` for a trace with no title line. */
  kind: string;
  /** The first report line, prefixes stripped. */
  headline: string;
  title: string;
  /** Which title rule produced `title`. */
  titleRule: string;
  arch?: 'x86_64' | 'i386' | 'arm64' | 'arm' | 'powerpc' | 's390' | 'riscv' | string;
  /** `sys` facts of a crash session (KERNEL, PANIC, ...), and `Oops:` flags etc. of a console report. */
  header: CrashHeader;
  cpu?: number;
  pid?: number;
  comm?: string;
  release?: string;
  /** The vmlinux's GNU build-id (hex), as kernels with CONFIG_STACKTRACE_BUILD_ID print it at the end of the CPU line. */
  buildId?: string;
  hardware?: string;
  taint?: string;
  modules?: ModuleEntry[];
  registers: Record<string, bigint>;
  code?: CodeBytes;
  kaslrOffset?: bigint;
  /** `Oops: 0002 [#1]` error code and count. */
  oopsCode?: number;
  oopsCount?: number;
  /** Address the fault was on (`BUG: ... address:`, CR2, arm64 `virtual address`). */
  faultAddress?: bigint;
  /** Page-fault error code from `#PF: error_code(0x0002)`. */
  pageFaultCode?: number;
  /** arm64 ESR value. */
  esr?: bigint;
  /** `kernel BUG at file:line!` / `WARNING: ... at file:line`. */
  bugAt?: { file: string; line: number };
  stacks: CrashStack[];
  guilty: GuiltyFrame | null;
  /** 1-based input lines the report spans. */
  startLine: number;
  endLine: number;
  /** Lines of the report, prefixes stripped (kept for title rules and rendering). */
  lines: string[];
  /** Crash sessions: the `ps` task list, `dis` listings and `sym` answers (shared by the session's reports). */
  tasks?: CrashTask[];
  disassembly?: Disassembly[];
  symbols?: SymbolEntry[];
  /** Crash sessions: the `mod` table. */
  moduleLoads?: ModuleLoad[];
  /** Crash sessions: the vmlinux `sys` says crash read (`DEBUGINFO:`/`DEBUG KERNEL:` before `KERNEL:`), flags cut. */
  vmlinuxPath?: string;
  /** Where the decodable facts stand in the input, for editors. */
  facts?: FactSite[];
  /** Register dumps, module lists and `Code:` lines of the report, for folding. */
  blocks?: TextBlock[];
}

/** One row of `ps` / `ps -l` in a crash session. */
export interface CrashTask {
  pid: number;
  ppid?: number;
  cpu: number;
  task: bigint;
  /** RU, IN, UN, ZO, ST, ID, ... as crash prints it. */
  state: string;
  memPercent?: number;
  vszKb?: number;
  rssKb?: number;
  /** Kernel threads in brackets, as printed: `[swapper/0]`. */
  comm: string;
  /** Marked `>`: the task running on its CPU when the dump was taken. */
  active: boolean;
  /** `ps -l`: the task's last-run timestamp (ns). */
  lastRun?: bigint;
}

/** One instruction of `dis`, with the source line `dis -l` printed above it. */
export interface DisassembledInstruction {
  address: bigint;
  symbol: string;
  offset: number;
  /** Mnemonic and operands as printed (AT&T on x86). */
  text: string;
  source?: { file: string; line: number };
  /** The report's faulting address (exception RIP/PC). */
  isFault?: boolean;
  inputLine: number;
}

/** A `dis` listing of one function (or range). */
export interface Disassembly {
  function: string;
  instructions: DisassembledInstruction[];
}

/** One row of crash's `mod`: where a module was loaded (its core region: text, then data). */
export interface ModuleLoad {
  name: string;
  base: bigint;
  size: number;
  /** The object file crash loaded its symbols from, when `mod -s` did. */
  object?: string;
}

/** One line of `sym`: an address with its nm-style type (`t`, `T`, `D`, ...). */
export interface SymbolEntry {
  address: bigint;
  type: string;
  symbol: string;
  offset: number;
  module?: string;
  source?: { file: string; line: number };
}

export interface GuiltyFrame {
  stack: number;
  frame: number;
  reason: string;
}

export interface ParseProblem {
  source: string;
  line: number;
  code: string;
  message: string;
}

export interface ParseResult {
  reports: CrashReport[];
  problems: ParseProblem[];
}
