// Console/dmesg logs (x86_64, i386, arm64, ARM32; 2.6 to 6.x; syzbot and sanitizer reports) into reports.
// A report starts at a line some title rule recognizes and runs to the next such line (lines that only
// continue a report, like the panic after an oops, do not split it). When the log carries caller ids
// (`[  T81]`), only lines of the reporting task/CPU belong to the report, so interleaved CPUs stay apart.
import { parseCodeLine } from '../debuginfo/index.js';
import { isHeaderFactLine, isModuleListContinuation, isRegisterLine, parseModuleList, recordHeaderFact, recordRegisters } from './header-facts.js';
import { armWrapped, nmiBacktrace as nmiBacktraceLine, startsFragment } from './fragments.js';
import type { StrippedLine } from './line-prefix.js';
import type { CrashFrame, CrashReport, CrashStack, ParseProblem, StackContext } from './model.js';
import { type FrameDraft, parseFrameLine, parseSymbolRef } from './parse-frame-line.js';
import { type TitleRule, titleRules } from './title-rules.js';

export type ConsoleLine = StrippedLine;
/** Indexed access to the input's lines (a `LineIndex`, or an array in tests). */
export interface ConsoleLines extends Iterable<ConsoleLine> {
  readonly length: number;
  at(i: number): ConsoleLine | undefined;
}

const ignoredStarts = [
  /^WARNING: \/etc\/ssh\/moduli does not exist/, /^WARNING: workqueue cpumask/,
  /^WARNING: Unprivileged eBPF/, /^WARNING: ,/, /^INFO: lockdep is turned off/, /^INFO: Stall ended before state dump/,
  // Deprecation and configuration notices that say WARNING (syzkaller ignores them too).
  /^WARNING: [Tt]he mand mount option/, /^warning: .* uses (?:deprecated v2 capabilities|wireless extensions)/i, /^XFS \(\w+\): WARNING/,
  /^WARNING: See https.* for mitigation options/, /^WARNING: kernel not compiled with CPU_SRSO/, /^EXT4-[Ff][Ss](?: \(.*\))?:/,
  /^INFO: NMI handler/, /^INFO: recovery required/, /^WARNING: fbcon:/, /^WARNING: Unsupported flag/, /^ODEBUG: Out of memory/,
];

const maxQuietLines = 400;
/** A fragment has no headline to hold it together: it ends a few unrecognized lines after its last frame. */
const maxFragmentQuietLines = 6;
const maxFragmentHeaderLines = 8;
const maxReportLines = 20000;

/** Old lockdep prints its headline boxed: `[ BUG: bad unlock balance detected! ]`. */
export function unboxHeadline(text: string): string {
  const boxed = /^\s*\[? ?([A-Z].+?) \]\s*$/.exec(text);
  return boxed ? boxed[1] : text;
}

// Every rule's start contains one of these words: a cheap test before trying ~100 patterns on each line.
const startWords = /BUG|Oops|WARNING|INFO:|fault|panic|PANIC|Unable to handle|Oops|KASAN|UBSAN|KMSAN|KCSAN|KFENCE|error|opcode|stack|Internal|refcount_t|ODEBUG|corruption|usercopy|VFS:|trusty|SYZ|rust_kernel|unregister_netdevice|Booting|int3|Insufficient|lockup/;

export function matchTitleRule(line: string): { rule: TitleRule; match: RegExpExecArray } | undefined {
  if (line.length > 2000 || !startWords.test(line)) return undefined;
  const text = unboxHeadline(line);
  for (const rule of titleRules) {
    const match = rule.start.exec(text);
    if (match) {
      return { rule, match };
    }
  }
  return undefined;
}

interface ReportStart {
  index: number;
  caller?: string;
}

const traceHeader = /Call Trace|Call trace:|backtrace:|Backtrace:/;
const armFromLine = /^\s*(?:\[<[0-9a-f]+>\] \(\S+\)|\.?[A-Za-z_][\w.]*) from (?:\[<[0-9a-f]+>\] \()?[A-Za-z_][\w.]*\+0x/;

/**
 * Lines starting a report. A recognized line inside an open report whose stack trace has not begun yet
 * continues it (ODEBUG then its WARNING, `kasan: GPF` then the GPF, the panic after an oops); with
 * caller ids, each task or CPU has its own open report.
 */
function findStarts(lines: ConsoleLines): ReportStart[] {
  const starts: ReportStart[] = [];
  const open = new Map<string, { traced: boolean; frames: number }>();
  for (let i = 0; i < lines.length; i++) {
    const { text, caller } = lines.at(i)!;
    if (!text || text.length > 2000) continue;
    const key = caller ?? '';
    const state = open.get(key);
    if (state) {
      if (traceHeader.test(text)) state.traced = true;
      // ARM's `callee from caller+off/size` traces come with no header: such a line is a trace of its own.
      else if (armFromLine.test(text)) state.traced = true;
      if (state.traced && (text.includes('+0x') || text.includes(') from ') || text.includes('[inline]'))) state.frames++;
    }
    // Some reports come indented as a whole (a KCSAN report seen with two spaces after the caller id).
    const head = text.trimStart();
    if (ignoredStarts.some((re) => re.test(head))) continue;
    const hit = matchTitleRule(head);
    if (!hit) continue;
    if (state && (hit.rule.continues || state.frames === 0)) continue;
    starts.push({ index: i, caller });
    open.set(key, { traced: false, frames: 0 });
  }
  return starts;
}

const markerWithFrame = /^(\s*<\/?(?:IRQ|TASK|NMI|SOFTIRQ|EOI)>)\s+\S/;
const contextMarker = /^\s*<(\/?)(IRQ|TASK|NMI|SOFTIRQ|EOI)>\s*$/;
const stackHeader = /^\s*(Call Trace:|Call trace:|Backtrace:|Stack backtrace:|stack backtrace:|backtrace:|Allocated by task \d+:|Freed by task \d+:|Allocated:|Freed:|Uninit was created at:|Uninit was stored to memory at:|Local variable .* created at:|Last potentially related work creation:|Second to last potentially related work creation:|Exception stack\(|Call trace:\s*$)/;
// s390 prints `Krnl PSW : <mask> <addr> (func+off/size [mod])`.
const faultLine = /^(?:RIP|EIP|NIP|IP|pc|PC is at|epc|Krnl PSW : [0-9a-f]{16})(?: is at)?\s*:?\s*(?:\[<?([0-9a-f]+)>?\]\s*|([0-9a-f]{16})\s+(?=\.?[A-Za-z_(]))?(?:([0-9a-f]{4}):)?\s*(.*)$/;
const lrLine = /^(?:lr|LR is at|ra)\s*:?\s*(.*)$/;
const endTrace = /^---\[ end (?:trace|Kernel panic)/;

function contextOfHeader(header: string): StackContext {
  if (/^Allocated|Uninit was created|Local variable|work creation/.test(header)) return 'allocated';
  if (/^Freed/.test(header)) return 'freed';
  return 'task';
}

class StackBuilder {
  readonly stacks: CrashStack[] = [];
  private current: CrashStack | undefined;
  /** Outside a trace (after `Code:`, `Modules linked in`...), x86-style frame lines are not accepted. */
  inTrace = false;

  open(context: StackContext): CrashStack {
    if (this.current && this.current.frames.length === 0 && !this.current.registers) {
      this.current.context = context;
      return this.current;
    }
    this.current = { context, frames: [] };
    this.stacks.push(this.current);
    return this.current;
  }

  add(draft: FrameDraft, raw: string, lineNo: number): void {
    const stack = this.current ?? this.open('task');
    const frame: CrashFrame = { ...draft, index: stack.frames.length, raw, inputLine: lineNo };
    stack.frames.push(frame);
  }

  currentStack(): CrashStack | undefined {
    return this.current;
  }

  lastPhysicalFrame(): CrashFrame | undefined {
    for (let s = this.stacks.length - 1; s >= 0; s--) {
      const frames = this.stacks[s].frames;
      for (let i = frames.length - 1; i >= 0; i--) if (!frames[i].sources?.[0]?.inlined) return frames[i];
    }
    return undefined;
  }
}

export function parseConsole(lines: ConsoleLines, source: string, problems: ParseProblem[]): CrashReport[] {
  const starts = findStarts(lines);
  const reports: CrashReport[] = [];
  // Each report ends where the next one of the same caller (any caller, for logs without ids) starts.
  const ends = new Array<number>(starts.length);
  const nextOf = new Map<string, number>();
  let nextAny = lines.length;
  for (let s = starts.length - 1; s >= 0; s--) {
    const { index, caller } = starts[s];
    ends[s] = caller === undefined ? nextAny : (nextOf.get(caller) ?? lines.length);
    if (caller !== undefined) nextOf.set(caller, index);
    nextAny = index;
  }
  for (let s = 0; s < starts.length; s++) reports.push(buildReport(lines, starts[s].index, ends[s], source, problems));
  return addFragments(lines, reports, source, problems);
}

/** Fragments in the lines no titled report covers, in input order with the titled reports. */
function addFragments(lines: ConsoleLines, reports: CrashReport[], source: string, problems: ParseProblem[]): CrashReport[] {
  const out: CrashReport[] = [];
  let r = 0;
  for (let i = 0; i < lines.length; i++) {
    const report = reports[r];
    if (report && i >= report.startLine - 1) {
      out.push(report);
      r++;
      i = Math.max(i, report.endLine - 1);
      continue;
    }
    const { text, caller } = lines.at(i)!;
    if (!text || !startsFragment(text, () => lines.at(i + 1)?.text)) continue;
    const to = report ? report.startLine - 1 : lines.length;
    // The CPU/PID line, hardware name and the like pasted right above the trace belong to the fragment.
    const floor = out.at(-1)?.endLine ?? 0;
    let from = i;
    while (from > floor && i - from < maxFragmentHeaderLines) {
      const above = lines.at(from - 1)!;
      if (above.caller !== caller || !isHeaderFactLine(above.text.trim())) break;
      from--;
    }
    const fragment = buildReport(lines, from, to, source, problems, true);
    if (fragment.stacks.some((s) => s.frames.length > 0)) {
      out.push(fragment);
      i = fragment.endLine - 1;
    }
  }
  out.push(...reports.slice(r));
  return out;
}

function buildReport(all: ConsoleLines, from: number, to: number, source: string, problems: ParseProblem[], fragment = false): CrashReport {
  const head = all.at(from)!;
  const caller = head.caller;
  const report: CrashReport = {
    format: 'console',
    kind: fragment ? 'fragment' : 'oops',
    headline: unboxHeadline(head.text.trim()),
    title: '',
    titleRule: '',
    header: {},
    registers: {},
    stacks: [],
    guilty: null,
    startLine: head.lineNo,
    endLine: head.lineNo,
    lines: [],
  };
  const builder = new StackBuilder();
  // A fragment may start at its first frame line, with no header to open the trace.
  builder.inTrace = fragment;
  const quietLimit = fragment ? maxFragmentQuietLines : maxQuietLines;
  let quiet = 0;
  let lastRecognized = head.lineNo;
  let afterEnd = false;
  let inModules = false;
  let nmiBacktrace = false;
  // A few lines before the headline belong to it (KASAN's "kasan: GPF could be caused by..." and the like).
  for (let i = Math.max(0, from - 5); i < from; i++) {
    const before = all.at(i)!;
    if (before.caller === caller && before.text) recordHeaderFact(before.text, report);
  }
  for (let i = from; i < to; i++) {
    const line = all.at(i)!;
    if (caller && line.caller !== caller && !(nmiBacktrace && line.caller?.startsWith('C'))) {
      // Other tasks' lines count as quiet: a caller that never prints again must not drag the report on.
      if (++quiet > maxQuietLines) break;
      continue;
    }
    let text = line.text;
    // Mail wraps long ARM lines after `from [<addr>]`: the `(caller+off/size)` half is the next line.
    const wrapped = armWrapped.test(text) ? all.at(i + 1) : undefined;
    if (wrapped && wrapped.caller === line.caller && /^\s*(?:from \[<[0-9a-f]+>\] )?\(/.test(wrapped.text)) {
      text = `${text.trimEnd()} ${wrapped.text.trim()}`;
      i++;
    }
    if (text.length > 4096) {
      problems.push({ source, line: line.lineNo, code: 'overlong-line', message: `line of ${text.length} characters skipped` });
      continue;
    }
    if (report.lines.length >= maxReportLines) break;
    if (fragment && i > from && nmiBacktraceLine.test(text)) break;
    report.lines.push(text);
    report.endLine = line.lineNo;
    if (/Sending NMI from CPU/.test(text)) nmiBacktrace = true;
    if (inModules) {
      if (isModuleListContinuation(text)) {
        report.modules!.push(...parseModuleList(text));
        continue;
      }
      inModules = false;
    }
    let recognized = handleLine(text, line.lineNo, report, builder, afterEnd);
    const mod = /^Modules linked in:(.*)$/.exec(text);
    if (mod) {
      report.modules ??= [];
      if (report.modules.length === 0) {
        report.modules.push(...parseModuleList(mod[1]));
        inModules = true;
      }
      recognized = true;
    }
    if (endTrace.test(text)) {
      afterEnd = true;
      recognized = true;
    }
    quiet = recognized ? 0 : quiet + 1;
    if (recognized) lastRecognized = line.lineNo;
    if (quiet > quietLimit) {
      // The lines that trailed after the last recognized one are the next thing in the log.
      report.lines.length = Math.max(1, report.lines.length - quiet);
      report.endLine = lastRecognized;
      break;
    }
    if (/^---\[ end Kernel panic/.test(text)) break;
  }
  if (fragment && quiet > 0 && report.endLine > lastRecognized) {
    report.lines.length = Math.max(1, report.lines.length - quiet);
    report.endLine = lastRecognized;
  }
  report.stacks = builder.stacks.filter((st) => st.frames.length > 0 || st.registers);
  markRepeatedPc(report);
  markInterruptedPcs(report);
  addWarningSite(report, all, from);
  return report;
}

const warningSite = /^WARNING: (?:CPU: \d+ PID: \d+ at |(?:.* )?at )?\S+:\d+ (\S+\+0x[0-9a-f]+\/0x[0-9a-f]+.*)$/;

/**
 * Old and non-x86 WARNINGs print no pc line: the `WARNING: ... at file:line func+off/size` headline is
 * then the only record of where the warning fired, an exact address, so it becomes the faulting frame.
 */
function addWarningSite(report: CrashReport, all: ConsoleLines, from: number): void {
  if (report.stacks.some((s) => s.frames.some((f) => f.isFault))) return;
  let at = from;
  for (; at < all.length && all.at(at)!.lineNo <= report.endLine; at++) if (warningSite.test(all.at(at)!.text)) break;
  const line = all.at(at);
  const m = line && line.lineNo <= report.endLine ? warningSite.exec(line.text) : null;
  const site = m ? parseSymbolRef(m[1]) : undefined;
  if (!site || !line) return;
  const stack = report.stacks.find((s) => s.context === 'task') ?? { context: 'task' as const, frames: [] };
  if (!report.stacks.includes(stack)) report.stacks.unshift(stack);
  stack.frames.unshift({ ...site, index: 0, raw: line.text, inputLine: line.lineNo });
  stack.frames.forEach((f, i) => (f.index = i));
}

/** arm64 and ARM print the faulting pc again as the first trace entry: that entry is exact, not a return address. */
function markRepeatedPc(report: CrashReport): void {
  if (report.arch !== 'arm64' && report.arch !== 'arm') return;
  for (const stack of report.stacks) {
    const i = stack.frames.findIndex((f) => f.isFault);
    const fault = stack.frames[i];
    const next = stack.frames[i + 1];
    if (fault && next && next.symbol === fault.symbol && (next.offset === fault.offset || fault.offset === undefined)) next.isFault = true;
  }
}

// arm64's exception vectors: el1h_64_irq and the like since 5.12, el1_irq and the like before.
const arm64Vector = /^el1[th]?_(?:64_)?(?:sync|irq|fiq|error)$/;

/**
 * arm64's exception entry keeps the interrupted pc (ELR) in a frame record of its pt_regs, so the trace
 * entry after a vector is that pc, an exact address, as 6.13+ marks it `(P)`; 6.1 prints no mark.
 */
function markInterruptedPcs(report: CrashReport): void {
  if (report.arch !== 'arm64') return;
  for (const stack of report.stacks) {
    stack.frames.forEach((frame, i) => {
      const vector = stack.frames[i - 1];
      if (frame.reliable && vector?.symbol !== undefined && arm64Vector.test(vector.symbol)) frame.isFault = true;
    });
  }
}

function handleLine(text: string, lineNo: number, report: CrashReport, builder: StackBuilder, afterEnd: boolean, skip = 0): boolean {
  if (skip > 0) {
    // The frame after a context marker on its line, kept with the whole line as its raw text.
    const drafts = parseFrameLine(text.slice(skip));
    if (!afterEnd) for (const d of drafts) builder.add(d, text, lineNo);
    return drafts.length > 0;
  }
  const trimmed = text.trim();
  if (recordHeaderFact(trimmed, report)) return true;
  // 2.6-era x86 prints the first frame of an IRQ stack on the marker's line: `<IRQ>  [<addr>] func+off/len`.
  const inline = markerWithFrame.exec(text);
  if (inline) {
    handleLine(inline[1]!, lineNo, report, builder, afterEnd);
    handleLine(text, lineNo, report, builder, afterEnd, inline[1]!.length);
    return true;
  }
  const marker = contextMarker.exec(trimmed);
  if (marker) {
    const kind = marker[2];
    const context: StackContext = marker[1] || kind === 'EOI' || kind === 'TASK' ? 'task' : (kind.toLowerCase() as StackContext);
    const current = builder.currentStack();
    // The RIP block printed just before `Call Trace: <IRQ>` is the top of that IRQ stack.
    if (!marker[1] && current && current.frames.length > 0 && current.frames.every((f) => f.isFault)) current.context = context;
    else builder.open(context);
    builder.inTrace = true;
    return true;
  }
  const header = stackHeader.exec(trimmed);
  if (header) {
    if (afterEnd) return true;
    const context = contextOfHeader(header[1]);
    const current = builder.currentStack();
    // `Call Trace:` right after the RIP block continues the faulting stack.
    if (context !== 'task' || !current || current.frames.some((f) => !f.isFault) || current.context !== 'task') builder.open(context);
    builder.inTrace = true;
    return true;
  }
  if (/^Code: /.test(trimmed)) {
    if (!report.code && !afterEnd) {
      const parsed = parseCodeLine(trimmed);
      report.code = { raw: trimmed.slice(6).trim() };
      if (parsed.unavailableAt !== undefined) report.code.unavailableAt = parsed.unavailableAt;
      if (parsed.value) Object.assign(report.code, parsed.value);
    }
    builder.inTrace = false;
    return true;
  }
  const fault = faultLine.exec(trimmed);
  // `NIP:  c000... LR: ...` is ppc's register dump; `NIP [c000...] func+0x..` is the faulting frame.
  if (fault && !/^(?:IP|pc) is /.test(trimmed) && !/^NIP:/.test(trimmed) && (/^(?:RIP|EIP|NIP|IP|epc)[: ]/.test(trimmed) || /^(?:pc :|PC is at|Krnl PSW)/.test(trimmed))) {
    if (afterEnd) return true;
    recordFault(trimmed, fault, lineNo, report, builder);
    // ARM32's `pc : [<c052fa4c>]    lr : [<c006d464>]    psr: 60000113` is also a register line.
    recordRegisters(trimmed, report.registers);
    return true;
  }
  const lr = lrLine.exec(trimmed);
  if (lr && /^(?:lr :|LR is at)/.test(trimmed)) {
    const ref = parseSymbolRef(lr[1]);
    if (ref) report.header.lr = lr[1].trim();
    return true;
  }
  if (isRegisterLine(trimmed)) {
    if (!afterEnd) {
      recordRegisters(trimmed, report.registers);
      const own = builder.currentStack()?.registers;
      if (own) recordRegisters(trimmed, own, { overwrite: true });
    }
    return true;
  }
  const drafts = parseFrameLine(text);
  if (drafts.length > 0 && !afterEnd) {
    const armStyle = /\) from \[<|^\s*\S+ from \S+\+0x|^\s*Function entered at/.test(text) || /^\s*\[<[0-9a-f]+>\]/.test(text);
    if (builder.inTrace || armStyle || drafts[0].sources || (drafts[0].size !== undefined && /^\s/.test(text))) {
      const calleeNamed = armStyle && drafts.length === 2 && calleeNamedAlready(builder, drafts[0]);
      for (const d of calleeNamed ? drafts.slice(1) : drafts) builder.add(d, text, lineNo);
      return true;
    }
  }
  return false;
}

/**
 * An ARM line's callee is the frame the previous line's `from` half named: the last physical frame added
 * (inline levels aside), also across an `Exception stack(...)` dump. Without symbols (`Function entered
 * at`), any frame before it in the trace is that frame.
 */
function calleeNamedAlready(builder: StackBuilder, callee: FrameDraft): boolean {
  const last = builder.lastPhysicalFrame();
  if (!last) return false;
  return callee.symbol === undefined ? builder.currentStack()?.frames.length !== 0 : last.symbol === callee.symbol;
}

function recordFault(text: string, fault: RegExpExecArray, lineNo: number, report: CrashReport, builder: StackBuilder): void {
  const [, bracketed, bare, segment, rest] = fault;
  const bracketAddr = bracketed ?? bare;
  if (/^RIP|^EIP|^NIP/.test(text)) report.arch ??= text.startsWith('EIP') ? 'i386' : text.startsWith('NIP') ? 'powerpc' : 'x86_64';
  else if (/^pc :/.test(text)) report.arch ??= 'arm64';
  else if (/^PC is at/.test(text)) report.arch ??= 'arm';
  else if (/^epc/.test(text)) report.arch ??= 'riscv';
  else if (/^Krnl PSW/.test(text)) report.arch ??= 's390';
  const user = segment !== undefined && (Number.parseInt(segment, 16) & 3) === 3;
  const ref = parseSymbolRef(rest) ?? parseSymbolRef(rest.replace(/^\[<[0-9a-f]+>\]\s*|^\(|\)$/g, ''));
  const address = bracketAddr ? BigInt('0x' + bracketAddr) : /^0x([0-9a-f]+)/.exec(rest)?.[1];
  const current = builder.currentStack();
  const last = current?.frames.at(-1);
  // ARM32 prints `PC is at func+off` and then `pc : [<addr>]`: one frame, now with its address.
  if (!ref && last?.isFault && last.address === undefined && address !== undefined) {
    last.address = typeof address === 'bigint' ? address : BigInt('0x' + address);
    return;
  }
  const hasFault = builder.stacks.some((st) => st.frames.some((f) => f.isFault));
  if (!hasFault && segment !== undefined) report.header.cs = segment;
  if (user) {
    builder.open('user');
  } else if (!current || current.frames.length > 0 || hasFault) {
    builder.open(hasFault ? 'exception' : 'task');
  }
  const stack = builder.currentStack()!;
  stack.registers ??= {};
  builder.inTrace = true;
  if (ref) {
    builder.add({ ...ref, address: ref.address ?? (typeof address === 'bigint' ? address : undefined) }, text, lineNo);
  } else if (address !== undefined) {
    const value = typeof address === 'bigint' ? address : BigInt('0x' + address);
    builder.add({ address: value, reliable: true, isFault: true }, text, lineNo);
  }
}
