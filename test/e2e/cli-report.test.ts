// `crashnav report` and `crashnav demo` through the dispatcher, in process: standard input, formats,
// link templates, output files, bad usage.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main.js';
import { captureIo } from '../support/capture-io.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

const modules = ['--root', 'examples/modules', '--modules', 'examples/modules'];
const lab = path.resolve(repoRoot, '../shared/crashes/lab');
const vmlinux = path.join(os.homedir(), '.cache/crashnav/pkg/dbg/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64');
if (!existsSync(vmlinux)) console.log(`skipping the --debug-root test: ${vmlinux} is absent (scripts/fetch-debian.sh dbg)`);
if (!existsSync(lab)) console.log(`skipping the --subst-path test: ${lab} is absent`);

describe('crashnav report', () => {
  it('reads standard input and prints 80-column text by default', async () => {
    const t = captureIo({ stdin: readFileSync(path.join(repoRoot, 'examples/oopses/inline_helper.log'), 'utf8'), cwd: repoRoot });
    expect(await main(['report', ...modules, '-'], t.io)).toBe(0);
    expect(t.out()).toMatch(/^ {2}> 22 \| +\*counter \+= n; \/\* CRASH HERE \*\/$/m);
    expect(t.out()).toContain('Report: <stdin>');
    expect(t.out().split('\n').filter((l) => [...l].length > 80)).toEqual([]);
  });

  it('writes Markdown with links from a --link template to -o FILE', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-report-'));
    const out = path.join(dir, 'r.md');
    const t = captureIo({ cwd: repoRoot });
    const link = 'https://example.org/linux/v{version}/source/{path}#L{line}';
    expect(await main(['report', ...modules, '--link', link, '-o', out, 'examples/oopses/inline_helper.log'], t.io)).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('(https://example.org/linux/v6.1.187/source/inline_helper/inline_helper.c#L22)');
    expect(md).toMatch(/^>22 \| \t\*counter \+= n;/m);
    expect(t.out()).toBe('');
  });

  it.skipIf(!existsSync(lab))('maps DWARF paths with --subst-path FROM=TO', async () => {
    const t = captureIo({ cwd: repoRoot });
    const args = ['report', '--modules', path.join(lab, 'modules'), '--subst-path', `/crashlab/modules=${path.join(lab, 'modules')}`];
    expect(await main([...args, path.join(lab, 'runs/a_nullwrite/console.clean.log')], t.io)).toBe(0);
    expect(t.out()).toMatch(/^ {2}> 12 \| +\*p = 1;$/m);
    expect(await main(['report', '--subst-path', 'nonsense', '-'], captureIo({ cwd: repoRoot }).io)).toBe(2);
  });

  it.skipIf(!existsSync(vmlinux))('finds the vmlinux of the release the report names under --debug-root', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'crashnav-debug-root-'));
    mkdirSync(path.join(root, 'boot'));
    symlinkSync(vmlinux, path.join(root, 'boot', 'vmlinux-6.1.0-53-cloud-amd64'));
    const t = captureIo({ cwd: repoRoot });
    expect(await main(['report', ...modules, '--debug-root', root, 'examples/oopses/inline_helper.log'], t.io)).toBe(0);
    // A path wider than the 80 columns is cut mid-word by the text wrap: compare without whitespace.
    expect(t.out().replace(/\s+/g, '')).toContain(`Kernelframesresolvedwith${root}/boot/vmlinux-6.1.0-53-cloud-amd64,foundforrelease`);
    expect(t.out().replace(/\n +/g, ' ')).toMatch(/ do_one_initcall at \S*init\/main\.c:1270/);
    expect(t.out()).not.toContain('No vmlinux with debug info was given');
  });

  it('chooses HTML from the output file name', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-report-'));
    const out = path.join(dir, 'r.html');
    expect(await main(['report', ...modules, '-o', out, 'examples/oopses/kill_kernel.log'], captureIo({ cwd: repoRoot }).io)).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('rejects an unknown format and a missing report with usage (exit 2)', async () => {
    const t = captureIo({ cwd: repoRoot });
    expect(await main(['report', '--format', 'pdf', 'examples/oopses/null_pointer.log'], t.io)).toBe(2);
    expect(t.err()).toContain("unknown format 'pdf'");
    expect(await main(['report'], captureIo({ cwd: repoRoot, stdinIsTty: true }).io)).toBe(2);
  });

  it('picks one of several reports with --nth N and says how many there are', async () => {
    const t = captureIo({ cwd: repoRoot });
    const session = 'examples/oopses/null_pointer-vmcore.crash.txt';
    expect(await main(['report', ...modules, '--nth', '2', session], t.io)).toBe(0);
    expect(t.out().replace(/\n +/g, ' ')).toMatch(/holds (\d+) crash reports; this is number 2 \(choose with --nth N\)/);
    const u = captureIo({ cwd: repoRoot });
    expect(await main(['report', '--nth', '99', session], u.io)).toBe(2);
    expect(u.err()).toMatch(/--nth 99: .* holds \d+ crash report/);
  });

  it('names an unreadable input (exit 1)', async () => {
    const t = captureIo({ cwd: repoRoot });
    expect(await main(['report', 'no/such/oops.log'], t.io)).toBe(1);
    expect(t.err()).toContain('crashnav report: no/such/oops.log: no such file');
  });

  it('says so when the input holds no crash (exit 1)', async () => {
    const t = captureIo({ stdin: 'just a boot log\nnothing crashed\n', cwd: repoRoot });
    expect(await main(['report', '-'], t.io)).toBe(1);
    expect(t.err()).toContain('no crash report found in <stdin>');
  });
});

describe('crashnav demo', () => {
  it('prints the text report with the *p = 1; line and writes the HTML report where it says', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-demo-test-'));
    const t = captureIo({ cwd: repoRoot });
    expect(await main(['demo', '-o', path.join(dir, 'demo.html')], t.io)).toBe(0);
    // In the guilty frame's summary (2 spaces) or in its stack (4), depending on crash/'s guilty frame.
    expect(t.out()).toMatch(/^ {2,4}> 16 \| +\*p = 1; \/\* CRASH HERE \*\/$/m);
    expect(t.out()).toMatch(/^faulting instruction \(null_pointer_init\): movb +\$0x1,\(%rax\)\n {2}with RAX: 0000000000000000 \(from the report\)\n {2}from null_pointer\/null_pointer\.c:16: \*p = 1;/m);
    const html = /^HTML report: (.+)$/m.exec(t.out())?.[1];
    expect(html).toBe(path.join(dir, 'demo.html'));
    expect(existsSync(html!)).toBe(true);
  });
});

describe('crashnav resolve without a vmlinux', () => {
  it('still resolves module frames through their .ko, and says kernel frames have no debug info', async () => {
    const t = captureIo({ cwd: repoRoot });
    expect(await main(['resolve', '--modules', 'examples/modules', '--json', 'examples/oopses/null_pointer.log'], t.io)).toBe(0);
    const record = JSON.parse(t.out()) as { reports: { stacks: { frames: { symbol: string; provenance: string | null; locations: { file: string; line: number }[] }[] }[] }[] };
    const frames = record.reports[0]!.stacks.flatMap((s) => s.frames);
    const init = frames.find((f) => f.symbol === 'null_pointer_init')!;
    expect(init.provenance).toBe('dwarf');
    expect(init.locations[0]).toMatchObject({ file: '/crashnav/examples/modules/null_pointer/null_pointer.c', line: 16 });
    expect(frames.find((f) => f.symbol === 'do_one_initcall')?.provenance).not.toBe('dwarf');
  });
});
