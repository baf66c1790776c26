// A wrong binary is loud: a vmlinux of another release, build or build-id, an ELF file that is no
// kernel image (`/bin/ls`, a `.ko`), a file that is not ELF at all, a module built for another kernel
// or another build (srcversion, build-id), a corrupt module (not "not found"); every warning typed,
// decided by code.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { modulesPath, release as debianRelease, vmlinuxPath } from '../../bench/debuginfo/paths.js';
import { DebugFile, ElfFormatError, KernelSymbolizer, checkVmlinux, isWrongBinary, openDebugFile, readBuildId } from '../../debuginfo/index.js';
import { hasTool } from './support/fixtures.js';
import { buildStandInModule, buildStandInVmlinux, standInVersion } from './support/kernel-stand-in.js';

const haveGcc = hasTool('gcc');
if (!haveGcc) console.log('debuginfo wrong binary: skipped, needs gcc');

const release = '9.9.9-test';
const tempDir = () => mkdtempSync(path.join(tmpdir(), 'crashnav-wrong-'));
const codes = (ws: { code: string }[]) => ws.map((w) => w.code);

describe.skipIf(!haveGcc)('checkVmlinux: is this the kernel of the report?', () => {
  const dir = tempDir();
  const vmlinux = buildStandInVmlinux(path.join(dir, 'vmlinux'), release);
  const ko = buildStandInModule(path.join(dir, 'mymod.ko'), release);

  it('the right vmlinux has no warning, with or without the report identity', () => {
    const file = DebugFile.open(vmlinux);
    expect(checkVmlinux(file, { release, version: standInVersion(release) })).toEqual([]);
    expect(checkVmlinux(file)).toEqual([]);
    // An oops line shows less of the build string than the banner: still the same build.
    expect(checkVmlinux(file, { release, version: `#1 Debian ${release.split('-')[0]}-1` })).toEqual([]);
  });

  it.skipIf(!hasTool('aarch64-linux-gnu-gcc'))('an arm64 vmlinux is a kernel image too', () => {
    const arm64 = buildStandInVmlinux(path.join(tempDir(), 'vmlinux'), release, 'aarch64-linux-gnu-gcc');
    expect(checkVmlinux(DebugFile.open(arm64), { release, version: standInVersion(release) })).toEqual([]);
  });

  it('another release and another build', () => {
    const file = DebugFile.open(vmlinux);
    const other = checkVmlinux(file, { release: '9.9.8-test', version: '#1 SMP PREEMPT_DYNAMIC Debian 9.9.8-1 (2025-01-01)' });
    expect(codes(other)).toEqual(['release-mismatch', 'build-mismatch']);
    expect(other[0]).toEqual({ code: 'release-mismatch', message: `WRONG BINARY? the report's kernel is 9.9.8-test but ${vmlinux} is ${release}`, file: vmlinux });
    expect(other.every(isWrongBinary)).toBe(true);
    expect(codes(checkVmlinux(file, { release, version: '#2 SMP PREEMPT_DYNAMIC Debian 9.9.9-1' }))).toEqual(['build-mismatch']);
  });

  it('a .ko, a user-space program and an ELF without linux_banner are no vmlinux', () => {
    const fromKo = checkVmlinux(DebugFile.open(ko), { release });
    expect(fromKo).toEqual([{ code: 'not-vmlinux', message: `WRONG BINARY? ${ko} is a relocatable object (a module?), not a kernel image`, file: ko }]);
    const ls = checkVmlinux(DebugFile.open('/bin/ls'));
    expect(codes(ls)).toEqual(['not-vmlinux']);
    expect(ls[0]!.message).toMatch(/^WRONG BINARY\? \/bin\/ls is .*a user-space address, not a kernel image$/);
    // Kernel-looking addresses but no banner: said once the report's identity asks for the banner.
    const stripped = path.join(tempDir(), 'vmlinux-no-banner');
    execFileSync('objcopy', ['--strip-symbol=linux_banner', vmlinux, stripped]);
    expect(checkVmlinux(DebugFile.open(stripped))).toEqual([]);
    const noBanner = checkVmlinux(DebugFile.open(stripped), { release });
    expect(noBanner).toEqual([{ code: 'not-vmlinux', message: `WRONG BINARY? ${stripped} is an ELF file without linux_banner, not a kernel image`, file: stripped }]);
  });

  it('the warning rides on every answer of a kernel symbolizer given the wrong file', () => {
    const kernel = new KernelSymbolizer({ vmlinux: DebugFile.open(ko), report: { release } });
    expect(codes(kernel.vmlinux.warnings)).toEqual(['not-vmlinux']);
    expect(codes(kernel.vmlinux.resolve('mod_fault+0x1').warnings)).toContain('not-vmlinux');
    const right = new KernelSymbolizer({ vmlinux: DebugFile.open(vmlinux), report: { release, version: standInVersion(release) } });
    expect(right.vmlinux.resolve('do_thing+0x1').warnings).toEqual([]);
  });

  it('a file that is not ELF, or a directory, is an ElfFormatError naming it', async () => {
    const text = path.join(tempDir(), 'vmlinux-not-elf');
    writeFileSync(text, 'this is a README, not a kernel\n');
    expect(() => DebugFile.open(text)).toThrow(ElfFormatError);
    expect(() => DebugFile.open(text)).toThrow(`${text}: (file)+0x0: not an ELF file (bad magic)`);
    await expect(openDebugFile(text)).rejects.toThrow(text);
    const dir = tempDir();
    expect(() => DebugFile.open(dir)).toThrow(`${dir}: (file)+0x0: a directory, not an ELF file`);
    await expect(openDebugFile(dir)).rejects.toThrow(ElfFormatError);
  });
});

describe.skipIf(!haveGcc || !hasTool('ld'))('build-ids: the vmlinux and each module against the report', () => {
  const dir = tempDir();
  const id = 'ab'.repeat(20);
  const vmlinux = buildStandInVmlinux(path.join(dir, 'vmlinux'), release, 'gcc', { buildId: id });
  const modules = path.join(dir, 'modules');
  const moduleId = 'cd'.repeat(20);
  const ko = buildStandInModule(path.join(modules, 'kernel/drivers/id-mod.ko'), release, undefined, { buildId: moduleId });

  it('a vmlinux of another build-id is a typed wrong binary, whatever its banner says', () => {
    const file = DebugFile.open(vmlinux);
    expect(checkVmlinux(file, { buildId: id })).toEqual([]);
    expect(checkVmlinux(file, { buildId: id.toUpperCase(), release, version: standInVersion(release) })).toEqual([]);
    const other = checkVmlinux(file, { buildId: 'ef'.repeat(20), release, version: standInVersion(release) });
    expect(other).toEqual([{ code: 'build-id-mismatch', message: `WRONG BINARY? the report's kernel has build-id ${'ef'.repeat(20)} but ${vmlinux} has ${id}`, file: vmlinux }]);
    expect(other.every(isWrongBinary)).toBe(true);
    // Both wrong: each said.
    expect(codes(checkVmlinux(file, { buildId: 'ef'.repeat(20), release: '9.9.8-test' }))).toEqual(['build-id-mismatch', 'release-mismatch']);
    // A vmlinux without a build-id note is no evidence.
    const noId = path.join(tempDir(), 'vmlinux');
    execFileSync('objcopy', ['--remove-section=.note.gnu.build-id', vmlinux, noId]);
    expect(checkVmlinux(DebugFile.open(noId), { buildId: 'ef'.repeat(20) })).toEqual([]);
  });

  it('a module whose build-id is not its frames\' [mod <build-id>] is a typed wrong module on every answer', async () => {
    const kernel = (moduleBuildId: string) =>
      new KernelSymbolizer({ vmlinux: DebugFile.open(vmlinux), moduleDirs: [modules], debugRoots: [], report: { release, buildId: id, moduleBuildIds: new Map([['id-mod', moduleBuildId]]) } });
    const right = kernel(moduleId);
    expect((await right.resolve('mod_fault+0x4', { module: 'id_mod' })).warnings).toEqual([]);
    const wrong = kernel('ef'.repeat(20));
    const r = await wrong.resolve('mod_fault+0x4', { module: 'id_mod' });
    expect(r.frames.at(-1)?.function).toBe('mod_fault');
    expect(r.warnings).toEqual([
      { code: 'module-build-id-mismatch', message: `WRONG MODULE? id_mod has build-id ${moduleId}, the report shows ${'ef'.repeat(20)}`, module: 'id_mod', file: ko },
    ]);
    expect(r.warnings.every(isWrongBinary)).toBe(true);
    await right.close();
    await wrong.close();
  });
});

describe.skipIf(!haveGcc)('modules: wrong build, corrupt, missing', () => {
  const dir = tempDir();
  const vmlinux = buildStandInVmlinux(path.join(dir, 'vmlinux'), release);
  const modules = path.join(dir, 'modules');
  buildStandInModule(path.join(modules, 'kernel/drivers/good-mod.ko'), release);
  buildStandInModule(path.join(modules, 'kernel/drivers/old_mod.ko'), '9.9.1-test');
  const truncated = buildStandInModule(path.join(modules, 'kernel/drivers/cut_mod.ko'), release);
  truncateSync(truncated, 200);
  const garbage = path.join(modules, 'kernel/drivers/junk_mod.ko');
  writeFileSync(garbage, Buffer.alloc(4096, 0x5a));
  const kernel = () =>
    new KernelSymbolizer({ vmlinux: DebugFile.open(vmlinux), moduleDirs: [modules], report: { release, moduleSrcversions: new Map([['good_mod', 'FFFFFFFFFFFFFFFFFFFFFFF']]) } });

  it('vermagic and srcversion differences are typed module warnings', async () => {
    const k = kernel();
    const good = await k.resolve('mod_fault+0x4', { module: 'good-mod' });
    expect(good.frames.at(-1)?.function).toBe('mod_fault');
    expect(good.warnings).toEqual([
      { code: 'module-srcversion', message: 'WRONG MODULE? good_mod has srcversion A1B2C3D4E5F60718293A4B5, the report shows FFFFFFFFFFFFFFFFFFFFFFF', module: 'good_mod', file: path.join(modules, 'kernel/drivers/good-mod.ko') },
    ]);
    const old = await k.resolve('mod_fault+0x4', { module: 'old_mod' });
    expect(codes(old.warnings)).toEqual(['module-vermagic']);
    expect(old.warnings[0]!.message).toBe(`WRONG MODULE? old_mod was built for 9.9.1-test, the report's kernel is ${release}`);
  });

  it('a corrupt module says corrupt with the ELF error; only a missing file is "not found"', async () => {
    const k = kernel();
    for (const [name, file] of [['cut_mod', truncated], ['junk_mod', garbage]] as const) {
      const load = await k.loadModule(name);
      expect(load.ok).toBe(false);
      if (load.ok) continue;
      expect(load.warning.code).toBe('module-corrupt');
      expect(load.warning.file).toBe(file);
      expect(load.warning.message).toMatch(new RegExp(`^module ${name} is corrupt: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      expect(await k.module(name)).toBeUndefined();
      expect(codes((await k.resolve('mod_fault+0x4', { module: name })).warnings)).toEqual(['module-corrupt']);
    }
    expect(await k.loadModule('junk_mod')).toMatchObject({ warning: { message: expect.stringContaining('not an ELF file (bad magic)') } });
    const missing = await k.loadModule('absent_mod');
    expect(missing).toEqual({ ok: false, warning: { code: 'module-not-found', message: 'module absent_mod not found', module: 'absent_mod' }, path: undefined });
    // A missing or corrupt module is no evidence of a wrong binary.
    expect(missing.ok || isWrongBinary(missing.warning)).toBe(false);
    await k.close();
  });

  it('a raw module address of a corrupt module says corrupt', async () => {
    const k = new KernelSymbolizer({ vmlinux: DebugFile.open(vmlinux), moduleDirs: [modules], moduleBases: { junk_mod: 0xffffffffc0200000n } });
    const r = await k.symbolizeRuntime(0xffffffffc0200010n);
    expect(r.frames).toEqual([]);
    expect(codes(r.warnings)).toEqual(['module-corrupt']);
    expect(r.warnings[0]!.message).toMatch(/^0xffffffffc0200010 may be in module junk_mod, module junk_mod is corrupt: .*bad magic/);
  });
});

describe.skipIf(!existsSync(vmlinuxPath))('the Debian 6.1 binaries', () => {
  it('its vmlinux is a kernel image of its release; one of its modules is not a vmlinux', () => {
    const file = DebugFile.open(vmlinuxPath);
    expect(checkVmlinux(file)).toEqual([]);
    expect(checkVmlinux(file, { release: debianRelease })).toEqual([]);
    expect(codes(checkVmlinux(file, { release: '6.12.0-1-amd64' }))).toEqual(['release-mismatch']);
    const ko = path.join(modulesPath, 'kernel/net/ipv4/ip_vti.ko');
    if (existsSync(ko)) expect(codes(checkVmlinux(DebugFile.open(ko), { release: debianRelease }))).toEqual(['not-vmlinux']);
  });

  it('its build-id and a module\'s are checked against the report\'s', async () => {
    const file = DebugFile.open(vmlinuxPath);
    const id = readBuildId(file.elf)!;
    expect(id).toMatch(/^[0-9a-f]{40}$/);
    const flipped = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    expect(checkVmlinux(file, { release: debianRelease, buildId: id })).toEqual([]);
    expect(codes(checkVmlinux(file, { release: debianRelease, buildId: flipped(id) }))).toEqual(['build-id-mismatch']);
    const ko = path.join(modulesPath, 'kernel/net/ipv4/ip_vti.ko');
    if (!existsSync(ko)) return;
    const moduleId = readBuildId(DebugFile.open(ko).elf)!;
    for (const [shown, expected] of [[moduleId, []], [flipped(moduleId), ['module-build-id-mismatch']]] as const) {
      const kernel = new KernelSymbolizer({ vmlinux: file, moduleDirs: [modulesPath], debugRoots: [], report: { release: debianRelease, buildId: id, moduleBuildIds: new Map([['ip_vti', shown]]) } });
      const load = await kernel.loadModule('ip_vti');
      expect(load.ok && codes(load.symbolizer.warnings)).toEqual(expected);
      await kernel.close();
    }
  });
});
