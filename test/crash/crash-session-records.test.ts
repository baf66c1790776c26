// `dis -l`, `ps`, `sym` and `mod` output of the crash utility (its own help examples and the lab's session on a real
// Debian 6.1 vmcore, read in place from ../shared) parsed into the model next to the backtraces.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCrashReport } from '../../crash/index.js';

const shared = path.resolve(import.meta.dirname, '../../../shared');
const utility = path.join(shared, 'crashes/crash-utility');
const lab = path.join(shared, 'crashes/lab/runs/c_bugon_vmcore/crash');
const haveShared = existsSync(utility) && existsSync(lab);
if (!haveShared) console.log(`crash session records: skipping, ${utility} or ${lab} is absent`);

const read = (file: string): string => readFileSync(file, 'utf8');
const only = (text: string, source: string) => {
  const { reports } = parseCrashReport(text, { source });
  expect(reports, source).toHaveLength(1);
  return reports[0];
};

describe.skipIf(!haveShared)('crash session records', () => {
  it('dis -l: every instruction, its decimal offset, and the source line printed above it', () => {
    const text = read(path.join(utility, 'help-dis_l_sys_signal-L7536.txt'));
    const [listing] = only(text, 'dis -l').disassembly!;
    const printed = text.split('\n').filter((l) => /^0x[0-9a-f]+ </.test(l));
    expect(listing.function).toBe('sys_signal');
    expect(listing.instructions).toHaveLength(printed.length);
    const start = listing.instructions[0].address;
    for (const insn of listing.instructions) expect(insn.address - start, insn.text).toBe(BigInt(insn.offset));
    const call = listing.instructions.find((i) => i.text.startsWith('call'))!;
    expect([call.offset, call.source]).toEqual([30, { file: '/usr/src/linux-2.2.5/kernel/signal.c', line: 1081 }]);
    expect(listing.instructions.every((i) => i.source)).toBe(true);
  });

  it('ps and ps -l: the whole task list, the active tasks marked', () => {
    const ps = read(path.join(utility, 'help-ps-L1479.txt'));
    const tasks = only(ps, 'ps').tasks!;
    const rows = ps.split('\n').filter((l) => /^>?\s+\d+\s+\d+\s+\d+\s+[0-9a-f]{8}/.test(l));
    expect(tasks).toHaveLength(rows.length);
    expect(tasks.filter((t) => t.active)).toHaveLength(rows.filter((l) => l.startsWith('>')).length);
    expect(tasks.find((t) => t.comm === 'init')).toMatchObject({ pid: 1, ppid: 0, cpu: 1, task: 0xc0098000n, state: 'IN', vszKb: 1096, rssKb: 476 });
    const long = only(read(path.join(utility, 'help-ps_l-L1641.txt')), 'ps -l').tasks!;
    expect(long.find((t) => t.comm === 'bash')).toMatchObject({ pid: 2331, state: 'RU', cpu: 7, lastRun: 19838402345n });
    // The vmcore: a task with no parent (-1) was the one running insmod when the kernel died.
    const vmcore = only(read(path.join(lab, '11_ps.txt')), '11_ps');
    expect(vmcore.tasks!.filter((t) => t.active).map((t) => [t.pid, t.ppid, t.comm])).toEqual([[0, 0, '[swapper/0]'], [96, -1, 'insmod']]);
    expect(vmcore.header.activePid).toBe('96');
  });

  it('sym: a looked-up address becomes a frame at that address; listings and data symbols stay records', () => {
    const rip = only(read(path.join(lab, '13_sym_rip.txt')), 'sym');
    expect(rip.stacks[0].frames.map((f) => [f.symbol, f.offset, f.module, f.address, f.isFault])).toEqual([['crash_bugon_process', 13, 'crash_bugon', 0xffffffffc0207012n, true]]);
    const listing = only(read(path.join(utility, 'help-sym_m_uart401-L7847.txt')), 'sym -m');
    expect(listing.stacks).toHaveLength(0);
    expect(listing.symbols!.find((s) => s.symbol === 'uart401intr' && s.type === 'T')?.address).toBe(0xc8032138n);
    const data = only(read(path.join(utility, 'help-sym_jiffies-L7787.txt')), 'sym jiffies');
    expect([data.stacks.length, data.symbols]).toEqual([0, [{ address: 0xc0213ae0n, type: 'D', symbol: 'jiffies', offset: 0 }]]);
  });

  it('mod and mod -s: where each module was loaded; frames inside one belong to it, named or not', () => {
    const mod = read(path.join(lab, '04_mod.txt'));
    const session = `crash> bt\n${read(path.join(lab, '06_bt.txt'))}\ncrash> mod\n${mod}\ncrash> mod -s crash_bugon\n${read(path.join(lab, '05_mod-s.txt'))}`;
    const report = only(session, 'session');
    expect(report.moduleLoads).toEqual([
      { name: 'qemu_fw_cfg', base: 0xffffffffc0201000n, size: 20480, object: '/usr/lib/debug/lib/modules/6.1.0-53-cloud-amd64/kernel/drivers/firmware/qemu_fw_cfg.ko' },
      { name: 'crash_bugon', base: 0xffffffffc0207000n, size: 16384, object: '/crashlab/modules/crash_bugon/crash_bugon.ko' },
    ]);
    const fault = report.stacks.flatMap((s) => s.frames).find((f) => f.isFault)!;
    expect([fault.symbol, fault.module]).toEqual(['crash_bugon_process', 'crash_bugon']);
    expect(report.stacks.flatMap((s) => s.frames).filter((f) => f.module !== undefined)).toHaveLength(1);
  });

  it('one session with bt, dis -l, ps and sym: the records join the backtrace, the faulting instruction marked', () => {
    const session = [['bt', '06_bt.txt'], ['dis -l crash_bugon_process', '12_dis-l_crash_bugon_process.txt'], ['ps', '11_ps.txt'], ['sym ffffffffc0207012', '13_sym_rip.txt']]
      .map(([cmd, file]) => `crash> ${cmd}\n${read(path.join(lab, file))}`)
      .join('\n');
    const report = only(session, 'session');
    const fault = report.stacks.find((s) => s.context === 'exception')!.frames.find((f) => f.isFault)!;
    const marked = report.disassembly!.flatMap((d) => d.instructions).filter((i) => i.isFault);
    expect(marked.map((i) => [i.address, i.symbol, i.offset, i.text])).toEqual([[fault.address, fault.symbol, fault.offset, 'ud2']]);
    expect(report.tasks).toHaveLength(3);
    expect(report.symbols).toHaveLength(1);
  });
});
