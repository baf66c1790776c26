// Every distribution's debug layout (support/distro-layouts.ts): one frame of the vmlinux and one of
// a module resolved end to end through KernelSymbolizer from nothing but the release and the debug
// root a user would give; stripped binaries leading to their debug halves; a build tree as a root.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DebugFile, KernelSymbolizer, ModuleFinder, buildIdPath, findVmlinux, isKernelBuildTree, moduleDirs, vmlinuxCandidates } from '../../debuginfo/index.js';
import { debug, layOut, layouts, moduleId, release, split, vmlinuxId } from './support/distro-layouts.js';
import { hasTool } from './support/fixtures.js';
import { buildStandInModule, buildStandInVmlinux, standInVersion } from './support/kernel-stand-in.js';

const haveTools = hasTool('gcc') && hasTool('objcopy') && hasTool('ld');
if (!haveTools) console.log('debuginfo distribution layouts: skipped, needs gcc, ld and objcopy');

async function resolveBoth(kernel: KernelSymbolizer): Promise<{ vmlinux: string | undefined; module: string | undefined; line: number | undefined; warnings: string[] }> {
  const v = await kernel.resolve('do_thing+0x4');
  const m = await kernel.resolve('mod_fault+0x4', { module: 'my_mod' });
  return {
    vmlinux: v.frames.at(-1)?.function,
    module: m.frames.at(-1)?.function,
    line: m.frames.at(-1)?.line,
    warnings: [...v.warnings, ...m.warnings].map((w) => w.code),
  };
}

describe.skipIf(!haveTools)('every distribution layout resolves a frame end to end', () => {
  for (const layout of layouts) {
    it(layout.name, async () => {
      const { root, at } = layOut(layout);
      const vmlinux = findVmlinux({ release, debugRoots: [root] });
      expect(vmlinux).toBe(at(layout.vmlinux));
      // The stripped halves stand where the installed kernel has them, and are searched first.
      const installed = layout.split?.module ? [path.join(root, 'lib', 'modules', release)] : [];
      const dirs = [...installed, ...moduleDirs(release, [root])];
      const kernel = new KernelSymbolizer({
        vmlinux: DebugFile.open(vmlinux!),
        moduleDirs: dirs,
        debugRoots: [root],
        report: { release, version: standInVersion(release), buildId: vmlinuxId, moduleBuildIds: new Map([['my-mod', moduleId]]) },
      });
      expect(await resolveBoth(kernel)).toEqual({ vmlinux: 'do_thing', module: 'mod_fault', line: expect.any(Number), warnings: [] });
      // The DWARF read is the debug package's file (Fedora's `.build-id/` link, found first by the frame's build-id, is it too).
      expect(realpathSync((await kernel.module('my_mod'))!.file!.name)).toBe(realpathSync(at(layout.module)));
      await kernel.close();
      // Another release finds nothing in the same tree, but for a build tree that cannot tell.
      expect(findVmlinux({ release: '9.9.8-test', debugRoots: [root] })).toBe(layout.anyRelease ? at(layout.vmlinux) : undefined);
    });
  }
});

describe.skipIf(!haveTools)('stripped binaries lead to their debug halves', () => {
  it('a stripped vmlinux given by path: its .gnu_debuglink target beside it, or in .debug/', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'crashnav-strip-'));
    const full = buildStandInVmlinux(path.join(dir, 'full', 'vmlinux'), release, 'gcc', { buildId: vmlinuxId });
    split(full, path.join(dir, 'vmlinux.debug'), path.join(dir, 'vmlinux'));
    expect(findVmlinux({ path: path.join(dir, 'vmlinux'), debugRoots: [] })).toBe(path.join(dir, 'vmlinux.debug'));
    const other = mkdtempSync(path.join(tmpdir(), 'crashnav-strip-'));
    split(full, path.join(other, '.debug', 'vmlinux.debug'), path.join(other, 'vmlinux'));
    expect(findVmlinux({ path: path.join(other, 'vmlinux'), debugRoots: [] })).toBe(path.join(other, '.debug', 'vmlinux.debug'));
  });

  it('a stripped vmlinux with no debug half is still the answer (symbols, no lines)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'crashnav-strip-'));
    const full = buildStandInVmlinux(path.join(dir, 'full', 'vmlinux'), release, 'gcc', { buildId: vmlinuxId });
    execFileSync('objcopy', ['--strip-debug', full, path.join(dir, 'vmlinux')]);
    expect(findVmlinux({ path: path.join(dir, 'vmlinux'), debugRoots: [] })).toBe(path.join(dir, 'vmlinux'));
  });

  it('a stripped vmlinux found by release leads to its debug half by build-id, and not to another build', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'crashnav-strip-'));
    const full = buildStandInVmlinux(path.join(dir, 'full', 'vmlinux'), release, 'gcc', { buildId: vmlinuxId });
    const root = path.join(dir, debug);
    // The stripped image where Debian/Ubuntu put the debug one, the debug half only under .build-id/.
    execFileSync('objcopy', ['--only-keep-debug', full, path.join(dir, 'half')]);
    mkdirSync(path.join(root, 'boot'), { recursive: true });
    execFileSync('objcopy', ['--strip-debug', full, path.join(root, 'boot', `vmlinux-${release}`)]);
    mkdirSync(path.dirname(buildIdPath(root, vmlinuxId)), { recursive: true });
    renameSync(path.join(dir, 'half'), buildIdPath(root, vmlinuxId));
    expect(findVmlinux({ release, debugRoots: [root] })).toBe(buildIdPath(root, vmlinuxId));
    // A later candidate with DWARF but another build-id is not its debug half.
    const otherRoot = path.join(dir, 'other');
    mkdirSync(path.join(otherRoot, 'boot'), { recursive: true });
    execFileSync('objcopy', ['--strip-debug', full, path.join(otherRoot, 'boot', `vmlinux-${release}`)]);
    buildStandInVmlinux(path.join(otherRoot, `vmlinux-${release}`), release, 'gcc', { buildId: '33'.repeat(20) });
    expect(findVmlinux({ release, debugRoots: [otherRoot] })).toBe(path.join(otherRoot, 'boot', `vmlinux-${release}`));
  });

  it('a module named only by its build-id is found under .build-id/, and the right build wins over a stale one', async () => {
    const { root, at } = layOut(layouts.find((l) => l.buildIdLinks)!);
    const vmlinux = DebugFile.open(findVmlinux({ release, debugRoots: [root] })!);
    // No module directory at all: the frame's build-id is enough.
    const byId = new KernelSymbolizer({ vmlinux, debugRoots: [root], report: { release, moduleBuildIds: new Map([['my_mod', moduleId.toUpperCase()]]) } });
    expect((await byId.loadModule('my-mod')).path).toBe(buildIdPath(at(debug), moduleId));
    expect((await byId.resolve('mod_fault+0x4', { module: 'my_mod' })).frames.at(-1)?.function).toBe('mod_fault');
    // A stale build of the module in the user's directory comes first by name; the build-id picks the packaged one.
    const stale = mkdtempSync(path.join(tmpdir(), 'crashnav-stale-'));
    buildStandInModule(path.join(stale, 'my_mod.ko'), release, undefined, { buildId: '44'.repeat(20) });
    const kernel = new KernelSymbolizer({ vmlinux, moduleDirs: [stale, ...moduleDirs(release, [root])], debugRoots: [], report: { release, moduleBuildIds: new Map([['my_mod', moduleId]]) } });
    expect(new ModuleFinder({ dirs: [stale, ...moduleDirs(release, [root])] }).find('my_mod')).toBe(path.join(stale, 'my_mod.ko'));
    const load = await kernel.loadModule('my_mod');
    expect(load.path).toBe(at(layouts.find((l) => l.buildIdLinks)!.module));
    expect((await kernel.resolve('mod_fault+0x4', { module: 'my_mod' })).warnings).toEqual([]);
    await byId.close();
    await kernel.close();
  });

  it('a stripped module without build-id leads to its debug half by .gnu_debuglink under a debug root (gdb\'s global rule)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'crashnav-link-'));
    const full = buildStandInModule(path.join(dir, 'build', 'my-mod.ko'), release);
    const installed = path.join(dir, 'lib', 'modules', release, 'kernel', 'drivers', 'misc');
    const root = path.join(dir, 'debug');
    // The debug half where the debug root mirrors the stripped file's directory, as gdb looks for it.
    split(full, path.join(root, installed, 'my-mod.ko.debug'), path.join(installed, 'my-mod.ko'));
    const vmlinux = DebugFile.open(buildStandInVmlinux(path.join(dir, 'vmlinux'), release));
    const kernel = new KernelSymbolizer({ vmlinux, moduleDirs: [path.join(dir, 'lib', 'modules', release)], debugRoots: [root], report: { release } });
    const r = await kernel.resolve('mod_fault+0x4', { module: 'my_mod' });
    expect(r.frames.at(-1)?.line).toBeGreaterThan(0);
    expect(r.warnings).toEqual([]);
    expect((await kernel.module('my_mod'))?.file?.name).toBe(path.join(root, installed, 'my-mod.ko.debug'));
    // Without the debug half: the stripped module answers from its symbols, saying it has no DWARF.
    const bare = new KernelSymbolizer({ vmlinux, moduleDirs: [path.join(dir, 'lib', 'modules', release)], debugRoots: [], report: { release } });
    expect((await bare.resolve('mod_fault+0x4', { module: 'my_mod' })).warnings.map((w) => w.code)).toEqual(['no-dwarf']);
    await kernel.close();
    await bare.close();
  });

  it.skipIf(!hasTool('xz'))('a stripped .ko.xz where /lib/modules has it gives way to the .ko.debug (Fedora), identity from the stripped half', async () => {
    const { root, at } = layOut(layouts.find((l) => l.buildIdLinks)!);
    const stripped = path.join(root, 'lib', 'modules', release, 'kernel', 'drivers', 'misc', 'my-mod.ko');
    execFileSync('xz', [stripped]);
    const installed = path.join(root, 'lib', 'modules', release);
    const finder = new ModuleFinder({ dirs: [installed, ...moduleDirs(release, [root])] });
    // By name alone the debug half already comes first: uncompressed before compressed.
    expect(finder.findAll('my_mod')).toEqual([at(`${debug}/lib/modules/${release}/kernel/drivers/misc/my-mod.ko.debug`), `${stripped}.xz`]);
    // Given only the stripped file, its debug half is found by build-id under the debug root.
    const vmlinux = DebugFile.open(findVmlinux({ release, debugRoots: [root] })!);
    const kernel = new KernelSymbolizer({ vmlinux, modulePaths: new Map([['my_mod', `${stripped}.xz`]]), debugRoots: [root], report: { release: '9.9.1-test' } });
    const r = await kernel.resolve('mod_fault+0x4', { module: 'my_mod' });
    expect(r.frames.at(-1)).toMatchObject({ function: 'mod_fault', line: expect.any(Number) });
    expect(r.frames.at(-1)?.line).toBeGreaterThan(0);
    // The vermagic check reads the stripped half's .modinfo (the debug half has none).
    expect(r.warnings.map((w) => w.code)).toContain('module-vermagic');
    expect(await kernel.loadModule('my_mod')).toMatchObject({ ok: true, path: `${stripped}.xz`, symbolizer: { file: { name: buildIdPath(at(debug), moduleId) } } });
    await kernel.close();
  });
});

describe.skipIf(!haveTools)('a kernel build tree as the debug root', () => {
  it('is recognised by vmlinux + modules.order, and its kernel.release must match', () => {
    const layout = layouts.find((l) => l.files?.['include/config/kernel.release'])!;
    const { root } = layOut(layout);
    expect(isKernelBuildTree(root)).toBe(true);
    expect(isKernelBuildTree(path.join(root, 'drivers'))).toBe(false);
    expect(vmlinuxCandidates({ debugRoots: [root] })).toEqual([path.join(root, 'vmlinux')]);
    expect(findVmlinux({ release: '9.9.8-test', debugRoots: [root] })).toBeUndefined();
    expect(moduleDirs('9.9.8-test', [root])).not.toContain(root);
    expect(moduleDirs(release, [root])).toContain(root);
    // Modules come from modules.order, not a walk: a .ko not listed is not this kernel's.
    buildStandInModule(path.join(root, 'scratch', 'other-mod.ko'), release);
    expect(new ModuleFinder({ dirs: [root] }).find('other_mod')).toBeUndefined();
    expect(new ModuleFinder({ dirs: [root] }).find('my_mod')).toBe(path.join(root, 'drivers/misc/my-mod.ko'));
  });
});
