// The arm64 part of readBacktraces: each CPU's registers from its NT_PRSTATUS note, unwound by frame
// records with the pt_regs layout of this vmlinux's DWARF (where exception entry puts its record) and
// the PAC mask of VMCOREINFO; the caller only names the frames and finds the tasks, as for x86-64.
import { type DebugFile, readStructLayout } from '../debuginfo/index.js';
import { type Arm64Registers, readArm64CpuRegisters } from './arm64-registers.js';
import { type Arm64Unwind, defaultStackframeOffset, unwindArm64Stack } from './arm64-unwind.js';
import type { KernelMemory } from './kernel-memory.js';
import { type LoadedModule, findModule } from './module-list.js';
import type { StackMemory } from './x86-64-unwind.js';

export interface Arm64CpuUnwind {
  cpu: number;
  registers: Arm64Registers;
  unwound: Arm64Unwind;
}

export interface Arm64UnwindContext {
  memory: KernelMemory;
  stack: StackMemory;
  vmlinux: DebugFile;
  modules: readonly LoadedModule[];
  /** Whether a run-time address is in the vmlinux's text (its symbols name nothing else). */
  isKernelText: (ip: bigint) => boolean;
  maxFrames?: number;
  problems: string[];
}

export function unwindArm64Cpus(context: Arm64UnwindContext): Arm64CpuUnwind[] {
  const { memory, vmlinux, modules } = context;
  const slide = memory.kernelSlide;
  const functionStart = (ip: bigint): bigint | undefined => {
    if (context.isKernelText(ip)) {
      const s = vmlinux.symbols.findByAddress(ip - slide);
      return s && s.address + slide;
    }
    return findModule(modules, ip)?.module.symbolAt(ip)?.address;
  };
  const options = {
    memory: context.stack,
    pacMask: memory.info.number('KERNELPACMASK') ?? 0n,
    stackframeOffset: stackframeOffset(vmlinux, context.problems),
    functionStart,
    ...(context.maxFrames === undefined ? {} : { maxFrames: context.maxFrames }),
  };
  return readArm64CpuRegisters(memory.dump.notes).map((cpu) => ({ cpu: cpu.cpu, registers: cpu.regs, unwound: unwindArm64Stack(cpu.regs, options) }));
}

/** pt_regs.stackframe from the DWARF of the unit that handles aborts (any unit using pt_regs would do). */
function stackframeOffset(vmlinux: DebugFile, problems: string[]): number {
  const near = vmlinux.symbols.findByName('do_mem_abort')[0];
  let offset: number | undefined;
  try {
    offset = near && readStructLayout(vmlinux.elf, 'pt_regs', { near: near.address })?.member('stackframe')?.offset;
  } catch (err) {
    if (!(err instanceof Error && (err.name === 'DwarfFormatError' || err.name === 'ElfFormatError'))) throw err;
    problems.push(err.message);
  }
  if (offset === undefined) problems.push(`${vmlinux.name}: no DWARF layout of struct pt_regs: its stackframe is taken at ${defaultStackframeOffset}, as in 6.1`);
  return offset ?? defaultStackframeOffset;
}
