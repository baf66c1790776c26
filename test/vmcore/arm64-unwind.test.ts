// The arm64 frame-record unwinder on stacks the test lays out: frame records, the pt_regs exception entry
// saves (with its stackframe record), the zeroed record ending a task stack, an IRQ stack's way back,
// PAC-signed return addresses, and stacks that lie; also the registers read from NT_PRSTATUS notes.
import { describe, expect, it } from 'vitest';
import { type Arm64Registers, readArm64CpuRegisters, stripPointerAuth } from '../../vmcore/arm64-registers.js';
import { unwindArm64Stack } from '../../vmcore/arm64-unwind.js';
import { renderArm64Saved } from '../../vmcore/render-arm64-regs.js';
import { parseCrashReport } from '../../crash/index.js';

const TASK = 0xffff800009cf0000n; // a 16 KB task stack
const IRQ = 0xffff800008008000n; // another CPU's-worth of IRQ stack
const PAC = 0xffff000000000000n;
const EL1h = 0x3c5n;
const EL0t = 0n;
const stackframeAt = 304n;

/** Kernel functions at 0x100 apart: `fn(n)` is the start of function n, `fn(n, off)` an address in it. */
const fn = (n: number, off = 0n) => 0xffff800008100000n + BigInt(n) * 0x100n + off;
const functionStart = (ip: bigint) => (ip >= fn(0) && ip < fn(100) ? ip - ((ip - fn(0)) % 0x100n) : undefined);

class Stack {
  readonly words = new Map<bigint, bigint>();
  set(address: bigint, ...values: bigint[]): this {
    values.forEach((v, i) => this.words.set(address + 8n * BigInt(i), BigInt.asUintN(64, v)));
    return this;
  }
  /** A frame record {fp, lr} at `at`. */
  record(at: bigint, fp: bigint, lr: bigint): this {
    return this.set(at, fp, lr);
  }
  /** An exception's pt_regs whose stackframe record sits at `frame` (as kernel_entry builds it). */
  exception(frame: bigint, regs: Arm64Registers, user = false): this {
    const at = frame - stackframeAt;
    this.set(at, ...regs.x, regs.sp, regs.pc, regs.pstate);
    return user ? this.record(frame, 0n, 0n) : this.record(frame, regs.x[29]!, regs.pc);
  }
  read = (address: bigint, length: number): Uint8Array | undefined => {
    const out = new Uint8Array(length);
    const view = new DataView(out.buffer);
    for (let i = 0; i < length; i += 8) {
      const w = this.words.get(address + BigInt(i));
      if (w === undefined) return undefined;
      view.setBigUint64(i, w, true);
    }
    return out;
  };
}

function regs(values: { x29?: bigint; x30?: bigint; sp?: bigint; pc: bigint; pstate?: bigint }): Arm64Registers {
  const x = Array.from({ length: 31 }, (_, i) => BigInt(i) * 0x1111n);
  if (values.x29 !== undefined) x[29] = values.x29;
  x[30] = values.x30 ?? 0n;
  return { x, sp: values.sp ?? (values.x29 ?? TASK) - 0x10n, pc: values.pc, pstate: values.pstate ?? EL1h };
}

const unwind = (stack: Stack, start: Arm64Registers, extra: { maxFrames?: number; pacMask?: bigint } = {}) =>
  unwindArm64Stack(start, { memory: stack, functionStart, pacMask: PAC, ...extra });
const summary = (u: ReturnType<typeof unwind>) => u.frames.map((f) => `${f.kind} ${(f.ip - fn(0)).toString(16)}${f.reliable ? '' : ' ?'}${f.leftIrqStack ? ' <irq>' : ''}${f.saved ? (f.saved.userMode ? ' user' : ' regs') : ''}`);

describe('arm64 frame-record unwinding', () => {
  it('follows the records to the zeroed one of a kernel thread, PAC stripped', () => {
    const s = new Stack()
      .record(TASK + 0x3e00n, TASK + 0x3e40n, fn(2, 0x1cn) | 0x0012000000000000n & ~(1n << 55n)) // signed: some PAC bits cleared
      .record(TASK + 0x3e40n, TASK + 0x3fe0n, fn(3, 0x30n) & ~PAC | 0x0000800000000000n | (1n << 55n))
      .record(TASK + 0x3fe0n, 0n, 0n);
    const u = unwind(s, regs({ x29: TASK + 0x3e00n, x30: fn(1, 0x10n), pc: fn(1, 0x24n) }));
    expect(summary(u)).toEqual(['start 124', 'call 21c', 'call 330']);
    expect(u.frames[1]!.sp).toBe(TASK + 0x3e00n);
    expect(u.end).toEqual({ reason: 'end-of-stack' });
  });

  it("shows x30's caller when pc's function stored no record (a leaf, a vector), unreliable", () => {
    const s = new Stack().record(TASK + 0x3e00n, TASK + 0x3fe0n, fn(5, 0x8n)).record(TASK + 0x3fe0n, 0n, 0n);
    const u = unwind(s, regs({ x29: TASK + 0x3e00n, x30: fn(4, 0x5cn), pc: fn(9, 0x80n) }));
    expect(summary(u)).toEqual(['start 980', 'call 45c ?', 'call 508']);
    // x30 in pc's own function is stale (a call that returned): not a frame; nor without symbols.
    expect(summary(unwind(s, regs({ x29: TASK + 0x3e00n, x30: fn(9, 0x10n), pc: fn(9, 0x80n) })))).toEqual(['start 980', 'call 508']);
    expect(unwindArm64Stack(regs({ x29: TASK + 0x3e00n, x30: fn(4, 0x5cn), pc: fn(9, 0x80n) }), { memory: s }).frames).toHaveLength(2);
  });

  it('reads an exception entry: the interrupted registers, then on from the interrupted x29, to the user registers', () => {
    // x30 is stale (a call from the interrupted function that returned): its record names its caller.
    const interrupted = regs({ x29: TASK + 0x3d00n, x30: fn(21, 0x20n), sp: TASK + 0x3cf0n, pc: fn(21, 0x34n) });
    const user = regs({ x29: 0x7ffff000n, sp: 0x7fffe000n, pc: 0x4039a8n, pstate: EL0t });
    const s = new Stack()
      .record(TASK + 0x3a00n, TASK + 0x3c00n, fn(10, 0x40n)) // the handler's caller: the vector
      .exception(TASK + 0x3c00n, interrupted)
      .record(TASK + 0x3d00n, TASK + 0x3fe0n, fn(20, 0x64n))
      .exception(TASK + 0x3fe0n, user, true);
    const u = unwind(s, regs({ x29: TASK + 0x3a00n, pc: fn(11, 0x8n) }));
    expect(summary(u)).toEqual(['start b08', 'call a40', 'exception 1534 regs', 'call 1464', 'exception ' + (0x4039a8n - fn(0)).toString(16) + ' user']);
    expect(u.frames[2]!.saved).toMatchObject({ address: TASK + 0x3c00n - stackframeAt, userMode: false });
    expect(u.frames[2]!.sp).toBe(TASK + 0x3cf0n);
    expect(u.frames[4]!.saved?.regs.sp).toBe(0x7fffe000n);
    expect(u.end).toEqual({ reason: 'user-mode' });
  });

  it("adds the interrupted function's caller from its saved x30 when it had stored no record", () => {
    const interrupted = regs({ x29: TASK + 0x3d00n, x30: fn(30, 0x14n), sp: TASK + 0x3cf0n, pc: fn(31, 0x4n) });
    const s = new Stack().exception(TASK + 0x3c00n, interrupted).record(TASK + 0x3d00n, TASK + 0x3fe0n, fn(32, 0x64n)).record(TASK + 0x3fe0n, 0n, 0n);
    expect(summary(unwind(s, regs({ x29: TASK + 0x3c00n, pc: fn(11, 0x8n) })))).toEqual(['start b08', 'exception 1f04 regs', 'call 1e14 ?', 'call 2064']);
  });

  it('a record that only looks like part of a pt_regs (x29 matches, pc does not) is a plain call', () => {
    const fake = regs({ x29: TASK + 0x3d00n, pc: fn(40, 0x4n) });
    const s = new Stack().exception(TASK + 0x3c00n, fake).record(TASK + 0x3c00n, TASK + 0x3d00n, fn(41, 0x8n)).record(TASK + 0x3d00n, 0n, 0n);
    expect(summary(unwind(s, regs({ x29: TASK + 0x3c00n, pc: fn(11, 0x8n) })))).toEqual(['start b08', 'call 2908']);
  });

  it('leaves the IRQ stack for the task stack once, marking the first frame back', () => {
    const s = new Stack()
      .record(IRQ + 0x3fc0n, IRQ + 0x3fd0n, fn(50, 0x60n))
      .record(IRQ + 0x3fd0n, TASK + 0x3c30n, fn(51, 0x30n)) // call_on_irq_stack's record
      .record(TASK + 0x3c30n, TASK + 0x3fe0n, fn(52, 0x88n))
      .record(TASK + 0x3fe0n, 0n, 0n);
    const u = unwind(s, regs({ x29: IRQ + 0x3fc0n, pc: fn(49, 0x44n), x30: fn(49, 0x38n) }));
    expect(summary(u)).toEqual(['start 3144', 'call 3260', 'call 3330', 'call 3488 <irq>']);
    expect(u.end.reason).toBe('end-of-stack');
  });

  it.each([
    ['a record below the last on the same stack', (s: Stack) => s.record(TASK + 0x3e00n, TASK + 0x3d00n, fn(1)), 'sp-not-increasing'],
    ['a return to a stack already left', (s: Stack) => s.record(TASK + 0x3e00n, IRQ + 0x3000n, fn(1)).record(IRQ + 0x3000n, TASK + 0x3f00n, fn(2)), 'loop'],
    ['a record that is not in the dump', (s: Stack) => s.record(TASK + 0x3e00n, TASK + 0x3f00n, fn(1)), 'unreadable'],
    ['a misaligned frame pointer', (s: Stack) => s.record(TASK + 0x3e00n, TASK + 0x3f04n, fn(1)), 'unreadable'],
  ])('stops at %s', (_, build, reason) => {
    const u = unwind(build(new Stack()), regs({ x29: TASK + 0x3e00n, pc: fn(11) }));
    expect(u.end.reason).toBe(reason);
    expect(u.frames.length).toBeGreaterThan(0);
  });

  it('stops at the frame limit, starts nothing from empty registers, and keeps a CPU in user mode as registers only', () => {
    const s = new Stack();
    for (let i = 0n; i < 100n; i++) s.record(TASK + 0x100n + i * 0x20n, TASK + 0x120n + i * 0x20n, fn(1, 4n));
    expect(unwind(s, regs({ x29: TASK + 0x100n, pc: fn(11) }), { maxFrames: 10 }).end.reason).toBe('frame-limit');
    expect(unwind(s, { x: Array(31).fill(0n), sp: 0n, pc: 0n, pstate: 0n }).end.reason).toBe('no-registers');
    const user = unwind(s, regs({ x29: 0x7fff0000n, pc: 0x400000n, pstate: EL0t }));
    expect(summary(user)).toEqual([`exception ${(0x400000n - fn(0)).toString(16)} user`]);
    expect(user.end.reason).toBe('user-mode');
  });
});

describe('arm64 registers', () => {
  it('reads pr_reg (x0..x30, sp, pc, pstate at byte 112) of each CPU, skipping short and other notes', () => {
    const note = (fill: (i: number) => bigint, pid: number) => {
      const desc = new Uint8Array(392);
      const view = new DataView(desc.buffer);
      view.setInt32(32, pid, true);
      for (let i = 0; i < 34; i++) view.setBigUint64(112 + 8 * i, fill(i), true);
      return { name: 'CORE', type: 1, desc };
    };
    const cpus = readArm64CpuRegisters([
      note((i) => BigInt(i), 1),
      { name: 'CORE', type: 2, desc: new Uint8Array(528) },
      { name: 'CORE', type: 1, desc: new Uint8Array(200) },
      note((i) => 0xffff800000000000n + BigInt(i), 2),
    ]);
    expect(cpus.map((c) => [c.cpu, c.pid])).toEqual([[0, 1], [1, 2]]);
    expect(cpus[0]!.regs).toMatchObject({ sp: 31n, pc: 32n, pstate: 33n });
    expect(cpus[0]!.regs.x[29]).toBe(29n);
    expect(cpus[1]!.regs.x[30]).toBe(0xffff80000000001en);
  });

  it('strips a PAC from kernel and user code addresses', () => {
    expect(stripPointerAuth(0x00aa800008b6b804n, PAC)).toBe(0xffff800008b6b804n);
    expect(stripPointerAuth(0x0012000000400000n, 0x00ff000000000000n)).toBe(0x400000n);
    expect(stripPointerAuth(0x002a800008b6b804n, 0n)).toBe(0x002a800008b6b804n);
  });
});

describe("arm64 exception registers in crash's bt form", () => {
  const kernel = regs({ x29: TASK + 0x3d00n, x30: 0xffff800008014e08n, sp: TASK + 0x3cf0n, pc: 0xffff800000bdc034n });
  const user = regs({ x29: 0x7ffff000n, x30: 0x400100n, sp: 0x7fffe000n, pc: 0x4039a8n, pstate: 0x80001000n });
  const block = renderArm64Saved({ name: 'null_pointer_init', offset: 52n }, { address: TASK + 0x3ad0n, regs: kernel, partial: false, userMode: false });

  it('prints PC with its symbol, LR, SP and PSTATE, then x29..x0 three to a line', () => {
    expect(block.slice(0, 4)).toEqual([
      '     PC: ffff800000bdc034  [null_pointer_init+52]',
      '     LR: ffff800008014e08',
      `     SP: ${(TASK + 0x3cf0n).toString(16)}  PSTATE: 000003c5`,
      `    X29: ${(TASK + 0x3d00n).toString(16)}  X28: ${(28n * 0x1111n).toString(16).padStart(16, '0')}  X27: ${(27n * 0x1111n).toString(16).padStart(16, '0')}`,
    ]);
    expect(block.at(-1)).toMatch(/^ {5}X2: 0{12}2222 {3}X1: 0{12}1111 {3}X0: 0{16}$/);
    expect(renderArm64Saved(undefined, { address: undefined, regs: user, partial: false, userMode: true })[0]).toBe('     PC: 00000000004039a8   LR: 0000000000400100   SP: 000000007fffe000');
  });

  it("is read by crash/'s session parser as the faulting frame, at its exact address", () => {
    const text = [
      'crash> bt',
      'PID: 97       TASK: ffff0000035b8000  CPU: 0    COMMAND: "insmod"',
      ' #0 [ffff800009cf3630] el1h_64_sync at ffff800008011280',
      ...block,
      ' #1 [ffff800009cf3790] do_one_initcall at ffff800008014e08',
      '',
    ].join('\n');
    const report = parseCrashReport(text, { source: 'bt.txt' }).reports.find((r) => r.stacks.length > 0)!;
    const fault = report.stacks.flatMap((st) => st.frames).find((f) => f.isFault);
    expect(fault).toMatchObject({ symbol: 'null_pointer_init', offset: 52, address: 0xffff800000bdc034n });
  });
});
