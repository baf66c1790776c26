// Unwinds one x86_64 kernel stack from a CPU's registers with the ORC tables, as the kernel's own
// unwinder does (arch/x86/kernel/unwind_orc.c): each step finds the caller's stack pointer from the
// ORC entry of the current ip, then either the return address below it (CALL), a full pt_regs saved by
// entry code (REGS) or the hardware's iret frame (REGS_PARTIAL). Stack switches need no knowledge of
// the stacks: the IRQ stack's way back is SP_INDIRECT (the old sp saved at its top), an exception or NMI
// stack's is the pt_regs at its top. Bounded: a step that does not move up its stack, a repeated
// (ip, sp), an unreadable slot or the frame limit ends the walk with a reason, keeping what was found.
import { ORC_REG_BP, ORC_REG_BP_INDIRECT, ORC_REG_DI, ORC_REG_DX, ORC_REG_PREV_SP, ORC_REG_R10, ORC_REG_R13, ORC_REG_SP, ORC_REG_SP_INDIRECT, ORC_REG_UNDEFINED, type OrcEntry } from './orc.js';
import { type PtRegsField, type X86Registers, parsePtRegs, ptRegsSize } from './cpu-registers.js';

/** Reads the dumped kernel's memory; undefined when the address cannot be read. */
export interface StackMemory {
  read(address: bigint, length: number): Uint8Array | undefined;
}

/** The ORC entry for a run-time code address, from whichever binary (vmlinux or a module) holds it. */
export type OrcLookup = (ip: bigint) => OrcEntry | undefined;

export type UnwindFrameKind = 'start' | 'call' | 'exception';

export interface UnwindFrame {
  kind: UnwindFrameKind;
  /**
   * crash's frame address: for `call`, the stack slot the return address was read from; for `start`,
   * the starting rsp; for `exception`, the interrupted rsp.
   */
  sp: bigint;
  /** A return address for `call` (its call instruction is just before), the exact ip otherwise. */
  ip: bigint;
  /** False once the walk went on by frame-pointer guess through code without ORC data. */
  reliable: boolean;
  /** `exception`: where the registers were saved and what they hold. */
  saved?: SavedRegisters;
  /** Reached through the old stack pointer saved at the top of an IRQ stack (SP_INDIRECT): the frames before were on it. */
  leftIrqStack?: boolean;
}

export interface SavedRegisters {
  /** Address of the pt_regs on the stack; undefined for the starting registers (from the dump's notes). */
  address: bigint | undefined;
  regs: X86Registers;
  /** Only the hardware's iret frame (rip, cs, rflags, rsp, ss) is meaningful. */
  partial: boolean;
  /** The interrupted code ran in user mode (CS's low bits): the walk ends here. */
  userMode: boolean;
}

export type UnwindEndReason = 'no-registers' | 'end-of-stack' | 'user-mode' | 'orc-undefined' | 'unreadable' | 'bad-orc' | 'loop' | 'sp-not-increasing' | 'frame-limit';

export interface Unwind {
  frames: UnwindFrame[];
  end: { reason: UnwindEndReason; address?: bigint };
}

export interface UnwindOptions {
  memory: StackMemory;
  orc: OrcLookup;
  /** Default 100. */
  maxFrames?: number;
}

interface State {
  ip: bigint;
  sp: bigint;
  bp: bigint;
  /** Registers known at this frame: all of them at the start or after a REGS frame, the iret frame after REGS_PARTIAL. */
  regs: X86Registers | undefined;
  fullRegs: boolean;
  /** ip is not a return address (look up its own entry, not the call's). */
  signal: boolean;
  reliable: boolean;
}

// What the kernel assumes for code without ORC data (generated code): a frame-pointer frame.
const framePointerEntry: OrcEntry = { ip: 0n, spOffset: 16, bpOffset: -16, spReg: ORC_REG_BP, bpReg: ORC_REG_PREV_SP, type: 'call', signal: false };
const iretFrameOffset = 16 * 8;
const registerOf: Partial<Record<number, PtRegsField>> = { [ORC_REG_R10]: 'r10', [ORC_REG_R13]: 'r13', [ORC_REG_DI]: 'rdi', [ORC_REG_DX]: 'rdx' };

export function unwindX86Stack(start: X86Registers, options: UnwindOptions): Unwind {
  const { memory, orc } = options;
  const maxFrames = options.maxFrames ?? 100;
  const u64 = (address: bigint): bigint | undefined => {
    const b = memory.read(address, 8);
    return b && b.length === 8 ? new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) : undefined;
  };
  const frames: UnwindFrame[] = [];
  const done = (reason: UnwindEndReason, address?: bigint): Unwind => ({ frames, end: address === undefined ? { reason } : { reason, address } });
  // qemu writes a note for every vCPU, an offline one's registers all zero.
  if (start.rip === 0n && start.rsp === 0n) return done('no-registers');
  // A CPU stopped in user mode (kdump's NMI to the other CPUs can catch one there): its registers only.
  if ((start.cs & 3n) !== 0n) {
    frames.push({ kind: 'exception', sp: start.rsp, ip: start.rip, reliable: true, saved: { address: undefined, regs: start, partial: false, userMode: true } });
    return done('user-mode');
  }
  frames.push({ kind: 'start', sp: start.rsp, ip: start.rip, reliable: true });
  let s: State = { ip: start.rip, sp: start.rsp, bp: start.rbp, regs: start, fullRegs: true, signal: true, reliable: true };
  const seen = new Set<string>();
  for (;;) {
    if (frames.length >= maxFrames) return done('frame-limit');
    let entry = orc(s.signal ? s.ip : s.ip - 1n);
    let reliable = s.reliable;
    if (!entry) {
      entry = framePointerEntry;
      reliable = false;
    }
    if (entry.type === 'end-of-stack') return done('end-of-stack');
    if (entry.type === 'undefined') return done('orc-undefined', s.ip);
    // The caller's stack pointer.
    let prevSp: bigint | undefined;
    let switched = false;
    switch (entry.spReg) {
      case ORC_REG_SP:
        prevSp = s.sp + BigInt(entry.spOffset);
        break;
      case ORC_REG_BP:
        prevSp = s.bp + BigInt(entry.spOffset);
        break;
      case ORC_REG_SP_INDIRECT: {
        const v = u64(s.sp);
        if (v === undefined) return done('unreadable', s.sp);
        prevSp = v + BigInt(entry.spOffset);
        switched = true;
        break;
      }
      case ORC_REG_BP_INDIRECT: {
        const at = s.bp + BigInt(entry.spOffset);
        prevSp = u64(at);
        if (prevSp === undefined) return done('unreadable', at);
        switched = true;
        break;
      }
      default: {
        const name = registerOf[entry.spReg];
        if (!name || !s.regs || !s.fullRegs) return done('bad-orc', s.ip);
        prevSp = s.regs[name];
        switched = true;
      }
    }
    prevSp = BigInt.asUintN(64, prevSp);
    const oldSp = s.sp;
    const oldBp = s.bp;
    let next: State;
    if (entry.type === 'call') {
      const slot = prevSp - 8n;
      const ra = u64(slot);
      if (ra === undefined) return done('unreadable', slot);
      if (ra === 0n) return done('end-of-stack');
      frames.push({ kind: 'call', sp: slot, ip: ra, reliable, ...(entry.spReg === ORC_REG_SP_INDIRECT ? { leftIrqStack: true } : {}) });
      next = { ip: ra, sp: prevSp, bp: oldBp, regs: undefined, fullRegs: false, signal: false, reliable };
    } else {
      const partial = entry.type === 'regs-partial';
      const address = partial ? prevSp - BigInt(iretFrameOffset) : prevSp;
      const bytes = memory.read(address, ptRegsSize);
      if (!bytes || bytes.length < ptRegsSize) return done('unreadable', partial ? prevSp : address);
      const regs = parsePtRegs(bytes);
      const userMode = (regs.cs & 3n) !== 0n;
      frames.push({ kind: 'exception', sp: regs.rsp, ip: regs.rip, reliable, saved: { address, regs, partial, userMode } });
      if (userMode) return done('user-mode');
      // The entry's signal bit says whether the saved rip is the interrupted instruction (an exception, an
      // interrupt) or a return address (6.3+; before, saved registers always meant the former).
      next = { ip: regs.rip, sp: regs.rsp, bp: oldBp, regs, fullRegs: !partial, signal: entry.signal, reliable };
      switched = true;
    }
    // The caller's frame pointer.
    if (entry.bpReg === ORC_REG_UNDEFINED) {
      if (next.regs && next.fullRegs) next.bp = next.regs.rbp;
    } else if (entry.bpReg === ORC_REG_PREV_SP || entry.bpReg === ORC_REG_BP) {
      const at = BigInt.asUintN(64, (entry.bpReg === ORC_REG_PREV_SP ? prevSp : oldBp) + BigInt(entry.bpOffset));
      const bp = u64(at);
      if (bp === undefined) return done('unreadable', at);
      next.bp = bp;
    } else return done('bad-orc', s.ip);
    // A plain call moves up the same stack; only a switch (saved regs, an indirect sp) may go elsewhere.
    if (!switched && next.sp <= oldSp) return done('sp-not-increasing', next.sp);
    const key = `${next.ip}:${next.sp}`;
    if (seen.has(key)) return done('loop', next.sp);
    seen.add(key);
    s = next;
  }
}
