// The ORC tables and the x86_64 unwinder: entries decoded in each layout, lookups by binary search, and
// walks over synthetic stacks (calls, pt_regs, an IRQ-stack switch, bad data) built by the test; then
// the real Debian vmlinux tables, checked against what objtool writes at a function's first byte.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfFile, SectionLayout, readSymbolTable, elfConstants } from '../../debuginfo/index.js';
import { ptRegsFields, type X86Registers } from '../../vmcore/cpu-registers.js';
import { ORC_REG_BP, ORC_REG_PREV_SP, ORC_REG_SP, ORC_REG_SP_INDIRECT, ORC_REG_UNDEFINED, OrcTable, decodeOrcEntry, readVmlinuxOrc, type OrcFrameType, type OrcVersion } from '../../vmcore/orc.js';
import { unwindX86Stack, type StackMemory } from '../../vmcore/x86-64-unwind.js';

interface Spec {
  ip: bigint;
  spReg: number;
  spOffset: number;
  bpReg?: number;
  bpOffset?: number;
  type: OrcFrameType;
}

const v3Types: Record<OrcFrameType, number> = { undefined: 0, 'end-of-stack': 1, call: 2, regs: 3, 'regs-partial': 4 };
const v1Types: Partial<Record<OrcFrameType, number>> = { call: 0, regs: 1, 'regs-partial': 2 };

/** `.orc_unwind_ip` and `.orc_unwind` bytes for entries at `base`, in a layout; `shuffle` stores them unsorted. */
function orcBytes(specs: Spec[], base: bigint, version: OrcVersion, shuffle = false): { ips: Uint8Array; entries: Uint8Array } {
  const order = shuffle ? [...specs].reverse() : specs;
  const ips = new Uint8Array(order.length * 4);
  const entries = new Uint8Array(order.length * 6);
  const iv = new DataView(ips.buffer);
  const ev = new DataView(entries.buffer);
  order.forEach((e, i) => {
    iv.setInt32(4 * i, Number(e.ip - (base + BigInt(4 * i))), true);
    ev.setInt16(6 * i, e.spOffset, true);
    ev.setInt16(6 * i + 2, e.bpOffset ?? 0, true);
    let bits = e.spReg | ((e.bpReg ?? 0) << 4);
    if (version === 3) bits |= v3Types[e.type] << 8;
    else if (e.type === 'end-of-stack') bits |= 1 << (version === 1 ? 10 : 11);
    else bits |= (v1Types[e.type] ?? 0) << 8;
    ev.setUint16(6 * i + 4, bits, true);
  });
  return { ips, entries };
}

function table(specs: Spec[], version: OrcVersion = 3): OrcTable {
  const base = 0xffffffff82000000n;
  const { ips, entries } = orcBytes(specs, base, version);
  return new OrcTable(ips, base, entries, version);
}

class FakeMemory implements StackMemory {
  readonly words = new Map<bigint, bigint>();
  set(address: bigint, value: bigint): this {
    this.words.set(address, value);
    return this;
  }
  setRegs(address: bigint, regs: X86Registers): this {
    ptRegsFields.forEach((f, i) => this.set(address + BigInt(8 * i), regs[f]));
    return this;
  }
  read(address: bigint, length: number): Uint8Array | undefined {
    const out = new Uint8Array(length);
    const view = new DataView(out.buffer);
    for (let at = 0; at < length; at += 8) {
      const w = this.words.get(address + BigInt(at));
      if (w === undefined) return undefined;
      view.setBigUint64(at, w, true);
    }
    return out;
  }
}

function regs(values: Partial<X86Registers>): X86Registers {
  const r = Object.fromEntries(ptRegsFields.map((f) => [f, 0n])) as X86Registers;
  return { ...r, cs: 0x10n, ss: 0x18n, ...values };
}

const hex = (v: bigint) => v.toString(16);

describe('ORC entries', () => {
  const cases: { version: OrcVersion; spec: Spec }[] = [];
  for (const version of [1, 2, 3] as const) {
    for (const type of ['call', 'regs', 'regs-partial', 'end-of-stack'] as const) {
      cases.push({ version, spec: { ip: 0x10n, spReg: type === 'end-of-stack' ? ORC_REG_UNDEFINED : ORC_REG_SP, spOffset: 24, bpReg: ORC_REG_PREV_SP, bpOffset: -16, type } });
    }
  }
  it.each(cases)('v$version $spec.type decodes to what was encoded', ({ version, spec }) => {
    const { entries } = orcBytes([spec], 0n, version);
    const e = decodeOrcEntry(entries, 0, version, spec.ip);
    expect({ spReg: e.spReg, spOffset: e.spOffset, bpReg: e.bpReg, bpOffset: e.bpOffset, type: e.type }).toEqual({ spReg: spec.spReg, spOffset: 24, bpReg: ORC_REG_PREV_SP, bpOffset: -16, type: spec.type });
  });

  it('v1 undefined sp_reg without end is a terminator, not end of stack', () => {
    const { entries } = orcBytes([{ ip: 0n, spReg: ORC_REG_UNDEFINED, spOffset: 0, type: 'call' }], 0n, 1);
    expect(decodeOrcEntry(entries, 0, 1, 0n).type).toBe('undefined');
  });

  it('finds the greatest entry at or below an address, sorted or not', () => {
    const base = 0x1000n;
    const specs: Spec[] = [0x2000n, 0x2010n, 0x2400n].map((ip, i) => ({ ip, spReg: ORC_REG_SP, spOffset: 8 * (i + 1), type: 'call' }));
    for (const shuffle of [false, true]) {
      const { ips, entries } = orcBytes(specs, base, 3, shuffle);
      const t = new OrcTable(ips, base, entries, 3);
      expect(t.find(0x1fffn)).toBeUndefined();
      expect([0x2000n, 0x200fn, 0x2010n, 0x23ffn, 0x2400n, 0x9999n].map((ip) => t.find(ip)?.spOffset)).toEqual([8, 8, 16, 16, 24, 24]);
    }
  });
});

describe('unwindX86Stack on synthetic stacks', () => {
  // f1 (leaf, rsp+8) ← f2 (pushes rbp: rsp+16, rbp saved at CFA-16) ← entry code saving pt_regs
  // ← interrupted f3 (rsp+8) ← f4 whose caller is the end of the stack.
  const f1 = 0xffffffff81001000n;
  const f2 = 0xffffffff81002000n;
  const entry = 0xffffffff81003000n;
  const f3 = 0xffffffff81004000n;
  const f4 = 0xffffffff81005000n;
  const top = 0xffffffff81006000n;
  const orc = table([
    { ip: f1, spReg: ORC_REG_SP, spOffset: 8, type: 'call' },
    { ip: f2, spReg: ORC_REG_SP, spOffset: 16, bpReg: ORC_REG_PREV_SP, bpOffset: -16, type: 'call' },
    { ip: entry, spReg: ORC_REG_SP, spOffset: 0, type: 'regs' },
    { ip: f3, spReg: ORC_REG_SP, spOffset: 8, type: 'call' },
    { ip: f4, spReg: ORC_REG_SP, spOffset: 8, type: 'call' },
    { ip: top, spReg: ORC_REG_UNDEFINED, spOffset: 0, type: 'end-of-stack' },
  ]);
  const lookup = (ip: bigint) => orc.find(ip);
  const S = 0xffffc90000010000n;

  function stack(): FakeMemory {
    const m = new FakeMemory();
    m.set(S, f2 + 0x20n); // f1's return into f2
    m.set(S + 8n, 0xabcn); // f2's saved rbp
    m.set(S + 16n, entry + 0x40n); // f2's return into the entry code
    m.setRegs(S + 24n, regs({ rip: f3 + 0x11n, rsp: S + 0x200n, rbp: 0x1234n }));
    m.set(S + 0x200n, f4 + 0x30n); // f3's return into f4
    m.set(S + 0x208n, top + 0x5n); // f4's return into the end
    return m;
  }

  it('walks calls, a pt_regs frame and stops at the end of the stack', () => {
    const u = unwindX86Stack(regs({ rip: f1 + 4n, rsp: S }), { memory: stack(), orc: lookup });
    expect(u.frames.map((f) => `${f.kind} ${hex(f.sp)} ${hex(f.ip)}`)).toEqual([
      `start ${hex(S)} ${hex(f1 + 4n)}`,
      `call ${hex(S)} ${hex(f2 + 0x20n)}`,
      `call ${hex(S + 16n)} ${hex(entry + 0x40n)}`,
      `exception ${hex(S + 0x200n)} ${hex(f3 + 0x11n)}`,
      `call ${hex(S + 0x200n)} ${hex(f4 + 0x30n)}`,
      `call ${hex(S + 0x208n)} ${hex(top + 5n)}`,
    ]);
    expect(u.frames[3]!.saved).toMatchObject({ address: S + 24n, partial: false, userMode: false });
    expect(u.end.reason).toBe('end-of-stack');
  });

  it('ends at user-mode registers, keeping them', () => {
    const m = stack().setRegs(S + 24n, regs({ rip: 0x47fbe9n, rsp: 0x7ffc0000n, cs: 0x33n, ss: 0x2bn }));
    const u = unwindX86Stack(regs({ rip: f1 + 4n, rsp: S }), { memory: m, orc: lookup });
    expect(u.end.reason).toBe('user-mode');
    expect(u.frames.at(-1)!.saved?.userMode).toBe(true);
  });

  it('starts no walk from empty registers (an offline vCPU in a qemu dump)', () => {
    expect(unwindX86Stack(regs({}), { memory: stack(), orc: lookup })).toEqual({ frames: [], end: { reason: 'no-registers' } });
  });

  it('gives a CPU stopped in user mode its registers only', () => {
    const user = regs({ rip: 0x47fbe9n, rsp: 0x7ffc0000n, cs: 0x33n, ss: 0x2bn });
    const u = unwindX86Stack(user, { memory: stack(), orc: lookup });
    expect(u.frames).toEqual([{ kind: 'exception', sp: 0x7ffc0000n, ip: 0x47fbe9n, reliable: true, saved: { address: undefined, regs: user, partial: false, userMode: true } }]);
    expect(u.end.reason).toBe('user-mode');
  });

  it('names the unreadable slot', () => {
    const m = stack();
    m.words.delete(S + 16n);
    const u = unwindX86Stack(regs({ rip: f1 + 4n, rsp: S }), { memory: m, orc: lookup });
    expect(u.end).toEqual({ reason: 'unreadable', address: S + 16n });
    expect(u.frames).toHaveLength(2);
  });

  it('stops when pt_regs point back to where the walk has been', () => {
    const m = stack().setRegs(S + 24n, regs({ rip: f1 + 4n, rsp: S }));
    const u = unwindX86Stack(regs({ rip: f1 + 4n, rsp: S }), { memory: m, orc: lookup });
    expect(u.end.reason).toBe('loop');
    expect(u.frames.length).toBeLessThan(10);
  });

  it('stops when a call frame does not move up the stack', () => {
    const flat = table([{ ip: f1, spReg: ORC_REG_SP, spOffset: 0, type: 'call' }]);
    const m = new FakeMemory().set(S - 8n, f1 + 0x10n);
    const u = unwindX86Stack(regs({ rip: f1 + 4n, rsp: S }), { memory: m, orc: (ip) => flat.find(ip) });
    expect(u.end).toEqual({ reason: 'sp-not-increasing', address: S });
  });

  it('follows the old stack pointer saved at the top of an IRQ stack (SP_INDIRECT)', () => {
    const irq = table([
      { ip: f1, spReg: ORC_REG_SP, spOffset: 8, type: 'call' },
      { ip: f2, spReg: ORC_REG_SP_INDIRECT, spOffset: 8, type: 'call' },
      { ip: f3, spReg: ORC_REG_BP, spOffset: 16, bpReg: ORC_REG_PREV_SP, bpOffset: -16, type: 'call' },
      { ip: top, spReg: ORC_REG_UNDEFINED, spOffset: 0, type: 'end-of-stack' },
    ]);
    const irqTop = 0xffffc90000004ff8n;
    const task = 0xffffc90000020f00n;
    const m = new FakeMemory()
      .set(irqTop - 8n, f2 + 0x8n) // f1's return into the switching code
      .set(irqTop, task) // the task stack's sp, saved at the IRQ stack's top
      .set(task, f3 + 0x20n) // the switching code's return into f3
      .set(task + 8n, 0x5000n) // f3's saved rbp (it uses a frame pointer)
      .set(task + 16n, top + 1n);
    const u = unwindX86Stack(regs({ rip: f1 + 2n, rsp: irqTop - 8n, rbp: task + 8n }), { memory: m, orc: (ip) => irq.find(ip) });
    expect(u.frames.map((f) => hex(f.ip))).toEqual([f1 + 2n, f2 + 8n, f3 + 0x20n, top + 1n].map(hex));
    expect(u.end.reason).toBe('end-of-stack');
  });

  it('guesses frame-pointer frames through code without ORC, marking them unreliable', () => {
    const m = new FakeMemory().set(S + 0x40n, 0n).set(S + 0x48n, f4 + 3n);
    const u = unwindX86Stack(regs({ rip: 0xffffffffa0000010n, rsp: S, rbp: S + 0x40n }), { memory: m, orc: (ip) => (ip >= f1 && ip < top + 0x100n ? orc.find(ip) : undefined) });
    expect(u.frames[1]).toMatchObject({ kind: 'call', ip: f4 + 3n, reliable: false });
  });

  it('bounds the walk by the frame limit', () => {
    const up = table([{ ip: f1, spReg: ORC_REG_SP, spOffset: 8, type: 'call' }]);
    const m: StackMemory = { read: (address) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, f1 + (address & 0xffn) + 1n, true); return b; } };
    const u = unwindX86Stack(regs({ rip: f1, rsp: S }), { memory: m, orc: (ip) => up.find(ip), maxFrames: 100 });
    expect(u.frames).toHaveLength(100);
    expect(u.end.reason).toBe('frame-limit');
  });
});

const cache = join(homedir(), '.cache/crashnav');
const vmlinuxes = [join(cache, 'pkg/dbg/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64'), join(cache, 'pkg-6.12/dbg/usr/lib/debug/boot/vmlinux-6.12.118+deb12-cloud-amd64')];

describe.each(vmlinuxes)('the ORC table of %s', (path) => {
  it.skipIf(!existsSync(path))('gives a function its entry state at its first byte (SP+8, CALL) — skipped without scripts/fetch-debian.sh dbg', () => {
    const elf = ElfFile.open(path);
    try {
      const orc = readVmlinuxOrc(elf, { slide: 0n })!;
      expect(orc.version).toBe(elf.findSection('.orc_header') ? 3 : 1);
      const symbols = readSymbolTable(elf, new SectionLayout(elf));
      const text = elf.findSection('.text')!;
      let checked = 0;
      let entryState = 0;
      for (let i = 0; i < symbols.count && checked < 2000; i += 37) {
        const s = symbols.symbol(i)!;
        if (s.type !== elfConstants.STT_FUNC || s.size === 0 || s.sectionIndex !== text.index || s.name.includes(".cold")) continue;
        checked++;
        const e = orc.find(s.address);
        if (e && e.spReg === ORC_REG_SP && e.spOffset === 8 && e.type === 'call') entryState++;
      }
      // Entry code (hand-written assembly with unwind hints) is the exception.
      expect(checked).toBeGreaterThan(500);
      expect(entryState / checked).toBeGreaterThan(0.97);
    } finally {
      elf.close();
    }
  });
});

describe('unwindX86Stack on garbage', () => {
  // Seeded: random ORC entries and a random stack sprinkled with text addresses; every walk must end
  // with a reason, within the frame bound, without throwing.
  it('ends every walk within its bounds', () => {
    let seed = 0x5eed;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed;
    };
    const text = 0xffffffff81000000n;
    const types: OrcFrameType[] = ['undefined', 'end-of-stack', 'call', 'call', 'call', 'regs', 'regs-partial'];
    const specs: Spec[] = Array.from({ length: 64 }, (_, i) => ({
      ip: text + BigInt(i * 0x40),
      spReg: rand() % 11,
      spOffset: ((rand() % 64) - 16) * 8,
      bpReg: rand() % 6,
      bpOffset: ((rand() % 8) - 4) * 8,
      type: types[rand() % types.length]!,
    }));
    const orc = table(specs);
    const S = 0xffffc90000010000n;
    const started = performance.now();
    const reasons = new Map<string, number>();
    for (let run = 0; run < 300; run++) {
      const m = new FakeMemory();
      for (let w = -64; w < 512; w++) {
        const r = rand();
        m.set(S + BigInt(w * 8), r % 3 === 0 ? text + BigInt(rand() % 0x1000) : r % 3 === 1 ? S + BigInt((rand() % 0x1000) * 8) : BigInt(rand()));
      }
      const start = regs({ rip: text + BigInt(rand() % 0x1000), rsp: S + BigInt((rand() % 64) * 8), rbp: S + BigInt((rand() % 256) * 8), r10: S, r13: S, rdi: S, rdx: S });
      const u = unwindX86Stack(start, { memory: m, orc: (ip) => (ip >= text && ip < text + 0x1000n ? orc.find(ip) : undefined), maxFrames: 100 });
      expect(u.frames.length).toBeLessThanOrEqual(100);
      reasons.set(u.end.reason, (reasons.get(u.end.reason) ?? 0) + 1);
    }
    expect(performance.now() - started).toBeLessThan(5000);
    // The walks end in many ways, not one shortcut.
    expect(reasons.size).toBeGreaterThan(3);
  });
});
