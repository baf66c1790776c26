// Each dumped CPU's registers from the dump's notes: one NT_PRSTATUS per CPU (written by the kernel's
// crash_save_cpu for /proc/vmcore, by qemu's dump-guest-memory for a guest), in CPU order. An x86_64
// `struct elf_prstatus` holds `pr_reg` (a user_regs_struct: 27 u64) at byte 112; its first 21 are
// pt_regs in pt_regs order. qemu adds a `QEMU` note per CPU (QEMUCPUState) whose GS base is the CPU's
// per-CPU area when it ran kernel code.
import type { ElfNote } from './core-dump.js';

export const NT_PRSTATUS = 1;

/** The pt_regs fields in memory order (arch/x86/include/asm/ptrace.h), as crash names them. */
export const ptRegsFields = ['r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi', 'orig_rax', 'rip', 'cs', 'rflags', 'rsp', 'ss'] as const;
export type PtRegsField = (typeof ptRegsFields)[number];
export type X86Registers = Record<PtRegsField, bigint>;
export const ptRegsSize = ptRegsFields.length * 8;

export interface CpuRegisters {
  /** The CPU's number: its NT_PRSTATUS note's rank. */
  cpu: number;
  /** pr_pid: the task's pid in a kdump, qemu's CPU id + 1 in a qemu dump. */
  pid: number;
  regs: X86Registers;
  /** The GS base of qemu's CPU state (the per-CPU area in kernel mode), when there is a QEMU note. */
  gsBase?: bigint;
}

const prRegOffset = 112;
const prPidOffset = 32;
const userRegsCount = 27;

/** The registers of every CPU whose NT_PRSTATUS note the dump holds; notes too short are skipped. */
export function readCpuRegisters(notes: readonly ElfNote[]): CpuRegisters[] {
  const out: CpuRegisters[] = [];
  const qemu = notes.filter((n) => n.name === 'QEMU');
  for (const note of notes) {
    if (note.name !== 'CORE' || note.type !== NT_PRSTATUS || note.desc.length < prRegOffset + userRegsCount * 8) continue;
    const view = new DataView(note.desc.buffer, note.desc.byteOffset, note.desc.byteLength);
    const regs = {} as X86Registers;
    ptRegsFields.forEach((name, i) => (regs[name] = view.getBigUint64(prRegOffset + 8 * i, true)));
    const cpu = out.length;
    const entry: CpuRegisters = { cpu, pid: view.getInt32(prPidOffset, true), regs };
    const gsBase = qemu[cpu] ? qemuGsBase(qemu[cpu].desc) : undefined;
    if (gsBase !== undefined) entry.gsBase = gsBase;
    out.push(entry);
  }
  return out;
}

// QEMUCPUState (qemu target/i386/arch_dump.c): version, size, 18 u64 registers, then the segments
// cs ds es fs gs ss ldt tr gdt idt, each {u32 selector, limit, flags, pad; u64 base}.
const qemuSegmentsOffset = 8 + 18 * 8;
const qemuSegmentSize = 24;
const qemuGsIndex = 4;

function qemuGsBase(desc: Uint8Array): bigint | undefined {
  const at = qemuSegmentsOffset + qemuGsIndex * qemuSegmentSize + 16;
  if (desc.length < at + 8) return undefined;
  return new DataView(desc.buffer, desc.byteOffset, desc.byteLength).getBigUint64(at, true);
}

/** pt_regs read from memory at their address (the layout as the kernel pushes it). */
export function parsePtRegs(bytes: Uint8Array): X86Registers {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const regs = {} as X86Registers;
  ptRegsFields.forEach((name, i) => (regs[name] = view.getBigUint64(8 * i, true)));
  return regs;
}
