// Output of the `crash` utility: the `sys` header, `bt` and its variants (`bt -a`, `foreach bt`, `-l`, `-e`,
// `-f`), exception frames (`[exception RIP: func+61]`, whose offset follows crash's output radix: decimal
// by default, hex when written 0x..), stack transitions, `sym`, `dis -l` and `ps`. Each task's backtrace is
// one report; the `sys` facts go to every report of the session.
import { recordHeaderFact, recordRegisters } from './header-facts.js';
import type { CrashFrame, CrashReport, CrashStack, CrashTask, Disassembly, ModuleLoad, ParseProblem, StackContext, SymbolEntry } from './model.js';
import { type ConsoleLines, matchTitleRule } from './parse-console.js';
import { moduleRegionSymbol } from './frame-name.js';
import { parseOffset } from './parse-frame-line.js';
import { isModHeader, isPsHeader, parseDisInstruction, parseDisSource, parseModRow, parsePsRow, parseSymRow } from './session-records.js';

const taskLine = /^\s*PID: (\d+)\s+TASK: ([0-9a-f]+)\s+CPU: (\d+)\s+COMMAND: "(.*)"/;
// Old i386 sessions print `error_code (via invalid_op) at c0107256` (the entry stub a trap went through) and
// `(nfsd module) at c806e303` (module text crash had no symbol for).
const btFrame = /^\s*#(\d+) \[([0-9a-f]+|\?+)\] (?:\((\S+) module\)|(\S+?)(?:\+(0x[0-9a-f]+|\d+))?(?: \(via \S+\))?) at ([0-9a-f]+)(?: \[([A-Za-z0-9_\-]+)\])?/;
const drgnInline = /^\s*#(\d+) \(inline\) (\S+)(?: \[([A-Za-z0-9_\-]+)\])?/;
const exceptionRip = /^\s*\[exception RIP: ([^\]+]+)(?:\+(0x[0-9a-f]+|\d+))?\]/;
// What crash prints when the exception frame's RIP is no kernel text (`[exception RIP: unknown or invalid address]`),
// and after an exception frame it suspects (`WARNING: possibly bogus exception frame`, `bt: ` before it in older crash).
const unknownRip = 'unknown or invalid address';
const bogusException = /^\s*(?:bt: )?WARNING: possibly bogus exception frame/;
// arm64 exception frames name the interrupted PC: `PC: ffff000010191044  [smp_call_function_many+796]`.
const exceptionPc = /^\s+PC: ([0-9a-f]{8,16})\s+\[([^\]+]+)(?:\+(0x[0-9a-f]+|\d+))?\]/;
// `bt -t`: the starting function, then every text address found on the stack (not an unwound chain).
const textScanStart = /^\s*START: (\S+) at ([0-9a-f]+)/;
const textScanEntry = /^\s*\[([0-9a-f]+)\] (\S+) at ([0-9a-f]+)(?: \[([A-Za-z0-9_\-]+)\])?\s*$/;
const transition = /^\s*--- <(.+?)> ---/;
// BUILD-ID is crashnav's own (`crashnav vmcore`'s session of a dump: VMCOREINFO's build-id); crash prints none.
const sysField = /^\s{0,12}(KERNEL|DUMPFILE|CPUS|DATE|UPTIME|LOAD AVERAGE|TASKS|NODENAME|RELEASE|VERSION|BUILD-ID|MACHINE|MEMORY|PANIC|PID|COMMAND|TASK|CPU|STATE|DEBUG KERNEL|SYSTEM MAP|DEBUGINFO): (.*)$/;
// Fields only `sys` prints (console logs have `CPU:` and `PID:` lines too).
const sysOnly = /^\s{0,12}(?:KERNEL|DUMPFILE|LOAD AVERAGE|NODENAME|UPTIME|PANIC): \S/;
// `log` inside a session: the kernel's own statement of its KASLR slide (header-facts reads it).
const kernelOffset = /^Kernel Offset: /;
// crash's start-up line for a relocated (KASLR) kernel: the slide in MiB, exact for slides that are
// multiples of 2 MiB (x86_64's CONFIG_PHYSICAL_ALIGN, arm64's MIN_KIMG_ALIGN).
const kernelRelocated = /^WARNING: kernel relocated \[(\d+)MB\]/;
const lineRef = /^\s+(\/?[^\s:]+\.(?:c|h|S|s|rs)): (\d+)\s*$/;
const bareRip = /^\s+(?:RIP|PC): ([0-9a-f]{8,16})\s/;
// nm-style types of code: a `sym` answer naming one of these is a place to resolve, like a frame.
const textType = /^[tTwW]$/;

export function isCrashSession(lines: ConsoleLines): boolean {
  let hits = 0;
  for (const line of lines) {
    const text = line.text;
    if (taskLine.test(text) || btFrame.test(text) || /^crash> /.test(text) || sysOnly.test(text) || parsePsRow(text)) {
      if (++hits >= 2) return true;
    }
    // Shapes only crash (or gdb, for `dis`) prints: a `ps` header, a `sym` answer or an instruction is a session on its own.
    if (isPsHeader(text) || isModHeader(text) || parseSymRow(text) || parseDisInstruction(text)) return true;
  }
  return false;
}

function contextOf(transitionName: string): StackContext {
  if (/IRQ/.test(transitionName)) return 'irq';
  if (/NMI/.test(transitionName)) return 'nmi';
  if (/exception|OVERFLOW|DOUBLEFAULT|DEBUG|MCE/i.test(transitionName)) return 'exception';
  return 'task';
}

function newReport(startLine: number, header: Record<string, string>): CrashReport {
  return {
    format: 'crash-utility',
    kind: 'backtrace',
    headline: '',
    title: '',
    titleRule: 'crash-session',
    header: { ...header },
    registers: {},
    stacks: [],
    guilty: null,
    startLine,
    endLine: startLine,
    lines: [],
  };
}

/**
 * The module of frames that do not print `[module]`: crash's region names say it
 * (`_MODULE_INIT_START_mod`), and a runtime address inside a module's core region (the `mod` table) does.
 */
function placeInModules(report: CrashReport, loads: readonly ModuleLoad[]): void {
  for (const frame of report.stacks.flatMap((s) => s.frames)) {
    if (frame.module) continue;
    const a = frame.address;
    const module = (frame.symbol ? moduleRegionSymbol(frame.symbol)?.module : undefined) ?? (a === undefined ? undefined : loads.find((l) => a >= l.base && a < l.base + BigInt(l.size))?.name);
    if (module) frame.module = module;
  }
}

export function parseCrashSession(lines: ConsoleLines, source: string, problems: ParseProblem[]): CrashReport[] {
  const header: Record<string, string> = {};
  const reports: CrashReport[] = [];
  let report: CrashReport | undefined;
  let stack: CrashStack | undefined;
  let lastFrame: CrashFrame | undefined;
  let exceptionFrame: CrashFrame | undefined;
  const tasks: CrashTask[] = [];
  const disassembly: Disassembly[] = [];
  const symbols: SymbolEntry[] = [];
  const moduleLoads = new Map<string, ModuleLoad>();
  let modTable = false;
  let listing: Disassembly | undefined;
  let listingSource: { file: string; line: number } | undefined;
  let symListing = false;
  let disPrompt = false;
  let symReport: CrashReport | undefined;
  let sysPrompt = false;
  let relocatedSlide: bigint | undefined;
  // What the `log` inside the session states about the whole dump (its `Kernel Offset:`).
  const logFacts = newReport(0, {});
  const startStack = (context: StackContext): CrashStack => {
    stack = { context, frames: [] };
    report!.stacks.push(stack);
    return stack;
  };
  const ensureReport = (lineNo: number): CrashReport => {
    if (!report) {
      report = newReport(lineNo, header);
      reports.push(report);
    }
    return report;
  };
  for (const line of lines) {
    const prompt = /^crash> (.*)$/.exec(line.text);
    if (prompt) {
      listing = undefined;
      listingSource = undefined;
      symListing = /^sym\s+-[lmMq]/.test(prompt[1]);
      disPrompt = /^dis\s/.test(prompt[1]);
      sysPrompt = /^sys\s*$/.test(prompt[1]);
    }
    const text = line.text.replace(/^crash> /, '');
    if (isModHeader(text)) {
      modTable = true;
      continue;
    }
    const load = modTable ? parseModRow(text) : undefined;
    if (load) {
      // A later `mod -s` names the object file: the last row of a module wins.
      moduleLoads.set(load.name, load);
      continue;
    }
    modTable = false;
    const instruction = parseDisInstruction(text);
    if (instruction) {
      if (!listing) {
        listing = { function: instruction.symbol, instructions: [] };
        disassembly.push(listing);
      }
      listing.instructions.push({ ...instruction, ...(listingSource ? { source: listingSource } : {}), inputLine: line.lineNo });
      continue;
    }
    const disSource = listing || disPrompt || !report ? parseDisSource(text) : undefined;
    if (disSource) {
      listingSource = disSource;
      continue;
    }
    listing = undefined;
    listingSource = undefined;
    const task = parsePsRow(text);
    if (task) {
      tasks.push(task);
      continue;
    }
    if (kernelOffset.test(text)) {
      recordHeaderFact(text, logFacts);
      continue;
    }
    const relocated = kernelRelocated.exec(text);
    if (relocated) {
      header.relocated = relocated[1] + 'MB';
      if (Number(relocated[1]) % 2 === 0) relocatedSlide ??= BigInt(relocated[1]) << 20n;
      continue;
    }
    let m = taskLine.exec(text) ? null : sysField.exec(text);
    if (m && (sysPrompt || !report?.stacks.length)) {
      header[m[1]] = m[2].trim();
      continue;
    }
    if (bogusException.test(text) && report) {
      // crash could not trust the frame it just printed (its registers are stack garbage): keep it, unreliable.
      const last = report.stacks.flatMap((s) => s.frames).filter((f) => f.isFault).at(-1);
      if (last) last.reliable = false;
    }
    if ((bogusException.test(text) || /^\s*bt: /.test(text)) && report) {
      problems.push({ source, line: line.lineNo, code: 'crash-warning', message: text.trim() });
      report.header.warnings = [report.header.warnings, text.trim()].filter(Boolean).join('\n');
      continue;
    }
    if ((m = taskLine.exec(text))) {
      report = newReport(line.lineNo, header);
      reports.push(report);
      report.pid = Number(m[1]);
      report.cpu = Number(m[3]);
      report.comm = m[4];
      report.header.TASK = m[2];
      report.lines.push(text);
      stack = undefined;
      lastFrame = undefined;
      exceptionFrame = undefined;
      continue;
    }
    if ((m = btFrame.exec(text))) {
      const r = ensureReport(line.lineNo);
      const s = stack ?? startStack('task');
      const [, index, , unnamedModule, symbol, off, address, printedModule] = m;
      const module = printedModule ?? unnamedModule;
      // A frame printed after `[exception RIP: f]` at the same address is the interrupted function itself.
      lastFrame = {
        index: Number(index),
        symbol,
        offset: off === undefined ? undefined : parseOffset(off),
        module,
        address: BigInt('0x' + address),
        reliable: true,
        raw: text,
        inputLine: line.lineNo,
      };
      s.frames.push(lastFrame);
      r.lines.push(text);
      r.endLine = line.lineNo;
      continue;
    }
    if ((m = drgnInline.exec(text)) && report) {
      const s = stack ?? startStack('task');
      lastFrame = { index: Number(m[1]), symbol: m[2], module: m[3], reliable: true, raw: text, inputLine: line.lineNo };
      s.frames.push(lastFrame);
      continue;
    }
    if ((m = exceptionRip.exec(text)) && report) {
      // The faulting function is where the exception frame's registers point: its own frame, exact address.
      const s = startStack('exception');
      const named = m[1] !== unknownRip;
      exceptionFrame = {
        index: lastFrame ? lastFrame.index : 0,
        ...(named ? { symbol: m[1], offset: m[2] === undefined ? 0 : parseOffset(m[2]) } : {}),
        reliable: named,
        isFault: true,
        raw: text,
        inputLine: line.lineNo,
      };
      s.frames.push(exceptionFrame);
      s.registers = {};
      report.lines.push(text);
      continue;
    }
    if ((m = exceptionPc.exec(text)) && report) {
      const s = startStack('exception');
      exceptionFrame = {
        index: lastFrame ? lastFrame.index : 0,
        symbol: m[2],
        offset: m[3] === undefined ? 0 : parseOffset(m[3]),
        address: BigInt('0x' + m[1]),
        reliable: true,
        isFault: true,
        raw: text,
        inputLine: line.lineNo,
      };
      s.frames.push(exceptionFrame);
      s.registers = { PC: exceptionFrame.address! };
      continue;
    }
    if (((m = textScanStart.exec(text)) || (m = textScanEntry.exec(text))) && report) {
      const s = stack ?? startStack('task');
      const start = m.length === 3;
      lastFrame = {
        index: s.frames.length,
        symbol: start ? m[1] : m[2],
        address: BigInt('0x' + (start ? m[2] : m[3])),
        module: start ? undefined : m[4],
        reliable: start,
        raw: text,
        inputLine: line.lineNo,
      };
      s.frames.push(lastFrame);
      continue;
    }
    if ((m = bareRip.exec(text)) && report) {
      const regs: Record<string, bigint> = {};
      recordRegisters(text, regs);
      if (exceptionFrame && exceptionFrame.address === undefined) exceptionFrame.address = regs.RIP ?? regs.PC;
      if (stack?.registers) recordRegisters(text, stack.registers, { overwrite: true });
      if (Object.keys(report.registers).length === 0 || exceptionFrame) recordRegisters(text, report.registers);
      if (!exceptionFrame && stack) {
        // Registers with no `[exception RIP:]` above: the user-mode state at syscall entry.
        const user = startStack('user');
        user.registers = regs;
        const pc = regs.RIP ?? regs.PC;
        if (pc !== undefined) user.frames.push({ index: user.frames.length, address: pc, reliable: true, isFault: true, raw: text, inputLine: line.lineNo });
      }
      continue;
    }
    if (/^\s+(?:[A-Z0-9]{2,8}|X\d{1,2}|ORIG_RAX|ORIG_X0): [0-9a-f]{8,16}/.test(text) && report) {
      const target = stack?.registers ?? report.registers;
      recordRegisters(text, target);
      if (/CS: [0-9a-f]{4}/.test(text) && exceptionFrame) report.header.cs ??= /CS: ([0-9a-f]{4})/.exec(text)![1];
      if (/ SS: /.test(text)) exceptionFrame = undefined;
      continue;
    }
    if ((m = transition.exec(text)) && report) {
      startStack(contextOf(m[1]));
      exceptionFrame = undefined;
      continue;
    }
    if ((m = lineRef.exec(text)) && lastFrame) {
      lastFrame.sources = [{ file: m[1], line: Number(m[2]), inlined: false, function: lastFrame.symbol }];
      continue;
    }
    const sym = parseSymRow(text);
    if (sym) {
      symbols.push(sym);
      // Without a backtrace, a looked-up code address is resolved like a frame at that exact address
      // (listings are not); with one, it stays a record and the backtrace keeps its own frames.
      if (symListing || !textType.test(sym.type) || (report && report !== symReport)) continue;
      const r = (symReport = ensureReport(line.lineNo));
      const s = stack ?? startStack('task');
      const frame: CrashFrame = { index: s.frames.length, symbol: sym.symbol, offset: sym.offset, module: sym.module, address: sym.address, reliable: true, isFault: true, raw: text, inputLine: line.lineNo };
      if (sym.source) frame.sources = [{ ...sym.source, inlined: false, function: sym.symbol }];
      s.frames.push(frame);
      r.headline ||= 'sym ' + sym.symbol;
      continue;
    }
  }
  const activePid = tasks.find((t) => t.active && t.pid !== 0)?.pid ?? tasks.find((t) => t.active)?.pid;
  const faults = new Set(reports.flatMap((r) => r.stacks.flatMap((s) => s.frames.filter((f) => f.isFault && f.address !== undefined).map((f) => f.address))));
  for (const insn of disassembly.flatMap((d) => d.instructions)) if (faults.has(insn.address)) insn.isFault = true;
  if (reports.length === 0 && (tasks.length || disassembly.length || symbols.length || moduleLoads.size)) {
    const r = newReport(lines.at(0)?.lineNo ?? 1, header);
    const what = [
      tasks.length && `${tasks.length} tasks`,
      disassembly.length && `disassembly of ${disassembly.map((d) => d.function).join(', ')}`,
      symbols.length && `${symbols.length} symbols`,
      moduleLoads.size && `${moduleLoads.size} modules`,
    ].filter(Boolean);
    r.title = r.headline = `crash session: ${what.join('; ')}`;
    reports.push(r);
  }
  // A session with only a `sys` header still describes the dump (a report with no frames).
  if (reports.length === 0 && (header.PANIC || header.RELEASE)) {
    const r = newReport(1, header);
    r.title = header.PANIC ? header.PANIC.replace(/^"|"$/g, '') : `crash dump of ${header.NODENAME ?? 'a system'} running ${header.RELEASE}`;
    r.headline = r.title;
    r.release = header.RELEASE;
    if (header.PANIC) r.kind = matchTitleRule(r.title)?.rule.kind ?? 'panic';
    reports.push(r);
  }
  const vmlinuxPath = (header.DEBUGINFO ?? header['DEBUG KERNEL'] ?? header.KERNEL)?.replace(/\s{2,}.*$/, '');
  for (const r of reports) {
    // `sys` may come after `bt`: its facts reach the reports made before it.
    for (const [key, value] of Object.entries(header)) r.header[key] ??= value;
    if (vmlinuxPath) r.vmlinuxPath = vmlinuxPath;
    const slide = logFacts.kaslrOffset ?? relocatedSlide;
    if (slide !== undefined) r.kaslrOffset ??= slide;
    if (logFacts.header.kernelBase) r.header.kernelBase ??= logFacts.header.kernelBase;
    r.headline ||= `PID ${r.pid ?? '?'} (${r.comm ?? '?'}) on CPU ${r.cpu ?? '?'}`;
    const panic = header.PANIC?.replace(/^"|"$/g, '');
    r.release ??= header.RELEASE;
    if (header['BUILD-ID'] && /^[0-9a-f]{8,}$/i.test(header['BUILD-ID'])) r.buildId ??= header['BUILD-ID'].toLowerCase();
    r.title = panic && Number(header.PID) === r.pid ? panic : r.pid !== undefined ? `backtrace of ${r.comm ?? 'task'} (PID ${r.pid})` : r.headline;
    if (panic && Number(header.PID) === r.pid) r.kind = matchTitleRule(panic)?.rule.kind ?? 'panic';
    if (header.MACHINE) r.arch = /x86_64/.test(header.MACHINE) ? 'x86_64' : /aarch64|arm64/.test(header.MACHINE) ? 'arm64' : header.MACHINE.split(/\s/)[0];
    else if (Object.keys(r.registers).some((k) => /^X\d/.test(k))) r.arch = 'arm64';
    else if ('RIP' in r.registers) r.arch = 'x86_64';
    if (activePid !== undefined) r.header.activePid = String(activePid);
    if (tasks.length) r.tasks = tasks;
    if (disassembly.length) r.disassembly = disassembly;
    if (symbols.length) r.symbols = symbols;
    if (moduleLoads.size) r.moduleLoads = [...moduleLoads.values()];
    placeInModules(r, r.moduleLoads ?? []);
    r.stacks = r.stacks.filter((s) => s.frames.length > 0 || s.registers);
  }
  return reports;
}
