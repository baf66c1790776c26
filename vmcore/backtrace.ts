// The dumped CPUs' backtraces, like `crash`'s `bt -a`: each CPU's registers from the dump's notes, the
// task it ran (per-CPU `pcpu_hot.current_task` on 6.2+, `current_task` before), its stack unwound with
// the ORC tables of the vmlinux and of the modules found in memory, and each frame named from the
// vmlinux's symbol table (with the KASLR slide) or a module's `.ko` when a directory of them is given,
// else the module's kallsyms in memory, else crash's `_MODULE_START_name`/`_MODULE_INIT_START_name`
// region names (an offset into the module).
// Which CPU panicked comes from `panic_cpu`. Everything that cannot be read becomes a problem on that
// CPU's record; the other CPUs still get theirs.
import { type DebugFile, type ElfSymbol, ModuleFinder, elfConstants, type SymbolTable, moduleLayout, openDebugFile, readStructLayout, sectionAtRegionOffset } from '../debuginfo/index.js';
import type { Arm64Registers } from './arm64-registers.js';
import { unwindArm64Cpus } from './arm64-backtrace.js';
import type { Arm64SavedRegisters } from './arm64-unwind.js';
import { type X86Registers, readCpuRegisters } from './cpu-registers.js';
import { VmcoreError, attemptRead } from './errors.js';
import type { KernelMemory } from './kernel-memory.js';
import { type LoadedModule, findModule, moduleOffsets, readModuleList } from './module-list.js';
import { type OrcTable, readVmlinuxOrc } from './orc.js';
import { type SavedRegisters, type StackMemory, type UnwindEndReason, type UnwindFrameKind, unwindX86Stack } from './x86-64-unwind.js';

const { EM_X86_64, EM_AARCH64 } = elfConstants;

export interface BacktraceFrame {
  kind: UnwindFrameKind;
  /** crash's `[sp]`: the slot of the return address (`call`), the starting or interrupted rsp. */
  sp: bigint;
  ip: bigint;
  /** The symbol holding ip (the call instruction's, for a return address) and ip's offset into it. */
  symbol: { name: string; offset: bigint } | undefined;
  /** The module holding ip, undefined for the vmlinux. */
  module: string | undefined;
  reliable: boolean;
  saved?: SavedRegisters | Arm64SavedRegisters;
  /** The frames before this one were on the IRQ stack. */
  leftIrqStack?: boolean;
}

export interface TaskInfo {
  address: bigint;
  pid: number;
  comm: string;
}

export interface CpuBacktrace {
  cpu: number;
  /** The task current on that CPU, when the per-CPU data could be read. */
  task: TaskInfo | undefined;
  panicking: boolean;
  registers: X86Registers | Arm64Registers;
  frames: BacktraceFrame[];
  end: { reason: UnwindEndReason; address?: bigint };
  problems: string[];
}

export interface KernelBacktraces {
  cpus: CpuBacktrace[];
  /** From `panic_cpu`; undefined when no CPU panicked or it could not be read. */
  panicCpu: number | undefined;
  modules: LoadedModule[];
  /** Problems that concern every CPU (no ORC table, no module layout). */
  problems: string[];
}

export interface BacktraceOptions {
  memory: KernelMemory;
  /** The vmlinux of the dumped kernel (its ORC tables, symbols, and DWARF for `struct module`). */
  vmlinux: DebugFile;
  /** Directories searched for the modules' `.ko` files by name (names for module frames). */
  moduleDirs?: string[];
  /** Frames per CPU, default 100. */
  maxFrames?: number;
}

export async function readBacktraces(options: BacktraceOptions): Promise<KernelBacktraces> {
  const { memory, vmlinux } = options;
  // arm64 unwinds by frame records (arm64-backtrace.ts); naming, modules and tasks are shared.
  const arm64 = memory.dump.machine === EM_AARCH64;
  if (!arm64 && memory.dump.machine !== EM_X86_64) throw new VmcoreError(memory.dump.file, 'unsupported', `backtraces of ELF machine ${memory.dump.machine} are not unwound (x86-64 and arm64 only)`);
  const slide = memory.kernelSlide;
  const symbols = vmlinux.symbols;
  const problems: string[] = [];
  const runtime = (name: string) => {
    const s = symbols.findByName(name)[0];
    return s && s.address + slide;
  };
  // Another kernel's vmlinux would unwind through garbage: its page-table root must be where VMCOREINFO says.
  const rootName = arm64 ? 'swapper_pg_dir' : 'init_top_pgt';
  const root = runtime(rootName);
  const dumped = memory.info.symbol(rootName);
  if (root !== undefined && dumped !== undefined && root !== dumped) {
    problems.push(`${vmlinux.name} is not the dumped kernel's vmlinux: its ${rootName} (0x${root.toString(16)} with the slide) is not VMCOREINFO's 0x${dumped.toString(16)}`);
  }
  const orc = arm64 ? undefined : readVmlinuxOrc(vmlinux.elf, { slide, release: memory.info.osrelease });
  if (!orc && !arm64) problems.push(`${vmlinux.name} has no ORC tables (.orc_unwind): the kernel was not built with CONFIG_UNWINDER_ORC`);
  const modules = readModules(options, runtime, orc, problems);
  const text = kernelTextRanges(runtime);
  const lookup = (ip: bigint) => {
    if (text.some((r) => ip >= r.start && ip < r.end)) return orc?.find(ip);
    return findModule(modules, ip)?.module.orc()?.find(ip);
  };
  const stack: StackMemory = { read: (address, length) => attempt(() => memory.read(address, length)) };
  const panicCpu = readPanicCpu(memory, runtime('panic_cpu'));
  const namer = await frameNamer({ symbols, slide, modules, moduleDirs: options.moduleDirs ?? [], problems });
  const taskOf = taskReader(options, runtime, symbols);
  const cpus: CpuBacktrace[] = [];
  const isKernelText = (ip: bigint) => text.some((r) => ip >= r.start && ip < r.end);
  const unwinds: { cpu: number; gsBase?: bigint; registers: X86Registers | Arm64Registers; unwound: { frames: Omit<BacktraceFrame, 'symbol' | 'module'>[]; end: CpuBacktrace['end'] } }[] = arm64
    ? unwindArm64Cpus({ memory, stack, vmlinux, modules, isKernelText, maxFrames: options.maxFrames, problems })
    : readCpuRegisters(memory.dump.notes).map((cpu) => ({ ...cpu, registers: cpu.regs, unwound: unwindX86Stack(cpu.regs, { memory: stack, orc: lookup, maxFrames: options.maxFrames }) }));
  try {
    for (const { unwound, ...cpu } of unwinds) {
      const cpuProblems: string[] = [];
      const frames = unwound.frames.map((f) => ({ ...f, ...namer.name(f.kind === 'call' ? f.ip - 1n : f.ip, f.ip) }));
      if (unwound.end.reason === 'no-registers') cpuProblems.push('its saved registers are all zero (an offline CPU): no backtrace');
      else if (unwound.end.reason !== 'end-of-stack' && unwound.end.reason !== 'user-mode') {
        const at = unwound.end.address === undefined ? '' : ` at 0x${unwound.end.address.toString(16)}`;
        cpuProblems.push(`the unwind stopped early (${unwound.end.reason}${at})`);
      }
      cpus.push({ cpu: cpu.cpu, task: taskOf(cpu, cpuProblems), panicking: panicCpu === cpu.cpu, registers: cpu.registers, frames, end: unwound.end, problems: cpuProblems });
    }
  } finally {
    namer.close();
  }
  if (cpus.length === 0) problems.push(`${memory.dump.file} has no NT_PRSTATUS notes: no CPU's registers to start from`);
  return { cpus, panicCpu, modules, problems };
}

function attempt<T>(read: () => T): T | undefined {
  const value = attemptRead(read);
  return value instanceof VmcoreError ? undefined : value;
}

/** The vmlinux's text and init text at run time (the ORC table answers only there). */
function kernelTextRanges(runtime: (name: string) => bigint | undefined): { start: bigint; end: bigint }[] {
  const out: { start: bigint; end: bigint }[] = [];
  for (const [from, to] of [['_stext', '_etext'], ['_sinittext', '_einittext']] as const) {
    const start = runtime(from);
    const end = runtime(to);
    if (start !== undefined && end !== undefined) out.push({ start, end });
  }
  return out;
}

function readModules(options: BacktraceOptions, runtime: (name: string) => bigint | undefined, orc: OrcTable | undefined, problems: string[]): LoadedModule[] {
  const { vmlinux, memory } = options;
  const head = runtime('modules');
  // kernel/module/main.c (6.1+) or kernel/module.c defines do_init_module: its unit holds `struct module`.
  const near = vmlinux.symbols.findByName('do_init_module')[0] ?? vmlinux.symbols.findByName('load_module')[0];
  if (head === undefined || !near) {
    problems.push(`${vmlinux.name} has no \`modules\` list or do_init_module: module frames are not placed`);
    return [];
  }
  const layout = attemptDwarf(() => readStructLayout(vmlinux.elf, 'module', { near: near.address }), problems);
  const kallsyms = attemptDwarf(() => readStructLayout(vmlinux.elf, 'mod_kallsyms', { near: near.address }), problems);
  const offsets = layout && moduleOffsets(layout, kallsyms);
  if (!offsets) {
    problems.push(`${vmlinux.name}: no DWARF layout of struct module near do_init_module: module frames are not placed`);
    return [];
  }
  const list = readModuleList({ memory, offsets, head, orcVersion: orc?.version ?? 1 });
  problems.push(...list.problems);
  return list.modules;
}

function attemptDwarf<T>(read: () => T, problems: string[]): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof Error && (err.name === 'DwarfFormatError' || err.name === 'ElfFormatError')) {
      problems.push(err.message);
      return undefined;
    }
    throw err;
  }
}

function readPanicCpu(memory: KernelMemory, address: bigint | undefined): number | undefined {
  if (address === undefined) return undefined;
  const v = attempt(() => memory.u32(address));
  // PANIC_CPU_INVALID is -1.
  return v === undefined || v === 0xffffffff ? undefined : v;
}

/** The task current on a CPU, read through the per-CPU area and task_struct's DWARF layout. */
function taskReader(options: BacktraceOptions, runtime: (name: string) => bigint | undefined, symbols: SymbolTable): (cpu: { cpu: number; gsBase?: bigint }, problems: string[]) => TaskInfo | undefined {
  const { memory, vmlinux } = options;
  const near = symbols.findByName('do_init_module')[0] ?? symbols.findByName('do_exit')[0];
  const ignored: string[] = [];
  const layout = near ? attemptDwarf(() => readStructLayout(vmlinux.elf, 'task_struct', { near: near.address }), ignored) : undefined;
  const pidAt = layout?.member('pid')?.offset;
  const commAt = layout?.member('comm')?.offset;
  // x86's per-CPU variables are offsets into each CPU's area, not moved by KASLR; arm64's are addresses in
  // the image's per-CPU section, which __per_cpu_offset moves to each CPU's copy (__entry_task: current).
  const current = memory.dump.machine === EM_AARCH64
    ? runtime('__entry_task')
    : (symbols.findByName('pcpu_hot')[0]?.address ?? symbols.findByName('current_task')[0]?.address);
  const offsets = runtime('__per_cpu_offset');
  return (cpu, problems) => {
    if (pidAt === undefined || commAt === undefined || current === undefined) {
      problems.push(`${vmlinux.name}: no task_struct layout or current_task symbol: the CPU's task is unknown`);
      return undefined;
    }
    const area = (offsets !== undefined ? attempt(() => memory.u64(offsets + BigInt(8 * cpu.cpu))) : undefined) ?? cpu.gsBase;
    const task = area === undefined ? undefined : attempt(() => memory.u64(area + current));
    const pid = task === undefined ? undefined : attempt(() => memory.u32(task + BigInt(pidAt)));
    const comm = task === undefined ? undefined : attempt(() => memory.read(task + BigInt(commAt), 16));
    if (task === undefined || pid === undefined || comm === undefined) {
      problems.push(`CPU ${cpu.cpu}: its current task could not be read from the per-CPU area`);
      return undefined;
    }
    const end = comm.indexOf(0);
    return { address: task, pid, comm: Buffer.from(comm.subarray(0, end < 0 ? 16 : end)).toString('latin1') };
  };
}

interface NamerOptions {
  symbols: SymbolTable;
  slide: bigint;
  modules: readonly LoadedModule[];
  moduleDirs: string[];
  /** Where a `.ko` that cannot be opened is reported. */
  problems: string[];
}

type FrameName = Pick<BacktraceFrame, 'symbol' | 'module'>;

/**
 * Names a frame: `lookup` is the byte whose symbol is wanted (a return address less one), `ip` the
 * address the offset is measured from. Module `.ko` files are opened once, on the first frame in them.
 */
async function frameNamer(options: NamerOptions): Promise<{ name: (lookup: bigint, ip: bigint) => FrameName; close: () => void }> {
  const { symbols, slide, modules } = options;
  const finder = new ModuleFinder({ dirs: options.moduleDirs });
  const files = new Map<string, DebugFile | undefined>();
  // Open the .ko of every module up front: naming is synchronous and there are few modules.
  for (const m of modules) {
    const path = options.moduleDirs.length > 0 ? finder.find(m.name) : undefined;
    files.set(
      m.name,
      path
        ? await openDebugFile(path).catch((err: unknown) => {
            options.problems.push(`module ${m.name}: ${err instanceof Error ? err.message : String(err)}: its frames are named from memory`);
            return undefined;
          })
        : undefined,
    );
  }
  const close = () => {
    for (const f of files.values()) f?.close();
  };
  const name = (lookup: bigint, ip: bigint): FrameName => {
    const owner = findModule(modules, lookup);
    if (!owner) {
      const s = symbols.findByAddress(lookup - slide);
      return { symbol: s && { name: s.name, offset: ip - (s.address + slide) }, module: undefined };
    }
    const { module, region } = owner;
    const base = region === 'init' ? module.initText!.base : module.text.base;
    const file = files.get(module.name);
    if (file) {
      const layout = moduleLayout(file.elf);
      const at = sectionAtRegionOffset(file.elf, region === 'init' ? layout.init : layout.core, lookup - base);
      const place = at && file.sectionAddress(at.section, at.offset);
      const s = place !== undefined ? file.symbols.findByAddress(place) : undefined;
      if (place !== undefined && s) return { symbol: { name: firstInTable(file, s).name, offset: place - s.address + (ip - lookup) }, module: module.name };
    }
    const own = module.symbolAt(lookup);
    if (own) return { symbol: { name: own.name, offset: ip - own.address }, module: module.name };
    const regionName = region === 'init' ? `_MODULE_INIT_START_${module.name}` : `_MODULE_START_${module.name}`;
    return { symbol: { name: regionName, offset: ip - base }, module: module.name };
  };
  return { name, close };
}

/**
 * Among a module's symbols at one address (`init_module`, the alias module_init makes, and the function
 * it names), the first in the table: the one the kernel's module kallsyms prints in an oops.
 */
function firstInTable(file: DebugFile, symbol: ElfSymbol): ElfSymbol {
  let best = symbol;
  for (const s of file.symbols.codeSymbols()) if (s.address === symbol.address && s.index < best.index) best = s;
  return best;
}
