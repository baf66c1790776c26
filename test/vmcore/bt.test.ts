// Backtraces from vmcores: the rendering read back by crash/'s session parser, then the lab's vmcores
// (6.1 and 6.12 guests panicked by the null_pointer module) checked against the console oops's Call
// Trace, against `crash` 8.0.2's `bt -a` on the same dump (6.1), and across the dump formats.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCrashReport } from '../../crash/index.js';
import { DebugFile } from '../../debuginfo/index.js';
import { ptRegsFields, type X86Registers } from '../../vmcore/cpu-registers.js';
import { type CpuBacktrace, type KernelBacktraces, readBacktraces } from '../../vmcore/backtrace.js';
import { openX86_64KernelMemory } from '../../vmcore/kernel-memory-x86-64.js';
import { openCoreDump } from '../../vmcore/open-core-dump.js';
import { renderBacktraces } from '../../vmcore/render-bt.js';
import { VmcoreError, type KernelMemory } from '../../vmcore/index.js';
import { type ModuleOffsets, findModule, readModuleList } from '../../vmcore/module-list.js';

function regs(values: Partial<X86Registers>): X86Registers {
  return { ...(Object.fromEntries(ptRegsFields.map((f) => [f, 0n])) as X86Registers), cs: 0x10n, ss: 0x18n, ...values };
}

/**
 * What the parser should read back from a rendering: each printed frame's name, offset, address and
 * module. crash's `[exception RIP: func+off]` line has no place for a module: that frame comes back without.
 */
function expectedFrames(cpu: CpuBacktrace): string[] {
  return cpu.frames.map((f) => {
    const exceptionRip = f.kind === 'exception' && !f.saved?.userMode;
    const name = f.symbol?.name ?? (f.saved?.userMode ? undefined : f.ip.toString(16));
    return `${name}${exceptionRip && f.symbol ? `+${f.symbol.offset}` : ''} ${f.ip.toString(16)} ${(!exceptionRip && f.module) || ''}`;
  });
}

function parsedFrames(text: string): Map<number, string[]> {
  const { reports } = parseCrashReport(text, { source: 'bt.txt' });
  return new Map(
    reports.map((r) => [
      r.cpu ?? -1,
      r.stacks.flatMap((s) => s.frames).map((f) => `${f.symbol}${f.isFault && f.offset !== undefined ? `+${f.offset}` : ''} ${f.address?.toString(16)} ${f.module ?? ''}`),
    ]),
  );
}

describe('renderBacktraces', () => {
  const cpu: CpuBacktrace = {
    cpu: 1,
    task: { address: 0xffff88800550e000n, pid: 94, comm: 'insmod' },
    panicking: true,
    registers: regs({}),
    end: { reason: 'user-mode' },
    problems: [],
    frames: [
      { kind: 'start', sp: 0xffffc9000039bb38n, ip: 0xffffffff819bb5c3n, symbol: { name: 'delay_tsc', offset: 0x33n }, module: undefined, reliable: true },
      { kind: 'call', sp: 0xffffc9000039bc80n, ip: 0xffffffff81c00c02n, symbol: { name: 'asm_exc_page_fault', offset: 0x22n }, module: undefined, reliable: true },
      {
        kind: 'exception',
        sp: 0xffffc9000039bd38n,
        ip: 0xffffffffc021101fn,
        symbol: { name: 'null_pointer_init', offset: 31n },
        module: 'null_pointer',
        reliable: true,
        saved: { address: 0xffffc9000039bc88n, regs: regs({ rip: 0xffffffffc021101fn, rsp: 0xffffc9000039bd38n, rflags: 0x246n, orig_rax: 0xffffffffffffffffn }), partial: false, userMode: false },
      },
      { kind: 'call', sp: 0xffffc9000039bd38n, ip: 0xffffffffc0207011n, symbol: { name: 'helper', offset: 0x11n }, module: 'null_pointer', reliable: true },
      { kind: 'call', sp: 0xffffc9000039bf50n, ip: 0xffffffff81c00126n, symbol: { name: 'entry_SYSCALL_64_after_hwframe', offset: 0x6en }, module: undefined, reliable: true },
      {
        kind: 'exception',
        sp: 0x7ffe87216df8n,
        ip: 0x47fbe9n,
        symbol: undefined,
        module: undefined,
        reliable: true,
        saved: { address: 0xffffc9000039bf58n, regs: regs({ rip: 0x47fbe9n, rsp: 0x7ffe87216df8n, cs: 0x33n, ss: 0x2bn, orig_rax: 0x139n }), partial: false, userMode: true },
      },
    ],
  };
  const traces: KernelBacktraces = { cpus: [{ ...cpu, cpu: 0, panicking: false, task: { address: 0xffffffff82a1aa40n, pid: 0, comm: 'swapper/0' } }, cpu], panicCpu: 1, modules: [], problems: [] };

  it('prints crash bt lines: task header, numbered frames, exception RIP with a decimal offset, module suffix', () => {
    const text = renderBacktraces(traces);
    expect(text.split('\n').slice(0, 6)).toEqual([
      'PID: 94       TASK: ffff88800550e000  CPU: 1    COMMAND: "insmod"',
      ' #0 [ffffc9000039bb38] delay_tsc at ffffffff819bb5c3',
      ' #1 [ffffc9000039bc80] asm_exc_page_fault at ffffffff81c00c02',
      '    [exception RIP: null_pointer_init+31]',
      '    RIP: ffffffffc021101f  RSP: ffffc9000039bd38  RFLAGS: 00000246',
      '    RAX: 0000000000000000  RBX: 0000000000000000  RCX: 0000000000000000',
    ]);
    expect(text).toContain('    RBP: 0000000000000000   R8: 0000000000000000   R9: 0000000000000000\n');
    expect(text).toContain(' #2 [ffffc9000039bd38] helper at ffffffffc0207011 [null_pointer]\n');
    expect(text).toContain('    ORIG_RAX: 0000000000000139  CS: 0033  SS: 002b\n');
  });

  it('is read back by crash/ into the same frames, CPU by CPU (bt -a)', () => {
    const parsed = parsedFrames(renderBacktraces(traces, { all: true }));
    for (const c of traces.cpus) expect(parsed.get(c.cpu)).toEqual(expectedFrames(c));
  });
});

describe('readModuleList', () => {
  // A fake kernel: 8-byte words at addresses, VmcoreError for the rest, and two modules on the list.
  const words = new Map<bigint, bigint>();
  const memory = {
    read(address: bigint, length: number): Uint8Array {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i += 8) {
        const w = words.get(address + BigInt(i));
        if (w === undefined) throw new VmcoreError('fake.vmcore', 'not-mapped', 'not mapped', address + BigInt(i));
        new DataView(out.buffer).setBigUint64(i, w, true);
      }
      return out;
    },
    u64(address: bigint): bigint {
      return new DataView(this.read(address, 8).buffer).getBigUint64(0, true);
    },
    u32(address: bigint): number {
      return new DataView(this.read(address, 8).buffer).getUint32(0, true);
    },
  } as unknown as KernelMemory;
  const offsets: ModuleOffsets = { list: 8, name: 24, textBase: 80, textSize: 88, initTextBase: 96, initTextSize: 104, orc: undefined, kallsyms: undefined };
  const head = 0xffffffff82000000n;
  const modA = 0xffffffffc0001000n;
  const modB = 0xffffffffc0005000n;
  function module(at: bigint, name: string, next: bigint, text: bigint): void {
    const bytes = new Uint8Array(120);
    const v = new DataView(bytes.buffer);
    v.setBigUint64(8, next, true);
    bytes.set(Buffer.from(name), 24);
    v.setBigUint64(80, text, true);
    v.setBigUint64(88, 0x3000n, true);
    v.setBigUint64(96, text + 0x10000n, true);
    v.setBigUint64(104, 0x1000n, true);
    for (let i = 0; i < 120; i += 8) words.set(at + BigInt(i), v.getBigUint64(i, true));
  }

  it('walks the list to its head, and places addresses in text and init text', () => {
    words.clear();
    words.set(head, modA + 8n);
    module(modA, 'null_pointer', modB + 8n, 0xffffffffc0200000n);
    module(modB, 'qemu_fw_cfg', head, 0xffffffffc0300000n);
    const { modules, problems } = readModuleList({ memory, offsets, head, orcVersion: 1 });
    expect(problems).toEqual([]);
    expect(modules.map((m) => `${m.name} ${m.text.base.toString(16)}`)).toEqual(['null_pointer ffffffffc0200000', 'qemu_fw_cfg ffffffffc0300000']);
    expect(findModule(modules, 0xffffffffc0210010n)).toMatchObject({ module: { name: 'null_pointer' }, region: 'init' });
    expect(findModule(modules, 0xffffffffc0302fffn)).toMatchObject({ module: { name: 'qemu_fw_cfg' }, region: 'core' });
    expect(findModule(modules, 0xffffffffc0303000n)).toBeUndefined();
  });

  it('stops at a loop and at an unreadable link, keeping the modules read', () => {
    words.clear();
    words.set(head, modA + 8n);
    module(modA, 'a', modB + 8n, 0xffffffffc0200000n);
    module(modB, 'b', modA + 8n, 0xffffffffc0300000n);
    const looped = readModuleList({ memory, offsets, head, orcVersion: 1 });
    expect(looped.modules.map((m) => m.name)).toEqual(['a', 'b']);
    expect(looped.problems).toEqual([`the module list loops at 0x${(modA + 8n).toString(16)}`]);
    module(modB, 'b', 0xffffffffc0900008n, 0xffffffffc0300000n);
    const cut = readModuleList({ memory, offsets, head, orcVersion: 1 });
    expect(cut.modules.map((m) => m.name)).toEqual(['a', 'b']);
    // The next link points at an unmapped module: its name (offset 24) is the first read that fails.
    expect(cut.problems[0]).toMatch(/^the module list is cut short: fake\.vmcore: 0xffffffffc0900018: not mapped/);
  });
});

// ---- the lab's vmcores -------------------------------------------------------------------------------

const cache = join(homedir(), '.cache/crashnav');
const repo = join(import.meta.dirname, '../..');
const labs = [
  { kernel: '6.1', dir: join(cache, 'crashlab/vmcores'), vmlinux: join(cache, 'pkg/dbg/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64'), modules: join(repo, 'examples/modules') },
  { kernel: '6.12', dir: join(cache, 'crashlab-6.12/vmcores'), vmlinux: join(cache, 'pkg-6.12/dbg/usr/lib/debug/boot/vmlinux-6.12.118+deb12-cloud-amd64'), modules: join(repo, 'examples/kernel-6.12/modules') },
];

interface LabCase {
  kernel: string;
  name: string;
  dir: string;
  vmlinux: string;
  modules: string;
}

// scripts/crashlab/make-vmcores.sh stamps a finished run with `.done`; a run without it is still being written.
const runs: LabCase[] = labs.flatMap((lab) =>
  !existsSync(lab.dir) || !existsSync(lab.vmlinux)
    ? []
    : readdirSync(lab.dir)
        .filter((name) => ['.done', 'console.log', 'elf.vmcore'].every((f) => existsSync(join(lab.dir, name, f))))
        .map((name) => ({ kernel: lab.kernel, name, dir: join(lab.dir, name), vmlinux: lab.vmlinux, modules: lab.modules })),
);

const vmlinuxFiles = new Map<string, DebugFile>();
afterAll(() => {
  for (const f of vmlinuxFiles.values()) f.close();
});

async function backtracesOf(run: LabCase, file = 'elf.vmcore', moduleDirs = [run.modules]): Promise<KernelBacktraces> {
  let vmlinux = vmlinuxFiles.get(run.vmlinux);
  if (!vmlinux) vmlinuxFiles.set(run.vmlinux, (vmlinux = DebugFile.open(run.vmlinux)));
  const dump = openCoreDump(join(run.dir, file));
  try {
    return await readBacktraces({ memory: openX86_64KernelMemory(dump), vmlinux, moduleDirs });
  } finally {
    dump.close();
  }
}

const frameKey = (name: string | undefined, offset: bigint | number | undefined) => `${name}+0x${(offset ?? 0).toString(16)}`;

describe.skipIf(runs.length === 0)('the lab vmcores (skipped: no finished run of scripts/crashlab/make-vmcores.sh under ~/.cache/crashnav/crashlab*/vmcores)', () => {
  describe.each(runs)('$kernel $name', (run) => {
    it('the panicking CPU holds every reliable Call Trace frame of the oops, in order, and the faulting RIP', async () => {
      const bt = await backtracesOf(run);
      const panicking = bt.cpus.find((c) => c.panicking);
      expect(panicking, 'panic_cpu names a dumped CPU').toBeDefined();
      const { reports } = parseCrashReport(readFileSync(join(run.dir, 'console.log'), 'utf8'), { source: 'console.log' });
      // The oops's stacks in order (an IRQ stack, then the task's), each interrupted context a fault frame.
      const oops = reports.find((r) => r.stacks.some((s) => s.frames.length > 1))!;
      const frames = oops.stacks.flatMap((s) => s.frames);
      const wanted = frames.filter((f) => f.reliable && !f.isFault).map((f) => frameKey(f.symbol, f.offset));
      const ours = panicking!.frames.filter((f) => f.kind === 'call').map((f) => frameKey(f.symbol?.name, f.symbol?.offset));
      let at = 0;
      for (const key of ours) if (key === wanted[at]) at++;
      expect(wanted.slice(at), `Call Trace frames missing (ours: ${ours.join(' ')})`).toEqual([]);
      const faults = frames.filter((f) => f.isFault && f.symbol).map((f) => `${frameKey(f.symbol, f.offset)} ${f.module ?? ''}`);
      const exceptions = panicking!.frames.filter((f) => f.kind === 'exception' && !f.saved?.userMode).map((f) => `${frameKey(f.symbol?.name, f.symbol?.offset)} ${f.module ?? ''}`);
      expect(exceptions).toEqual(faults);
      expect(panicking!.task?.pid).toBe(oops.pid);
    });

    it("without .ko files, names module frames from the module's kallsyms in memory", async () => {
      const withKo = await backtracesOf(run);
      const without = await backtracesOf(run, 'elf.vmcore', []);
      const moduleFrames = (bt: KernelBacktraces) => bt.cpus.flatMap((c) => c.frames.filter((f) => f.module).map((f) => `${f.module} ${frameKey(f.symbol?.name, f.symbol?.offset)}`));
      expect(moduleFrames(withKo).length).toBeGreaterThan(0);
      expect(moduleFrames(without)).toEqual(moduleFrames(withKo));
    });

    it('with a corrupt .ko: a problem naming the module, its frames named from memory', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bad-ko-'));
      for (const m of (await backtracesOf(run, 'elf.vmcore', [])).modules) writeFileSync(join(dir, `${m.name}.ko`), 'not an ELF file');
      const bt = await backtracesOf(run, 'elf.vmcore', [dir]);
      const moduleFrames = bt.cpus.flatMap((c) => c.frames.filter((f) => f.module));
      expect(moduleFrames.length).toBeGreaterThan(0);
      for (const f of moduleFrames) {
        expect(bt.problems.join('\n')).toContain(`module ${f.module}: ${join(dir, `${f.module}.ko`)}`);
        expect(f.symbol?.name).toMatch(/^(?!_MODULE_)\w+$/);
      }
      expect(bt.problems.join('\n')).toMatch(/not an ELF file.*: its frames are named from memory/);
    });

    it('renders text that crash/ reads back into the same frames on every CPU', async () => {
      const bt = await backtracesOf(run);
      const parsed = parsedFrames(renderBacktraces(bt, { all: true }));
      for (const cpu of bt.cpus) if (cpu.task) expect(parsed.get(cpu.cpu)).toEqual(expectedFrames(cpu));
    });

    it.skipIf(!existsSync(join(run.dir, 'crash-bt-a.txt')))('agrees with crash bt -a on the frames crash prints (skipped without crash-bt-a.txt)', async () => {
      const bt = await backtracesOf(run);
      const { reports } = parseCrashReport(readFileSync(join(run.dir, 'crash-bt-a.txt'), 'utf8'), { source: 'crash-bt-a.txt' });
      let total = 0;
      let agree = 0;
      const stale: string[] = [];
      for (const r of reports) {
        const cpu = bt.cpus.find((c) => c.cpu === r.cpu);
        for (const f of r.stacks.flatMap((s) => s.frames)) {
          const spText = /^\s*#\d+ \[([0-9a-f]+)\]/.exec(f.raw)?.[1];
          if (spText === undefined || f.address === undefined || !cpu) continue;
          const sp = BigInt('0x' + spText);
          total++;
          if (cpu.frames.some((o) => o.sp === sp && o.ip === f.address && (o.symbol?.name === f.symbol || o.module === f.module))) {
            agree++;
            continue;
          }
          // A frame crash found by scanning the stack for text addresses: its slot lies inside a frame
          // the ORC walk crossed: between two frames' slots on one stack (16 KB, THREAD_SIZE-aligned), or
          // below the first slot after leaving the IRQ stack (the switching function's frame there).
          const stackOf = (v: bigint) => v >> 14n;
          const inside = cpu.frames.some((o, i) => {
            const prev = cpu.frames[i - 1];
            if (!prev || stackOf(o.sp) !== stackOf(sp) || sp >= o.sp) return false;
            return stackOf(prev.sp) === stackOf(sp) ? prev.sp < sp : o.leftIrqStack === true;
          });
          expect(inside, `crash's ${f.raw.trim()} is neither on the ORC chain nor inside one of its frames`).toBe(true);
          stale.push(`${f.symbol}@${spText}`);
        }
      }
      console.log(`${run.kernel} ${run.name}: crash bt -a frames on our chain (name, sp, ip): ${agree}/${total}; the rest are stale stack words inside our frames: ${stale.join(' ')}`);
      expect(agree).toBeGreaterThan(0);
    });

    const other = labs.find((l) => l.kernel !== run.kernel && existsSync(l.vmlinux));
    it.skipIf(!other)("with another kernel's vmlinux: a problem naming it, and a bounded walk (skipped without the other release's vmlinux)", async () => {
      const bt = await backtracesOf({ ...run, vmlinux: other!.vmlinux });
      expect(bt.problems.join('\n')).toMatch(/is not the dumped kernel's vmlinux/);
      for (const cpu of bt.cpus) expect(cpu.frames.length).toBeLessThanOrEqual(100);
    });

    it('gives the same backtraces from every dump format of the run', async () => {
      const reference = await backtracesOf(run);
      const others = readdirSync(run.dir).filter((f) => f.endsWith('.vmcore') && f !== 'elf.vmcore');
      for (const file of others) {
        const bt = await backtracesOf(run, file);
        expect(bt.cpus.map(expectedFrames), file).toEqual(reference.cpus.map(expectedFrames));
        // makedumpfile 1.7.2 -d 31 drops the page of 6.12's insmod task_struct: then the task is unknown, never wrong.
        for (const [i, cpu] of bt.cpus.entries()) if (cpu.task) expect(cpu.task, file).toEqual(reference.cpus[i]!.task);
      }
    }, 120_000);
  });
});
