// Build-ids from everywhere a report has them (the CPU line's trailing build-id, `--build-id`, module frames'
// `[mod BUILDID]`, the running kernel's notes) and the order debug info is looked for with them: the given
// vmlinux, the debug roots' `.build-id/`, the release's place, then debuginfod (a node:http server of the
// test's own, serving gcc-built stand-ins); each answer says where its vmlinux came from.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResolutionSession, parseCrashReport, resolvedReportToJson } from '../../crash/index.js';
import { DebuginfodClient, ElfFile, buildIdFromNotes, buildIdPath, readBuildId, runningKernelBuildId } from '../../debuginfo/index.js';
import { runCli } from '../support/capture-io.js';
import { canBuild } from './support/fixtures.js';
import { type FileServer, serveFiles } from './support/file-server.js';
import { buildStandInModule, buildStandInVmlinux } from './support/kernel-stand-in.js';

const release = '6.1.0-99-standin-amd64';
const fakeId = 'ab'.repeat(20);

/** An oops as a CONFIG_STACKTRACE_BUILD_ID kernel prints it (lib/dump_stack.c: `%.*s` of the version's first word, then ` %20phN`). */
function oops(buildId: string | undefined, moduleFrame?: string): string {
  return [
    'BUG: kernel NULL pointer dereference, address: 0000000000000000',
    'Oops: 0002 [#1] PREEMPT SMP NOPTI',
    `CPU: 0 UID: 0 PID: 1 Comm: swapper/0 Not tainted ${release} #1${buildId ? ' ' + buildId : ''}`,
    'RIP: 0010:do_thing+0x4/0x10',
    'Call Trace:',
    ' <TASK>',
    ...(moduleFrame ? [` ${moduleFrame}`] : []),
    ' start_kernel+0x9/0x10',
    ' </TASK>',
    '',
  ].join('\n');
}

const parse = (text: string) => parseCrashReport(text, { source: 'oops.log' }).reports[0]!;

describe('the CPU line build-id', () => {
  const cases: [string, string, { buildId?: string; version: string; release: string }][] = [
    ['6.12 with UID and a build-id', `CPU: 0 UID: 0 PID: 1 Comm: swapper/0 Not tainted 6.12.0 #1 ${fakeId}`, { buildId: fakeId, version: '#1', release: '6.12.0' }],
    ['6.1 without UID, tainted, with a build-id', `CPU: 3 PID: 77 Comm: insmod Tainted: G           OE      6.1.0-53-cloud-amd64 #1 ${fakeId}`, { buildId: fakeId, version: '#1', release: '6.1.0-53-cloud-amd64' }],
    ['a kernel without CONFIG_STACKTRACE_BUILD_ID', 'CPU: 0 PID: 1 Comm: init Not tainted 6.1.0-53-cloud-amd64 #1 Debian 6.1.187-1', { version: '#1 Debian 6.1.187-1', release: '6.1.0-53-cloud-amd64' }],
    ['39 hex digits are not a build-id', `CPU: 0 PID: 1 Comm: init Not tainted 6.1.0 #1 ${fakeId.slice(1)}`, { version: `#1 ${fakeId.slice(1)}`, release: '6.1.0' }],
  ];
  for (const [name, line, want] of cases) {
    it(name, () => {
      const r = parse(`BUG: kernel NULL pointer dereference, address: 0000000000000000\n${line}\nCall Trace:\n do_thing+0x4/0x10\n`);
      expect({ buildId: r.buildId, version: r.header['VERSION'], release: r.release }).toEqual(want);
    });
  }
});

describe('the running kernel notes', () => {
  const note = (type: number, name: string, desc: Buffer): Buffer => {
    const n = Buffer.alloc((name.length + 1 + 3) & ~3);
    n.write(name);
    const d = Buffer.alloc((desc.length + 3) & ~3);
    desc.copy(d);
    const head = Buffer.alloc(12);
    head.writeUInt32LE(name.length + 1, 0);
    head.writeUInt32LE(desc.length, 4);
    head.writeUInt32LE(type, 8);
    return Buffer.concat([head, n, d]);
  };
  const notes = Buffer.concat([note(6, 'Linux', Buffer.from('x')), note(3, 'GNU', Buffer.from(fakeId, 'hex'))]);

  it('reads the GNU build-id note among others', () => {
    expect(os.endianness()).toBe('LE');
    expect(buildIdFromNotes(notes)).toBe(fakeId);
    expect(buildIdFromNotes(notes.subarray(0, notes.length - 4))).toBeUndefined();
    expect(buildIdFromNotes(Buffer.alloc(0))).toBeUndefined();
  });

  it('is used only for a report of the running release', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'notes-')), 'notes');
    writeFileSync(file, notes);
    expect(runningKernelBuildId('6.1.0', { notes: file, runningRelease: '6.1.0' })).toBe(fakeId);
    expect(runningKernelBuildId('6.1.0', { notes: file, runningRelease: '6.12.0' })).toBeUndefined();
    expect(runningKernelBuildId(os.release() + '-not', { notes: file })).toBeUndefined();
  });
});

const haveGcc = canBuild(['-mcmodel=kernel', '-fno-pie', '-no-pie', '-nostdlib', '-static']);

describe.skipIf(!haveGcc)('finding debug info by build-id', () => {
  let dir: string;
  let vmlinux: string;
  let vmlinuxId: string;
  let module: string;
  let moduleId: string;
  let server: FileServer;
  let url: string;
  let requests: string[] = [];

  const idOf = (file: string): string => {
    const elf = ElfFile.open(file);
    try {
      return readBuildId(elf)!;
    } finally {
      elf.close();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'by-build-id-'));
    vmlinux = buildStandInVmlinux(path.join(dir, 'build', 'vmlinux'), release);
    vmlinuxId = idOf(vmlinux);
    // A module links with `ld -r --build-id`, as kbuild's modpost step does.
    const object = buildStandInModule(path.join(dir, 'build', 'standin.o'), release);
    module = path.join(dir, 'build', 'standin.ko');
    execFileSync('ld', ['-r', '--build-id=sha1', '-o', module, object]);
    moduleId = idOf(module);
    server = await serveFiles(new Map([[`/buildid/${vmlinuxId}/debuginfo`, readFileSync(vmlinux)], [`/buildid/${moduleId}/debuginfo`, readFileSync(module)]]));
    ({ url, requests } = server);
  });

  afterAll(() => server?.close());

  const emptyRoot = (): string => mkdtempSync(path.join(os.tmpdir(), 'empty-debug-root-'));
  const debuginfod = (): { client: DebuginfodClient; lines: string[]; cache: string } => {
    const lines: string[] = [];
    const cache = mkdtempSync(path.join(os.tmpdir(), 'dfc-'));
    return { client: new DebuginfodClient({ urls: [url], cacheDir: cache, report: (l) => lines.push(l), progress: false }), lines, cache };
  };

  async function resolve(text: string, options: ConstructorParameters<typeof ResolutionSession>[0]) {
    const session = new ResolutionSession(options);
    try {
      return await session.resolve(parse(text));
    } finally {
      await session.close();
    }
  }

  const kernelLines = (r: Awaited<ReturnType<typeof resolve>>): (string | null)[] =>
    r.stacks[0]!.filter((f) => !f.frame.module).map((f) => (f.provenance === 'dwarf' ? `${f.frame.symbol} ${path.basename(f.locations.at(-1)!.file)}` : null));

  it("finds the CPU line's build-id under a debug root's .build-id/ before asking debuginfod", async () => {
    const root = emptyRoot();
    mkdirSync(path.dirname(buildIdPath(root, vmlinuxId)), { recursive: true });
    copyFileSync(vmlinux, buildIdPath(root, vmlinuxId));
    const { client } = debuginfod();
    const before = requests.length;
    const r = await resolve(oops(vmlinuxId), { debugRoots: [root], debuginfod: client });
    expect(r.vmlinuxFrom).toBe('build-id');
    expect(r.vmlinux).toBe(buildIdPath(root, vmlinuxId));
    expect(kernelLines(r)).toEqual([expect.stringMatching(/^do_thing stand-in-vmlinux\.c$/), expect.stringMatching(/^start_kernel /)]);
    // Only its sources are asked for (nothing local has them), never its debug file.
    expect(requests.slice(before).filter((u) => !u.startsWith(`/buildid/${vmlinuxId}/source/`))).toEqual([]);
    expect(resolvedReportToJson(r)).toMatchObject({ vmlinux: r.vmlinux, vmlinuxFrom: 'build-id' });
  });

  it('fetches it from debuginfod when nothing local has it, and says so', async () => {
    const { client, cache } = debuginfod();
    const r = await resolve(oops(vmlinuxId), { debugRoots: [emptyRoot()], debuginfod: client });
    expect(r.vmlinuxFrom).toBe('debuginfod');
    expect(r.vmlinux).toBe(path.join(cache, vmlinuxId, 'debuginfo'));
    expect(kernelLines(r).every((l) => l !== null)).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it('--build-id stands for a report that prints none; the release and the given vmlinux say where they came from', async () => {
    const { client } = debuginfod();
    expect((await resolve(oops(undefined), { debugRoots: [emptyRoot()], debuginfod: client, buildId: vmlinuxId.toUpperCase() })).vmlinuxFrom).toBe('debuginfod');
    const root = emptyRoot();
    mkdirSync(path.join(root, 'boot'));
    copyFileSync(vmlinux, path.join(root, 'boot', `vmlinux-${release}`));
    expect((await resolve(oops(undefined), { debugRoots: [root] })).vmlinuxFrom).toBe('release');
    expect((await resolve(oops(vmlinuxId), { debugRoots: [emptyRoot()], vmlinux })).vmlinuxFrom).toBe('given');
  });

  it("the release's vmlinux of another build gives way to debuginfod's, and stays without debuginfod", async () => {
    const other = buildStandInVmlinux(path.join(dir, 'other', 'vmlinux-other'), release);
    expect(idOf(other)).not.toBe(vmlinuxId);
    const root = emptyRoot();
    mkdirSync(path.join(root, 'boot'));
    copyFileSync(other, path.join(root, 'boot', `vmlinux-${release}`));
    const { client } = debuginfod();
    expect((await resolve(oops(vmlinuxId), { debugRoots: [root], debuginfod: client })).vmlinuxFrom).toBe('debuginfod');
    expect((await resolve(oops(vmlinuxId), { debugRoots: [root] })).vmlinuxFrom).toBe('release');
  });

  it('offline (no client): nothing is fetched and the kernel frames stay unresolved', async () => {
    const before = requests.length;
    const r = await resolve(oops(vmlinuxId), { debugRoots: [emptyRoot()] });
    expect(r.vmlinux).toBeUndefined();
    expect(r.vmlinuxFrom).toBeUndefined();
    expect(requests.length).toBe(before);
  });

  it('a build-id no server has is one report warning naming the URL', async () => {
    const { client, lines } = debuginfod();
    const r = await resolve(oops(fakeId), { debugRoots: [emptyRoot()], debuginfod: client });
    expect(r.vmlinux).toBeUndefined();
    expect(r.warnings).toEqual([{ code: 'debuginfod-failed', message: expect.stringContaining(`${url}/buildid/${fakeId}/debuginfo: 404 Not Found`) }]);
    expect(lines).toEqual([`debuginfod: ${url}/buildid/${fakeId}/debuginfo: 404 Not Found`]);
  });

  it('crashnav resolve and report: --build-id is checked, DEBUGINFOD_URLS is used, --offline forbids it', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'oops-')), 'oops.log');
    writeFileSync(file, oops(undefined));
    const bad = await runCli(['resolve', '--build-id', 'xyz', file]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain("--build-id wants hex digits (e.g. 40 of them), not 'xyz'");
    const saved = { ...process.env };
    process.env.DEBUGINFOD_URLS = url;
    process.env.DEBUGINFOD_CACHE_PATH = mkdtempSync(path.join(os.tmpdir(), 'dfc-'));
    try {
      const resolved = await runCli(['resolve', '--json', '--debug-root', emptyRoot(), '--build-id', vmlinuxId, file]);
      expect(JSON.parse(resolved.out).reports[0]).toMatchObject({ vmlinuxFrom: 'debuginfod' });
      const report = await runCli(['report', '--format', 'text', '--debug-root', emptyRoot(), '--build-id', vmlinuxId, file]);
      expect(report.out).toMatch(/stand-in-vmlinux\.c:\d+/);
      const before = requests.length;
      const offline = await runCli(['report', '--format', 'text', '--offline', '--debug-root', emptyRoot(), '--build-id', fakeId, file]);
      expect(offline.out).not.toMatch(/stand-in-vmlinux\.c:\d+/);
      expect(requests.length).toBe(before);
    } finally {
      process.env = saved;
    }
  });

  it("a module frame's [mod BUILDID] finds its debug file under .build-id/, else from debuginfod", async () => {
    const frame = `mod_fault+0x4/0x10 [standin ${moduleId}]`;
    const root = emptyRoot();
    mkdirSync(path.dirname(buildIdPath(root, moduleId)), { recursive: true });
    copyFileSync(module, buildIdPath(root, moduleId));
    const moduleLine = (r: Awaited<ReturnType<typeof resolve>>) => {
      const f = r.stacks[0]!.find((x) => x.frame.module === 'standin')!;
      expect(f.frame.buildId).toBe(moduleId);
      return f.provenance === 'dwarf' ? `${f.locations.at(-1)!.function} ${path.basename(f.locations.at(-1)!.file)}` : f.warnings.map((w) => w.code).join();
    };
    expect(moduleLine(await resolve(oops(undefined, frame), { debugRoots: [root], vmlinux }))).toBe('mod_fault standin.c');
    const { client, cache } = debuginfod();
    expect(moduleLine(await resolve(oops(undefined, frame), { debugRoots: [emptyRoot()], vmlinux, debuginfod: client }))).toBe('mod_fault standin.c');
    expect(readFileSync(path.join(cache, moduleId, 'debuginfo')).equals(readFileSync(module))).toBe(true);
    expect(moduleLine(await resolve(oops(undefined, frame), { debugRoots: [emptyRoot()], vmlinux }))).toBe('module-not-found');
  });
});
