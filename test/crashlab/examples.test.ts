// The committed crash lab outputs hold together without booting anything: every example module has its
// .ko with DWARF and symbols, built from the committed source with stable debug paths, and every
// recorded console log names its module's function at an address that binutils maps to CRASH HERE.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addr2line,
  crashLines,
  examplesDir,
  hasTool,
  lineRows,
  moduleFrames,
  moduleNames,
  readManifest,
  repoRoot,
  sectionNames,
  symbols,
} from './support/lab-examples.js';

const manifest = readManifest();
const names = moduleNames();
const koPath = (name: string): string => path.join(examplesDir, 'modules', name, `${name}.ko`);
const readLog = (log: string): string => readFileSync(path.join(repoRoot, log), 'utf8');
const binutils = hasTool('readelf') && hasTool('addr2line');
if (!binutils) console.log('test/crashlab: readelf/addr2line not found (apt install binutils): DWARF checks skipped');

describe('example modules and manifest', () => {
  it('lists every module directory and every console log', () => {
    expect(manifest.modules.map((m) => m.name).sort()).toEqual(names);
    const logs = readdirSync(path.join(examplesDir, 'oopses')).filter((f) => f.endsWith('.log'));
    expect(manifest.runs.map((r) => path.basename(r.log)).sort()).toEqual(logs.sort());
    expect(names).toEqual(['hello', 'inline_helper', 'kill_kernel', 'null_pointer', 'timer_crash']);
  });

  it.each(manifest.modules)('$name.ko is the one the manifest describes, small, and names no build machine path', (m) => {
    const bytes = readFileSync(path.join(repoRoot, m.ko));
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(bytes.length).toBe(m.bytes);
    expect(bytes.length).toBeLessThan(1 << 20);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(m.sha256);
    const text = bytes.toString('latin1');
    for (const leak of ['crashlab-build', '/tmp/', path.join(homedir(), '.cache'), '/.cache/crashnav']) expect(text).not.toContain(leak);
    expect(text).toContain(`/crashnav/examples/modules/${m.name}`);
    // .modinfo: built for the kernel the logs come from, so it loads there without --force.
    expect(text).toContain(`\0name=${m.name}\0`);
    expect(text).toContain('\0vermagic=6.1.0-53-cloud-amd64 SMP preempt mod_unload modversions \0');
  });

  it.each(names)('%s.c marks its faulting line once (hello, which does not fault, none)', (name) => {
    const lines = crashLines(name);
    expect(lines).toHaveLength(name === 'hello' ? 0 : 1);
    expect(manifest.modules.find((m) => m.name === name)?.crashLine).toBe(lines[0] ?? null);
  });
});

describe.skipIf(!binutils)('DWARF and symbols of the committed .ko files', () => {
  it.each(names)('%s.ko carries DWARF sections, its functions, and a line table for its source', (name) => {
    const ko = koPath(name);
    expect(sectionNames(ko)).toEqual(
      expect.arrayContaining(['.debug_info', '.debug_abbrev', '.debug_line', '.debug_str', '.rela.debug_info', '.rela.debug_line', '.symtab']),
    );
    const functions = symbols(ko).filter((s) => s.type === 'FUNC').map((s) => s.name);
    expect(functions).toEqual(expect.arrayContaining([`${name}_init`, 'init_module']));
    const rows = lineRows(ko).filter((r) => r.file === `${name}.c`);
    expect(rows.length).toBeGreaterThan(2);
    for (const line of crashLines(name)) expect(rows.map((r) => r.line)).toContain(line);
  });
});

describe('recorded console logs', () => {
  it.each(manifest.runs)('$log: booted the lab kernel with $module, KASLR as recorded', (run) => {
    const log = readLog(run.log);
    expect(log).toContain('Linux version 6.1.0-53-cloud-amd64');
    expect(log).toContain(`[crashlab] insmod /modules/${run.module}.ko`);
    expect(log).toContain(`] Command line: ${run.cmdline}`);
    expect(run.cmdline).toContain(`crashmod=${run.module}`);
    expect(run.cmdline.split(' ').includes('nokaslr')).toBe(!run.kaslr);
    // panic() reports the KASLR offset last; hello does not panic.
    if (run.module !== 'hello') {
      if (run.kaslr) expect(log).toMatch(/Kernel Offset: 0x[0-9a-f]+ from 0xffffffff81000000/);
      else expect(log).toContain('Kernel Offset: disabled');
    }
    expect(run.qemuExitStatus).toBe(0);
    expect(run.cmdline.split(' ')).toContain(run.crashSession === null ? 'panic=-1' : 'panic=0');
    expect(log).not.toMatch(/[\r\x1b]/);
  });

  it('hello loads and unloads with no oops', () => {
    const log = readLog('examples/oopses/hello.log');
    expect(log).toMatch(/\] hello: loaded\n[^]*\[crashlab\] rmmod exit status 0\n/);
    expect(log).toContain('] hello: unloaded');
    expect(log).not.toMatch(/Oops:|Kernel panic|Call Trace:/);
  });

  it('kill_kernel panics from its init function', () => {
    const log = readLog('examples/oopses/kill_kernel.log');
    expect(log).toContain('Kernel panic - not syncing: kill_kernel: killing the kernel on purpose');
    expect(moduleFrames(log).map((f) => f.symbol)).toEqual(['kill_kernel_init']);
  });

  it('null_pointer writes through NULL held in RAX', () => {
    for (const file of ['null_pointer.log', 'null_pointer-kaslr.log']) {
      const log = readLog(`examples/oopses/${file}`);
      expect(log).toContain('BUG: kernel NULL pointer dereference, address: 0000000000000000');
      expect(log).toContain('#PF: supervisor write access in kernel mode');
      expect(log).toMatch(/RIP: 0010:null_pointer_init\+0x[0-9a-f]+\/0x[0-9a-f]+ \[null_pointer\]\n.*Code: Unable to access opcode bytes/);
      expect(log).toMatch(/\] RAX: 0000000000000000 /);
    }
  });

  it('timer_crash faults in softirq context, inside <IRQ>', () => {
    const log = readLog('examples/oopses/timer_crash.log');
    expect(log).toMatch(/RIP: 0010:timer_crash_fire\+0x[0-9a-f]+\/0x[0-9a-f]+ \[timer_crash\]\n.*Code: (?:[0-9a-f]{2} )+<[0-9a-f]{2}>/);
    expect(log).toMatch(/Call Trace:\n.*<IRQ>\n.*call_timer_fn\+/);
    expect(log).toMatch(/run_timer_softirq\+[^]*<\/IRQ>/);
  });

  it.each(manifest.runs.filter((r) => r.crashSession !== null))('$crashSession: the crash utility on the vmcore sees the oops of $log', (run) => {
    const session = readFileSync(path.join(repoRoot, run.crashSession!), 'utf8');
    const rip = moduleFrames(readLog(run.log)).find((f) => f.rip)!;
    expect(session).toMatch(/^crash> sys\n/);
    expect(session).toContain('RELEASE: 6.1.0-53-cloud-amd64');
    expect(session).toMatch(/PANIC: "Oops: 0002 \[#1\]/);
    // crash names module init text by its section marker, not the function: the offset is what must agree.
    const exception = /\[exception RIP: (\w+)\+(\d+)\]\n\s+RIP: ([0-9a-f]{16})[^]*?RAX: 0000000000000000/.exec(session);
    expect(exception?.[1]).toMatch(new RegExp(`^(${rip.symbol}|_MODULE_INIT_START_${run.module})$`));
    expect(BigInt(exception![2]!)).toBe(rip.offset);
    expect(session).toMatch(new RegExp(`^[0-9a-f]{16}\\s+${run.module}\\s+[0-9a-f]{16}\\s+\\d+`, 'm')); // `mod` lists it
    expect(session).not.toContain(homedir());
  });

  it.each(manifest.runs.filter((r) => r.module !== 'hello'))('$log names a function of $module.ko', (run) => {
    const frames = moduleFrames(readLog(run.log)).filter((f) => f.module === run.module);
    expect(frames.length).toBeGreaterThan(0);
    if (!binutils) return;
    const functions = new Set(symbols(path.join(repoRoot, `examples/modules/${run.module}/${run.module}.ko`)).filter((s) => s.type === 'FUNC').map((s) => s.name));
    for (const frame of frames) expect(functions).toContain(frame.symbol);
  });

  it.skipIf(!binutils).each(manifest.runs.filter((r) => r.module !== 'hello'))(
    '$log: the guilty module frame resolves to the CRASH HERE line (binutils addr2line)',
    (run) => {
      const ko = koPath(run.module);
      const frames = moduleFrames(readLog(run.log)).filter((f) => f.module === run.module);
      // The RIP line is the faulting instruction; a call-trace frame is a return address, so look up the call.
      const guilty = frames.find((f) => f.rip) ?? frames[0]!;
      const symbol = symbols(ko).find((s) => s.type === 'FUNC' && s.name === guilty.symbol)!;
      const address = symbol.value + guilty.offset - (guilty.rip ? 0n : 1n);
      const chain = addr2line(ko, symbol.section, address);
      expect(chain[0]).toMatchObject({ file: `/crashnav/examples/modules/${run.module}/${run.module}.c`, line: crashLines(run.module)[0] });
      expect(chain.at(-1)!.function).toBe(guilty.symbol.replace(/\.constprop\.\d+$/, ''));
      if (run.module === 'inline_helper') expect(chain.map((f) => f.function)).toEqual(['stats_add', 'stats_record', 'inline_helper_count']);
      else expect(chain).toHaveLength(1);
    },
  );
});

it('every example module directory has its Kbuild, source and .ko', () => {
  for (const name of names) {
    for (const file of ['Kbuild', `${name}.c`, `${name}.ko`]) expect(existsSync(path.join(examplesDir, 'modules', name, file)), `${name}/${file}`).toBe(true);
  }
  expect(existsSync(path.join(examplesDir, 'modules/Makefile'))).toBe(true);
});
