// Real data: every vmcore the crash lab made (scripts/crashlab/make-vmcores.sh: qemu ELF and kdump, and
// makedumpfile's -c/-l/-F/-d 31/-E conversions of one panicked guest, 6.1 and 6.12, with and without
// KASLR) against `makedumpfile --dump-dmesg`'s output on the same guest (dmesg.txt): byte for byte, through
// `crashnav vmcore dmesg`. Also the page tables against the kernel image's linear map.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCoreDump, openKernelMemory, readKernelLog, renderConsoleLog } from '../../vmcore/index.js';
import { captureIo } from '../support/capture-io.js';
import { main } from '../../clients/cli/main.js';

const cache = path.join(os.homedir(), '.cache/crashnav');
/** Finished guest directories: the lab writes manifest.json last. */
const guests = ['crashlab', 'crashlab-6.12']
  .map((lab) => path.join(cache, lab, 'vmcores'))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => readdirSync(dir).map((g) => path.join(dir, g)))
  .filter((g) => existsSync(path.join(g, 'manifest.json')) && existsSync(path.join(g, 'dmesg.txt')));
const variants = guests.flatMap((g) => {
  const manifest = JSON.parse(readFileSync(path.join(g, 'manifest.json'), 'utf8')) as { variants: Record<string, { file: string }> };
  return Object.values(manifest.variants)
    .map((v) => path.join(g, v.file))
    .filter((f) => existsSync(f))
    .map((f) => ({ name: path.relative(cache, f), file: f, oracle: path.join(g, 'dmesg.txt') }));
});

if (variants.length === 0) {
  console.warn('dmesg-lab: skipped, no finished vmcores under ~/.cache/crashnav/crashlab*/vmcores (scripts/crashlab/make-vmcores.sh makes them)');
}

async function dmesgBytes(file: string): Promise<{ code: number; out: Buffer; err: string }> {
  const t = captureIo();
  const chunks: Buffer[] = [];
  t.io.stdout.removeAllListeners('data');
  t.io.stdout.on('data', (d: Buffer) => chunks.push(d));
  const code = await main(['vmcore', 'dmesg', file], t.io);
  return { code, out: Buffer.concat(chunks), err: t.err() };
}

describe.skipIf(variants.length === 0)('crashnav vmcore dmesg on the lab vmcores equals makedumpfile --dump-dmesg', () => {
  it.each(variants)('$name', async ({ file, oracle }) => {
    const r = await dmesgBytes(file);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const want = readFileSync(oracle);
    // Compare as text first for a readable diff, then as bytes.
    expect(r.out.toString('latin1')).toBe(want.toString('latin1'));
    expect(r.out.equals(want)).toBe(true);
  });

  it.each(guests.map((g) => ({ name: path.relative(cache, g), file: path.join(g, 'elf.vmcore') })).filter((v) => existsSync(v.file)))(
    'the page tables map the kernel image as __pa_symbol does ($name)',
    ({ file }) => {
      const dump = openCoreDump(file);
      try {
        const mem = openKernelMemory(dump);
        // The same walks from the panicking CPU's CR3 in qemu's note, as a dump without VMCOREINFO is read.
        const fromCr3 = openKernelMemory({ ...dump, vmcoreinfo: undefined, readPage: (pfn) => dump.readPage(pfn) });
        const physBase = mem.info.number('phys_base') ?? 0n;
        for (const name of ['init_top_pgt', 'prb', '_stext', 'swapper_pg_dir']) {
          const address = mem.info.symbol(name);
          if (address === undefined) continue;
          expect(mem.translate(address), name).toBe(BigInt.asUintN(64, address - 0xffffffff80000000n + physBase));
          expect(fromCr3.translate(address), name).toBe(mem.translate(address));
        }
      } finally {
        dump.close();
      }
    },
  );
});

// The serial console printed the same records (those below console_loglevel 7) as the kernel renders them:
// the console form and the records' levels are checked against what the guest wrote to ttyS0.
const consoles = guests.map((g) => ({ name: path.relative(cache, g), file: path.join(g, 'elf.vmcore'), console: path.join(g, 'console.log') }))
  .filter((v) => existsSync(v.file) && existsSync(v.console));
describe.skipIf(consoles.length === 0)('the console rendering against the guest serial console', () => {
  it.each(consoles)('$name', ({ file, console }) => {
    const dump = openCoreDump(file);
    let log;
    try {
      log = readKernelLog(openKernelMemory(dump));
    } finally {
      dump.close();
    }
    const serial = readFileSync(console, 'utf8').split('\n').filter((l) => /^\[ *\d+\.\d{6}\] /.test(l));
    const rendered = renderConsoleLog(log.records).split('\n');
    expect(serial.length).toBeGreaterThan(log.records.length / 2);
    // Every console line is a rendered line, in the same order.
    let at = 0;
    const unmatched = serial.filter((line) => {
      const found = rendered.indexOf(line, at);
      if (found < 0) return true;
      at = found + 1;
      return false;
    });
    expect(unmatched).toEqual([]);
    // KERN_DEBUG records never reach a console at the default console_loglevel.
    const shown = new Set(serial);
    const debug = log.records.filter((r) => r.level === 7);
    expect(debug.length).toBeGreaterThan(0);
    expect(debug.filter((r) => shown.has(renderConsoleLog([r]).split('\n')[0]!))).toEqual([]);
  });
});

// The lab's logs are plain ASCII; makedumpfile's escaping of other bytes is checked on a copy of an ELF
// vmcore whose log text is overwritten with a UTF-8 byte, control bytes and DEL, read by both tools.
const makedumpfile = spawnSync('makedumpfile', ['-v']).status === 0;
const elfD31 = guests.map((g) => path.join(g, 'mkd-elf-d31.vmcore')).find((f) => existsSync(f));
describe.skipIf(!makedumpfile || elfD31 === undefined)('bytes makedumpfile escapes (skipped without makedumpfile or a lab mkd-elf-d31.vmcore)', () => {
  it('equals makedumpfile --dump-dmesg on a vmcore whose log holds non-ASCII and control bytes', async () => {
    const bytes = readFileSync(elfD31!);
    const marker = Buffer.from('Command line: ');
    let patched = 0;
    for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1)) {
      bytes.set([0xc3, 0xa9, 0x01, 0x7f, 0x1b, 0x09, 0x0d, 0x0b, 0x0c, 0x80, 0xff], at);
      patched++;
    }
    expect(patched).toBeGreaterThan(0);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-escapes-'));
    const file = path.join(dir, 'patched.vmcore');
    writeFileSync(file, bytes);
    const oracle = path.join(dir, 'dmesg.txt');
    expect(spawnSync('makedumpfile', ['--dump-dmesg', file, oracle]).status).toBe(0);
    const r = await dmesgBytes(file);
    expect(r.code).toBe(0);
    expect(r.out.toString('latin1')).toContain('\\xffffffc3\\xffffffa9\\x01\\x7f\\x1b\t\r\v\f\\xffffff80\\xffffffff');
    expect(r.out.toString('latin1')).toBe(readFileSync(oracle).toString('latin1'));
  });
});
