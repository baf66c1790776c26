// What a new user trips on (issue 14, item 11), through the in-process CLI: --version, a report piped in
// with no file named, files and directories that cannot be read, the no-vmlinux hint for releases no
// distribution packages, a progress line for a large log, and the exit statuses in every --help.
import { constants } from 'node:buffer';
import { mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inputsOrStdin, parseCrashInput } from '../../clients/cli/command.js';
import { readVersion } from '../../clients/cli/main.js';
import { debugInfoHint, noVmlinuxNotice } from '../../clients/report/debug-info-notice.js';
import { describeReadError, readCrashInput } from '../../crash/read-crash-input.js';
import { captureIo, runCli } from '../support/capture-io.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

const oops = `[   12.345678] BUG: kernel NULL pointer dereference, address: 0000000000000000
[   12.345679] #PF: supervisor write access in kernel mode
[   12.345680] #PF: error_code(0x0002) - not-present page
[   12.345681] Oops: 0002 [#1] PREEMPT SMP NOPTI
[   12.345682] CPU: 0 PID: 1 Comm: insmod Tainted: G           OE      6.1.0-28-amd64 #1  Debian 6.1.119-1
[   12.345683] RIP: 0010:crash_nullwrite_init+0x15/0x1000 [crash_nullwrite]
[   12.345684] Call Trace:
[   12.345685]  <TASK>
[   12.345686]  do_one_initcall+0x41/0x200
[   12.345687]  do_init_module+0x4c/0x240
[   12.345688]  </TASK>
`;

/** A temp dir holding `files` (name → text; a name ending in / is a directory). */
function tempTree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-new-user-'));
  for (const [name, text] of Object.entries(files)) {
    if (name.endsWith('/')) mkdirSync(path.join(dir, name), { recursive: true });
    else writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('crashnav --version', () => {
  it.each([['--version'], ['-V']])('%s prints the package version', async (flag) => {
    const r = await runCli([flag]);
    expect(r).toEqual({ code: 0, out: `crashnav ${version}\n`, err: '' });
  });

  it('finds package.json from the build layout (dist/clients/cli/main.js), past a package.json of another name', async () => {
    const dir = tempTree({ 'package.json': '{"name":"crashnav","version":"9.8.7"}', 'dist/clients/cli/': '', 'dist/package.json': '{"name":"other","version":"1.0.0"}' });
    expect(await readVersion(pathToFileURL(path.join(dir, 'dist/clients/cli/main.js')).href)).toBe('9.8.7');
  });
});

describe('a report piped in with no file named', () => {
  it.each([
    { positionals: ['a.log'], stdinIsTty: true, want: ['a.log'] },
    { positionals: ['a.log', '-'], stdinIsTty: false, want: ['a.log', '-'] },
    { positionals: [], stdinIsTty: false, want: ['-'] },
  ])('inputsOrStdin($positionals, tty=$stdinIsTty) = $want', ({ positionals, stdinIsTty, want }) => {
    expect(inputsOrStdin(positionals, captureIo({ stdinIsTty }).io)).toEqual(want);
  });

  it('explain reads the pipe', async () => {
    const r = await runCli(['explain'], { stdin: oops });
    expect(r.code).toBe(0);
    expect(r.out).toContain('-:1: BUG: unable to handle kernel NULL pointer dereference in crash_nullwrite_init');
  });

  it.each(['explain', 'group'])('on a terminal, %s with no file is bad usage (exit 2) rather than a wait for typed input', async (name) => {
    const r = await runCli([name], { stdinIsTty: true });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^crashnav ${name}: name a file holding the crash text \\(or pipe it in, or give - to read standard input\\)\n\nusage: crashnav ${name}`));
  });

  it('group reads the pipe', async () => {
    const r = await runCli(['group'], { stdin: oops });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {4}1 {2}BUG: unable to handle kernel NULL pointer dereference in crash_nullwrite_init\n/);
  });
});

describe('an input that cannot be read is one line naming it, not an empty answer', () => {
  const dir = tempTree({ 'somedir/': '', 'f.txt': 'not a directory\n', 'ok.log': oops });
  it.each([
    { argv: ['explain', 'missing.log'], line: 'crashnav explain: missing.log: no such file' },
    { argv: ['explain', 'somedir'], line: 'crashnav explain: somedir: is a directory' },
    { argv: ['explain', 'f.txt/x.log'], line: 'crashnav explain: f.txt/x.log: a part of the path is not a directory' },
    { argv: ['group', 'ok.log', 'missing.log'], line: 'crashnav group: missing.log: no such file' },
    { argv: ['group', 'somedir'], line: 'crashnav group: somedir: is a directory' },
    { argv: ['index', '--root', 'nope', '--db', 'x.db'], line: 'crashnav index: nope: no such directory' },
    { argv: ['index', '--root', 'f.txt', '--db', 'x.db'], line: 'crashnav index: f.txt: not a directory' },
    { argv: ['index', 'f.txt', '--db', 'x.db'], line: 'crashnav index: f.txt: not a directory' },
    { argv: ['index', '--root', 'somedir', '--db', 'x.db', '--first', 'list.txt'], line: 'crashnav index: list.txt: no such file' },
  ])('$argv', async ({ argv, line }) => {
    const r = await runCli(argv, { cwd: dir });
    expect({ code: r.code, out: r.out, err: r.err }).toEqual({ code: 1, out: '', err: `${line}\n` });
  });

  it.each([
    ['ENOENT', 'x.log: no such file'],
    ['EISDIR', 'x.log: is a directory'],
    ['ENOTDIR', 'x.log: a part of the path is not a directory'],
    ['EACCES', 'x.log: permission denied'],
    ['EPERM', 'x.log: permission denied'],
    ['EFBIG', 'x.log: too large for a text log (a vmcore is read by crash(8), whose output crashnav reads)'],
    ['EXDEV', 'x.log: cannot be read (EXDEV)'],
    [undefined, 'x.log: cannot be read'],
  ])('describeReadError(%s)', (code, line) => {
    expect(describeReadError('x.log', code)).toBe(line);
  });

  it('refuses a file too large for one string (a vmcore given as a log) before reading it', async () => {
    const vmcore = path.join(dir, 'vmcore');
    writeFileSync(vmcore, '');
    truncateSync(vmcore, constants.MAX_STRING_LENGTH + 1); // sparse: no bytes written
    const r = await runCli(['explain', 'vmcore'], { cwd: dir });
    expect(r).toEqual({ code: 1, out: '', err: `crashnav explain: ${describeReadError('vmcore', 'EFBIG')}\n` });
  });

  it('reads a file with no size (a device, a /proc file) to its end, relative paths from cwd', async () => {
    expect(await readCrashInput('/dev/null', captureIo().io.stdin)).toBe('');
    expect(await readCrashInput('ok.log', captureIo().io.stdin, { cwd: dir })).toBe(oops);
  });

  it('index --first - reads the list from stdin', async () => {
    const tree = tempTree({ 'kernel/': '', 'kernel/a.c': 'int a(void) { return 1; }\n' });
    const r = await runCli(['index', '--root', tree, '--db', path.join(tree, 'x.db'), '--first', '-', '--jobs', '1'], { stdin: 'kernel/a.c\n' });
    expect(r.code).toBe(0);
    expect(r.err).toContain('the 1 --first files are indexed and queryable');
  });

  it('group exits 1 when no FILE holds a report, 0 when one does', async () => {
    expect((await runCli(['group', 'f.txt'], { cwd: dir })).code).toBe(1);
    expect((await runCli(['group', 'ok.log', 'f.txt'], { cwd: dir })).code).toBe(0);
  });
});

describe('the no-vmlinux hint', () => {
  const packaged: [string, RegExp][] = [
    ['6.1.0-28-amd64', /Debian: apt install linux-image-6\.1\.0-28-amd64-dbg, then --vmlinux \/usr\/lib\/debug\/boot\/vmlinux-6\.1\.0-28-amd64\)/],
    ['6.1.0-53-cloud-amd64', /Debian: apt install linux-image-6\.1\.0-53-cloud-amd64-dbg/],
    ['6.1.0-0.deb11.17-amd64', /Debian: apt install linux-image-6\.1\.0-0\.deb11\.17-amd64-dbg/],
    ['6.12.41+deb13-amd64', /Debian: apt install linux-image-6\.12\.41\+deb13-amd64-dbg/],
    ['6.12.38+deb12-arm64', /Debian: apt install linux-image-6\.12\.38\+deb12-arm64-dbg/],
    ['3.2.0-4-686-pae', /Debian: apt install linux-image-3\.2\.0-4-686-pae-dbg/],
    ['5.15.0-91-generic', /Ubuntu: add the ddebs\.ubuntu\.com repository, apt install linux-image-5\.15\.0-91-generic-dbgsym/],
    ['6.8.0-1015-aws', /Ubuntu: .*linux-image-6\.8\.0-1015-aws-dbgsym/],
    ['6.5.0-1025-azure', /Ubuntu: .*linux-image-6\.5\.0-1025-azure-dbgsym/],
    ['6.8.5-301.fc40.x86_64', /Fedora: dnf debuginfo-install kernel-6\.8\.5-301\.fc40\.x86_64, then --vmlinux \/usr\/lib\/debug\/lib\/modules\/6\.8\.5-301\.fc40\.x86_64\/vmlinux/],
    ['6.9.0-0.rc2.20240403git.1.fc41.x86_64', /Fedora: dnf debuginfo-install kernel-6\.9\.0-0\.rc2\.20240403git\.1\.fc41\.x86_64/],
    ['4.0.5-300.fc22.x86_64+debug', /Fedora: dnf debuginfo-install kernel-debug-4\.0\.5-300\.fc22\.x86_64,/],
    ['5.14.0-362.8.1.el9_3.x86_64', /RHEL and rebuilds: dnf debuginfo-install kernel-5\.14\.0-362\.8\.1\.el9_3\.x86_64 /],
    ['3.10.0-1160.el7.x86_64', /RHEL and rebuilds: debuginfo-install kernel-3\.10\.0-1160\.el7\.x86_64 /],
    ['5.15.0-200.131.27.el9uek.x86_64', /RHEL and rebuilds: dnf debuginfo-install kernel-uek-5\.15\.0-200\.131\.27\.el9uek\.x86_64 /],
    ['5.14.21-150500.55.39-default', /SUSE: zypper install kernel-default-debuginfo/],
  ];
  it.each(packaged)('%s gets its distribution\'s package', (release, hint) => {
    const text = debugInfoHint(release);
    expect(text).toMatch(hint);
    expect(text).toContain('debuginfod-find debuginfo <build-id>');
  });

  const local = [
    '6.11.0-next-20240927-dirty',
    '6.10.0-rc1-next-20240531',
    '6.1.0-rc6-next-20221123-10432-g736b6d81d93c',
    '5.19.0-rc3-00132-g647529cd3b65',
    '6.8.0-rc3',
    '6.12.0',
    '6.1.102',
    '3.4.0+',
    '6.1.0-28-amd64+',
    '6.1.0-28-amd64-dirty',
    '5.15.0-91-generic+',
    '6.8.0-060800-generic',
    '5.10.136-syzkaller-19376-g6f46a5fe0124',
    '3.2.0-0.0.0.28.36b5ec9-default',
    '6.6.1-arch1-1',
    '3.6.0-rc3-wl-main',
  ];
  it.each(local)('%s (built locally) gets the generic hint only', (release) => {
    const text = debugInfoHint(release);
    expect(text).not.toMatch(/\b(apt|dnf|zypper|debuginfo-install)\b/);
    expect(text).toBe(
      'To resolve them, fetch it by the kernel\'s build id with debuginfod-find debuginfo <build-id>, or, for a kernel you built, ' +
        'use the vmlinux of that build (configured with CONFIG_DEBUG_INFO); pass the file with --vmlinux.',
    );
  });

  it('the notice says why kernel frames show definitions, then how to get the vmlinux', () => {
    expect(noVmlinuxNotice(undefined)).toMatch(/^No vmlinux with debug info was given: .* To resolve them, fetch it by the kernel's build id/);
    expect(noVmlinuxNotice('6.1.0-28-amd64')).toContain('(Debian: apt install linux-image-6.1.0-28-amd64-dbg');
  });
});

describe('progress while a large input is read and parsed', () => {
  // Filler lines around the oops: 6 MB, above the 4 MB below which nothing is drawn.
  const filler = '[    1.000000] systemd[1]: Started session-1.scope - Session 1 of User root.\n'.repeat(40_000);
  const big = filler + oops + filler;
  const megabytes = (Buffer.byteLength(big) / 1e6).toFixed(1);
  const dir = tempTree({ 'big.log': big, 'small.log': oops });
  const erase = '\r\x1b[2K';

  it('draws reading and parsing steps on a terminal\'s stderr, then erases the line', async () => {
    const r = await runCli(['explain', 'big.log'], { cwd: dir, stderrIsTty: true });
    expect(r.code).toBe(0);
    const steps = r.err.split(erase).filter(Boolean).map((s) => s.replace(/^\S+ /, '').replace(/ [\d.]+s$/, ''));
    expect(steps[0]).toMatch(new RegExp(`^reading big\\.log: \\d+\\.\\d/${megabytes} MB$`));
    expect(steps).toContain(`reading big.log: ${megabytes}/${megabytes} MB`);
    expect(steps.at(-1)).toBe(`parsing big.log (${megabytes} MB)`);
    expect(r.err.endsWith(erase)).toBe(true);
    expect(r.err).not.toContain('\n');
  });

  it.each([
    { what: 'stderr is not a terminal', argv: ['explain', 'big.log'], stderrIsTty: false },
    { what: '--json', argv: ['explain', '--json', 'big.log'], stderrIsTty: true },
    { what: 'the input is small', argv: ['explain', 'small.log'], stderrIsTty: true },
  ])('draws nothing when $what', async ({ argv, stderrIsTty }) => {
    const r = await runCli(argv, { cwd: dir, stderrIsTty });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
  });

  it('counts a pipe\'s bytes without a total', async () => {
    const t = captureIo({ stdin: oops, stderrIsTty: true });
    const { parsed } = await parseCrashInput('-', t.io, { minProgressBytes: 1 });
    expect(parsed.reports).toHaveLength(1);
    expect(t.err()).toMatch(/reading standard input: 0\.0 MB/);
    expect(t.err()).toMatch(/parsing standard input \(0\.0 MB\)/);
  });
});

describe('--help documents the exit statuses', () => {
  it.each(['addr2line', 'decode-code', 'disasm', 'explain', 'faddr2line', 'group', 'index', 'query'])('%s', async (name) => {
    const r = await runCli([name, '--help'], { cwd: repoRoot });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\nexit status:\n {2}0 {2}done\n {2}1 {2}.*\n.*\n {2}2 {2}bad usage/);
  });
});

describe('a binary that cannot be read is named on one line', () => {
  it.each([
    ['addr2line', ['addr2line', '-e', 'DIR', '0x1'], 'is a directory'],
    ['disasm', ['disasm', '-e', 'MISSING', 'foo'], 'no such file'],
    ['faddr2line', ['faddr2line', 'MISSING', 'foo+0x1/0x2'], 'no such file'],
  ])('%s', async (name, argv, reason) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'binary-'));
    const args = argv.map((a) => (a === 'DIR' ? dir : a === 'MISSING' ? 'missing.ko' : a));
    const r = await runCli(args, { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^crashnav ${name}: .*(?:${path.basename(dir)}|missing\\.ko): ${reason}$`))]);
  });
});
