// arm64 registers as a dump holds them. Each CPU's NT_PRSTATUS note (qemu's dump-guest-memory, the
// kernel's crash_save_cpu) is a `struct elf_prstatus` whose pr_reg, at byte 112 as on x86-64, is a
// user_pt_regs: x0..x30, sp, pc, pstate (34 u64). The kernel's pt_regs on a stack starts with the same 34.
// Return addresses the kernel saves may be signed with pointer authentication: the code sits in the bits
// NUMBER(KERNELPACMASK) names.
import type { ElfNote } from './core-dump.js';

export interface Arm64Registers {
  /** x0..x30 (x29 the frame pointer, x30 the link register). */
  x: bigint[];
  sp: bigint;
  pc: bigint;
  pstate: bigint;
}

export interface Arm64CpuRegisters {
  /** The CPU's number: its NT_PRSTATUS note's rank. */
  cpu: number;
  /** pr_pid: the task's pid in a kdump, qemu's CPU id + 1 in a qemu dump. */
  pid: number;
  regs: Arm64Registers;
}

const NT_PRSTATUS = 1;
const prRegOffset = 112;
const prPidOffset = 32;
export const userPtRegsSize = 34 * 8;

/** user_pt_regs (or a pt_regs' first 272 bytes) at `at` of `bytes`. */
export function parseArm64Registers(bytes: Uint8Array, at = 0): Arm64Registers {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, userPtRegsSize);
  const u = (i: number) => view.getBigUint64(8 * i, true);
  return { x: Array.from({ length: 31 }, (_, i) => u(i)), sp: u(31), pc: u(32), pstate: u(33) };
}

/** The registers of every CPU whose NT_PRSTATUS note the dump holds; notes too short are skipped. */
export function readArm64CpuRegisters(notes: readonly ElfNote[]): Arm64CpuRegisters[] {
  const out: Arm64CpuRegisters[] = [];
  for (const note of notes) {
    if (note.name !== 'CORE' || note.type !== NT_PRSTATUS || note.desc.length < prRegOffset + userPtRegsSize) continue;
    const pid = new DataView(note.desc.buffer, note.desc.byteOffset, note.desc.byteLength).getInt32(prPidOffset, true);
    out.push({ cpu: out.length, pid, regs: parseArm64Registers(note.desc, prRegOffset) });
  }
  return out;
}

/** PSTATE.M[3:2], the exception level the registers were taken at (0: user). */
export function exceptionLevel(pstate: bigint): number {
  return Number((pstate >> 2n) & 3n);
}

/**
 * A code address as the CPU runs it: a kernel address (bit 55 set) gets the PAC bits set, a user one
 * cleared, as the kernel's ptrauth_strip_kernel_insn_pac does.
 */
export function stripPointerAuth(address: bigint, pacMask: bigint): bigint {
  if (pacMask === 0n) return address;
  return (address >> 55n) & 1n ? BigInt.asUintN(64, address | pacMask) : address & ~pacMask;
}
