// An installed kernel and its modules stand for the build-ids a report does not print: a tree the test
// lays out as a machine has it (`boot/vmlinuz-R`, a bzImage around a gcc-built stand-in vmlinux;
// `lib/modules/R/kernel/.../standin.ko.xz`), whose ids find the DWARF under a debug root's `.build-id/`
// or from debuginfod (the stand-in server of support/file-server.ts). Only the installed root is read.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResolutionSession, parseCrashReport } from '../../crash/index.js';
import { DebuginfodClient, InstalledKernels, buildIdPath, readFileBuildId } from '../../debuginfo/index.js';
import { canBuild, hasTool } from './support/fixtures.js';
import { type FileServer, serveFiles } from './support/file-server.js';
import { buildStandInModule, buildStandInVmlinux } from './support/kernel-stand-in.js';

const release = '6.1.0-98-installed-amd64';

/** A bzImage around an ELF: setup header (`HdrS`, protocol 2.15), the gzip payload at 0x248/0x24c. */
function bzImage(elf: Uint8Array): Buffer {
  const payload = gzipSync(elf);
  const setup = Buffer.alloc(4 * 512);
  setup[0x1f1] = 3;
  setup.write('HdrS', 0x202, 'latin1');
  setup.writeUInt16LE(0x20f, 0x206);
  setup.writeUInt32LE(0x100, 0x248);
  setup.writeUInt32LE(payload.length, 0x24c);
  return Buffer.concat([setup, Buffer.alloc(0x100), payload]);
}

function oops(moduleFrame?: string): string {
  return [
    'BUG: kernel NULL pointer dereference, address: 0000000000000000',
    `CPU: 0 PID: 1 Comm: insmod Tainted: G           OE      ${release} #1`,
    'RIP: 0010:do_thing+0x4/0x10',
    'Call Trace:',
    ' <TASK>',
    ...(moduleFrame ? [` ${moduleFrame}`] : []),
    ' start_kernel+0x9/0x10',
    ' </TASK>',
    '',
  ].join('\n');
}

const haveGcc = canBuild(['-mcmodel=kernel', '-fno-pie', '-no-pie', '-nostdlib', '-static']);

describe.skipIf(!haveGcc)('installed kernels and modules as build-ids', () => {
  let dir: string;
  let installed: string;
  let vmlinux: string;
  let vmlinuxId: string;
  let module: string;
  let moduleId: string;
  let server: FileServer;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-installed-'));
    vmlinux = buildStandInVmlinux(path.join(dir, 'build', 'vmlinux'), release);
    vmlinuxId = readFileBuildId(vmlinux)!;
    module = buildStandInModule(path.join(dir, 'build', 'standin.ko'), release, undefined, { buildId: '5eed'.repeat(10) });
    moduleId = readFileBuildId(module)!;
    installed = path.join(dir, 'root');
    mkdirSync(path.join(installed, 'boot'), { recursive: true });
    // The installed halves are stripped, as distributions ship them.
    const stripped = path.join(dir, 'vmlinux.stripped');
    execFileSync('objcopy', ['--strip-debug', vmlinux, stripped]);
    writeFileSync(path.join(installed, 'boot', `vmlinuz-${release}`), bzImage(readFileSync(stripped)));
    const modDir = path.join(installed, 'lib', 'modules', release, 'kernel', 'drivers', 'misc');
    mkdirSync(modDir, { recursive: true });
    execFileSync('objcopy', ['--strip-debug', module, path.join(modDir, 'standin.ko')]);
    server = await serveFiles(new Map([[`/buildid/${vmlinuxId}/debuginfo`, readFileSync(vmlinux)], [`/buildid/${moduleId}/debuginfo`, readFileSync(module)]]));
    url = server.url;
  });

  afterAll(() => server?.close());

  const emptyDir = (): string => mkdtempSync(path.join(os.tmpdir(), 'crashnav-empty-'));
  const client = (): DebuginfodClient => new DebuginfodClient({ urls: [url], cacheDir: emptyDir(), report: () => {}, progress: false });

  async function resolve(text: string, options: ConstructorParameters<typeof ResolutionSession>[0]) {
    const session = new ResolutionSession(options);
    try {
      return await session.resolve(parseCrashReport(text, { source: 'oops.log' }).reports[0]!);
    } finally {
      await session.close();
    }
  }

  it('reads the image and module build-ids under the root only', async () => {
    const kernels = new InstalledKernels(installed);
    expect(await kernels.kernelBuildId(release)).toEqual({ file: path.join(installed, 'boot', `vmlinuz-${release}`), buildId: vmlinuxId });
    expect((await kernels.moduleBuildId(release, 'standin'))?.buildId).toBe(moduleId);
    expect(await kernels.kernelBuildId('6.1.0-0-absent')).toBeUndefined();
    expect(await kernels.moduleBuildId(release, 'absent')).toBeUndefined();
    // A release is one path component: `../..` from a report never leaves the root.
    expect(kernels.imageCandidates('../../etc')).toEqual([]);
    expect(await kernels.moduleBuildId('../../build', 'standin')).toBeUndefined();
  });

  it.skipIf(!hasTool('xz'))('a .ko.xz module and an unsupported image say why they give nothing', async () => {
    const root = emptyDir();
    const modDir = path.join(root, 'lib', 'modules', release);
    mkdirSync(modDir, { recursive: true });
    writeFileSync(path.join(modDir, 'stand-in.ko.xz'), execFileSync('xz', ['--check=crc32', '-c', module]));
    mkdirSync(path.join(root, 'boot'));
    writeFileSync(path.join(root, 'boot', `vmlinuz-${release}`), 'MZ not a kernel');
    const kernels = new InstalledKernels(root);
    expect((await kernels.moduleBuildId(release, 'stand_in'))?.buildId).toBe(moduleId);
    expect((await kernels.kernelBuildId(release))?.problem).toMatch(/vmlinuz-6\.1\.0-98-installed-amd64: .*not a kernel image/);
  });

  it("the installed image's build-id finds the vmlinux under .build-id/ when the report prints none", async () => {
    const root = emptyDir();
    mkdirSync(path.dirname(buildIdPath(root, vmlinuxId)), { recursive: true });
    copyFileSync(vmlinux, buildIdPath(root, vmlinuxId));
    const r = await resolve(oops(), { debugRoots: [root], installedRoot: installed });
    expect(r.vmlinuxFrom).toBe('build-id');
    expect(r.stacks[0]!.filter((f) => f.provenance === 'dwarf').map((f) => f.frame.symbol)).toEqual(['do_thing', 'start_kernel']);
    // Another root with no such kernel installed: nothing finds it.
    expect((await resolve(oops(), { debugRoots: [root], installedRoot: emptyDir() })).vmlinux).toBeUndefined();
  });

  it("a vmlinux found by release is used without reading the installed image (seconds for a zstd kernel)", async () => {
    const other = buildStandInVmlinux(path.join(dir, 'other', 'vmlinux'), release);
    expect(readFileBuildId(other)).not.toBe(vmlinuxId);
    const root = emptyDir();
    mkdirSync(path.join(root, 'boot'));
    copyFileSync(other, path.join(root, 'boot', `vmlinux-${release}`));
    const r = await resolve(oops(), { debugRoots: [root], installedRoot: installed });
    expect(r.vmlinuxFrom).toBe('release');
    // The installed image is another build, but it was not read: no build-id says the release's file is wrong.
    expect(r.warnings.filter((w) => w.code === 'build-id-mismatch')).toEqual([]);
  });

  it('the installed ids fetch the vmlinux and the module DWARF from debuginfod', async () => {
    const r = await resolve(oops('mod_fault+0x4/0x10 [standin]'), { debugRoots: [emptyDir()], installedRoot: installed, debuginfod: client() });
    expect(r.vmlinuxFrom).toBe('debuginfod');
    const frames = r.stacks[0]!.map((f) => `${f.frame.symbol} ${f.provenance} ${path.basename(f.locations.at(-1)?.file ?? '')}`);
    expect(frames).toEqual(['do_thing dwarf stand-in-vmlinux.c', 'mod_fault dwarf standin.c', 'start_kernel dwarf stand-in-vmlinux.c']);
    expect(r.warnings).toEqual([]);
  });

  it("a module directory's stripped .ko does not stop debuginfod; one with DWARF of the build does", async () => {
    const stripped = path.join(installed, 'lib', 'modules', release);
    const fetched = await resolve(oops('mod_fault+0x4/0x10 [standin]'), { vmlinux, debugRoots: [emptyDir()], moduleDirs: [stripped], installedRoot: installed, debuginfod: client() });
    expect(fetched.stacks[0]!.find((f) => f.frame.module)!.provenance).toBe('dwarf');
    const local = path.join(emptyDir(), 'standin.ko');
    copyFileSync(module, local);
    const failing = new DebuginfodClient({ urls: ['http://127.0.0.1:9'], cacheDir: emptyDir(), report: () => {}, progress: false });
    const r = await resolve(oops('mod_fault+0x4/0x10 [standin]'), { vmlinux, debugRoots: [emptyDir()], moduleDirs: [path.dirname(local)], installedRoot: installed, debuginfod: failing });
    expect(r.stacks[0]!.find((f) => f.frame.module)!.provenance).toBe('dwarf');
    expect(r.warnings).toEqual([]);
  });
});
