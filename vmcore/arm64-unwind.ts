// Unwinds one arm64 kernel stack from a CPU's registers by its frame records, as the kernel's own unwinder
// does (arch/arm64/kernel/stacktrace.c): arm64 kernels are always built with frame pointers, so x29 points
// at a record {caller's x29, return address} that every non-leaf function stores on entry. Exception entry
// (entry.S kernel_entry) saves a pt_regs and builds a record inside it, `stackframe`, holding the
// interrupted x29 and pc; entry from user mode leaves it zero, the end of every task stack. So a record
// whose pt_regs around it holds the same x29 and pc is an exception frame, read as crash shows one: the
// interrupted registers, then on from the interrupted x29. The IRQ stack is left by call_on_irq_stack's
// record, which points back at the task stack; like the kernel, the walk allows a move to another stack
// only to one not visited yet, and within a stack only upwards. Return addresses lose their pointer
// authentication code first.
//
// What a frame-pointer walk cannot see: a function stopped before it stored its record (a leaf, a
// prologue, an exception vector) has its caller in x30 only. Where the symbols say x30 is in another
// function than pc, that caller is shown, marked unreliable, as crash does with the link register.
import { type Arm64Registers, exceptionLevel, parseArm64Registers, stripPointerAuth, userPtRegsSize } from './arm64-registers.js';
import type { StackMemory, UnwindEndReason, UnwindFrameKind } from './x86-64-unwind.js';

export interface Arm64SavedRegisters {
  /** Address of the pt_regs on the stack; undefined for the starting registers (from the dump's notes). */
  address: bigint | undefined;
  regs: Arm64Registers;
  /** arm64 entry code saves every register. */
  partial: false;
  /** Taken at EL0: the walk ends here. */
  userMode: boolean;
}

export interface Arm64UnwindFrame {
  kind: UnwindFrameKind;
  /** The frame record a return address was read from; the starting or interrupted sp otherwise. */
  sp: bigint;
  /** A return address for `call` (its bl instruction is just before), the exact pc otherwise. */
  ip: bigint;
  reliable: boolean;
  saved?: Arm64SavedRegisters;
  /** The frames before this one were on another stack (the IRQ stack) than this one's. */
  leftIrqStack?: boolean;
}

export interface Arm64Unwind {
  frames: Arm64UnwindFrame[];
  end: { reason: UnwindEndReason; address?: bigint };
}

export interface Arm64UnwindOptions {
  memory: StackMemory;
  /** NUMBER(KERNELPACMASK): the bits a signed return address carries its code in; 0 without PAC. */
  pacMask?: bigint;
  /** Byte offset of `stackframe` in struct pt_regs: 304 on 6.1 (DWARF says when there is a vmlinux). */
  stackframeOffset?: number;
  /** The start of the function holding a code address, when the symbols know it (for the x30 caller). */
  functionStart?: (ip: bigint) => bigint | undefined;
  /** Default 100. */
  maxFrames?: number;
}

/** The 6.1 pt_regs: user_pt_regs, orig_x0, syscallno, unused2, sdei_ttbr1, pmr_save, then stackframe. */
export const defaultStackframeOffset = 304;
/** Kernel stacks (task, IRQ) are 16 KB, aligned to at least that: a record's stack is its address >> 14. */
const stackShift = 14n;

export function unwindArm64Stack(start: Arm64Registers, options: Arm64UnwindOptions): Arm64Unwind {
  const { memory } = options;
  const pacMask = options.pacMask ?? 0n;
  const frameOffset = BigInt(options.stackframeOffset ?? defaultStackframeOffset);
  const maxFrames = options.maxFrames ?? 100;
  const strip = (address: bigint) => stripPointerAuth(address, pacMask);
  const frames: Arm64UnwindFrame[] = [];
  const done = (reason: UnwindEndReason, address?: bigint): Arm64Unwind => ({ frames, end: address === undefined ? { reason } : { reason, address } });
  const record = (fp: bigint): { fp: bigint; lr: bigint } | undefined => {
    const b = memory.read(fp, 16);
    if (!b || b.length < 16) return undefined;
    const view = new DataView(b.buffer, b.byteOffset, 16);
    return { fp: view.getBigUint64(0, true), lr: view.getBigUint64(8, true) };
  };
  const ptRegs = (address: bigint): Arm64Registers | undefined => {
    const b = memory.read(address, userPtRegsSize);
    return b && b.length === userPtRegsSize ? parseArm64Registers(b) : undefined;
  };
  /** The caller x30 names when pc's function has not stored its record, or undefined. */
  const linkCaller = (regs: Arm64Registers, recordLr: bigint | undefined): bigint | undefined => {
    const lr = strip(regs.x[30]!);
    if (!options.functionStart || lr === recordLr || lr >> 63n === 0n) return undefined;
    const caller = options.functionStart(lr - 4n);
    return caller !== undefined && caller !== options.functionStart(regs.pc) ? lr : undefined;
  };

  // qemu writes a note for every vCPU, an offline one's registers all zero.
  if (start.pc === 0n && start.sp === 0n) return done('no-registers');
  if (exceptionLevel(start.pstate) === 0) {
    frames.push({ kind: 'exception', sp: start.sp, ip: start.pc, reliable: true, saved: { address: undefined, regs: start, partial: false, userMode: true } });
    return done('user-mode');
  }
  frames.push({ kind: 'start', sp: start.sp, ip: start.pc, reliable: true });
  let fp = start.x[29]!;
  const first = fp === 0n ? undefined : record(fp);
  const startCaller = linkCaller(start, first && strip(first.lr));
  if (startCaller !== undefined) frames.push({ kind: 'call', sp: start.sp, ip: startCaller, reliable: false });

  const visitedStacks = new Set<bigint>([fp >> stackShift]);
  let leftStack = false;
  for (;;) {
    if (frames.length >= maxFrames) return done('frame-limit');
    if (fp === 0n) return done('end-of-stack');
    if ((fp & 7n) !== 0n) return done('unreadable', fp);
    const rec = record(fp);
    if (!rec) return done('unreadable', fp);
    const moved = leftStack ? { leftIrqStack: true } : {};
    leftStack = false;
    const regsAt = fp - frameOffset;
    if (rec.fp === 0n && rec.lr === 0n) {
      // The record exception entry from user mode zeroes: the task's user registers are around it.
      const user = ptRegs(regsAt);
      if (user && user.pc !== 0n && exceptionLevel(user.pstate) === 0) {
        frames.push({ kind: 'exception', sp: user.sp, ip: user.pc, reliable: true, ...moved, saved: { address: regsAt, regs: user, partial: false, userMode: true } });
        return done('user-mode');
      }
      return done('end-of-stack');
    }
    const regs = ptRegs(regsAt);
    // ELR is saved unsigned in both places; a plain record below a pt_regs would need both slots to agree.
    if (regs && regs.x[29] === rec.fp && regs.pc === rec.lr && exceptionLevel(regs.pstate) !== 0) {
      frames.push({ kind: 'exception', sp: regs.sp, ip: regs.pc, reliable: true, ...moved, saved: { address: regsAt, regs, partial: false, userMode: false } });
      const next = rec.fp === 0n ? undefined : record(rec.fp);
      const caller = linkCaller(regs, next && strip(next.lr));
      if (caller !== undefined) frames.push({ kind: 'call', sp: regs.sp, ip: caller, reliable: false });
    } else {
      frames.push({ kind: 'call', sp: fp, ip: strip(rec.lr), reliable: true, ...moved });
    }
    const next = rec.fp;
    if (next >> stackShift === fp >> stackShift) {
      if (next <= fp) return done('sp-not-increasing', next);
    } else if (next !== 0n) {
      if (visitedStacks.has(next >> stackShift)) return done('loop', next);
      visitedStacks.add(next >> stackShift);
      leftStack = true;
    }
    fp = next;
  }
}
